"""The long-memory experiment of chapter 4: its task, its initialisations, its runs and its committed table."""
import numpy as np
import pytest
import torch
from torch import nn

from seqlearn import memory
from seqlearn.utils import count_parameters


def forget_bias(lstm, layer_suffix="_l0"):
    H = lstm.hidden_size
    return (getattr(lstm, "bias_ih" + layer_suffix) + getattr(lstm, "bias_hh" + layer_suffix))[H:2 * H]


def test_set_forget_bias_sets_the_sum_in_every_layer_and_direction():
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    before = {k: v.clone() for k, v in lstm.state_dict().items()}
    memory.set_forget_bias(lstm, 1.5)
    for suffix in ("_l0", "_l0_reverse", "_l1", "_l1_reverse"):
        assert torch.allclose(forget_bias(lstm, suffix), torch.full((3,), 1.5))
    for name, value in lstm.state_dict().items():
        rest = torch.cat([value[:3], value[6:]]) if name.startswith("bias") else value
        old = torch.cat([before[name][:3], before[name][6:]]) if name.startswith("bias") else before[name]
        assert torch.equal(rest, old), name                            # nothing else moved


def test_chrono_init_spreads_forget_time_constants_up_to_t_max():
    lstm = memory.chrono_init(nn.LSTM(1, 200, bidirectional=True), 50, torch.Generator().manual_seed(0))
    H = lstm.hidden_size
    for suffix in ("_l0", "_l0_reverse"):
        b_ih, b_hh = getattr(lstm, "bias_ih" + suffix), getattr(lstm, "bias_hh" + suffix)
        assert not b_ih[:2 * H].any()
        b_f = b_hh[H:2 * H]
        assert torch.equal(b_hh[:H], -b_f)                            # b_i = -b_f
        tau = 1 + torch.exp(b_f)                                      # 1 / (1 - σ(b_f)) = 1 + u
        assert 2 <= tau.min() < 5 and 45 < tau.max() <= 50            # u ~ U(1, 49): spread over the range
    again = memory.chrono_init(nn.LSTM(1, 200, bidirectional=True), 50, torch.Generator().manual_seed(0))
    assert torch.equal(again.bias_hh_l0[:2 * H], lstm.bias_hh_l0[:2 * H])        # the generator decides
    with pytest.raises(ValueError, match="t_max > 2"):
        memory.chrono_init(nn.LSTM(1, 2), 2)


def test_the_networks_have_matched_parameter_budgets():
    counts = {kind: count_parameters(memory.build(kind, 20, 0)) for kind in memory.KINDS}
    assert counts == {"RNN": 375, "LSTM, b_f = 1": 393, "LSTM, chrono": 393}
    assert torch.allclose(forget_bias(memory.build("LSTM, b_f = 1", 20, 0).core), torch.ones(8))


def test_a_short_memory_is_learned_and_recorded():
    record = memory.run_one("LSTM, chrono", 5, 0, budget={"train": 256, "epochs": 6})
    assert record["accuracy"] >= memory.SUCCESS and record["success"] is True
    assert set(record) == {"kind", "length", "seed", "accuracy", "success", "best_epoch", "seconds"}
    assert 1 <= record["best_epoch"] <= 6


def test_success_table_counts_per_kind_and_length():
    records = [{"kind": "A", "length": 5, "success": s, "accuracy": a}
               for s, a in [(True, 1.0), (False, 0.5), (True, 0.95)]]
    records.append({"kind": "B", "length": 9, "success": False, "accuracy": 0.4})
    assert memory.success_table(records) == {"A": {5: (2, 3)}, "B": {9: (0, 1)}}
    text = memory.format_table(records)
    assert "2/3" in text and "0/1" in text and "0.95" in text       # median of A at T = 5


def test_command_writes_results_that_load_back(tmp_path):
    memory.main(["--lengths", "4", "--seeds", "1", "--kinds", "LSTM, chrono", "--out", str(tmp_path),
                 "--name", "tiny"])
    meta, records = memory.load("tiny", tmp_path)
    assert len(records) == 1 and records[0]["length"] == 4
    assert meta["command"].startswith("python -m seqlearn.memory --lengths 4")
    assert "T = 4" in (tmp_path / "tiny.md").read_text()


def test_committed_results_cover_the_grid_the_chapter_reports():
    meta, records = memory.load()
    assert meta["success"] == memory.SUCCESS and meta["budget"] == memory.BUDGET
    grid = {(r["kind"], r["length"], r["seed"]) for r in records}
    assert grid == {(k, t, s) for k in memory.KINDS for t in (20, 50, 100, 200, 400) for s in range(10)}
    assert all(r["success"] == (r["accuracy"] >= memory.SUCCESS) for r in records)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
def test_a_short_memory_is_learned_on_the_gpu():
    record = memory.run_one("LSTM, chrono", 5, 0, device=torch.device("cuda"),
                            budget={"train": 256, "epochs": 6})
    assert record["accuracy"] >= memory.SUCCESS
