"""Chapter 14's study, measurements, tables and figures (seqlearn.recurrence) and the minimal cells
in chapter 11's model builder: each checked against an independent count or computation."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as nnf  # noqa: E402

from seqlearn.compare import models as cm  # noqa: E402
from seqlearn.compare import study as which_cell  # noqa: E402
from seqlearn.recurrence import cost, figures, report, streaming, study  # noqa: E402
from seqlearn.torch.minrnn import MinRNN  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# --- the minimal cells in chapter 11's builder -------------------------------------------------

@pytest.mark.parametrize("cell", list(cm.MIN_CELLS))
@pytest.mark.parametrize("sizes", [(2, 1, 4700), (6, 5, 11000)])
def test_min_cells_meet_the_budget_from_below(cell, sizes):
    inputs, outputs, budget = sizes
    model, H = cm.build(cell, inputs, outputs, budget)
    params = sum(p.numel() for p in model.parameters())
    assert params == cm.parameter_count(cell, inputs, H, outputs) <= budget
    assert cm.parameter_count(cell, inputs, H + 1, outputs) > budget
    assert isinstance(model.core, MinRNN) and model.core.num_layers == cm.MIN_CELLS[cell][1]


def test_min_parameters_counts_the_module():
    for kind in ("minGRU", "minLSTM"):
        for layers in (1, 2, 3):
            m = MinRNN(kind, 7, 5, layers)
            assert sum(p.numel() for p in m.parameters()) == cm.min_parameters(kind, 7, 5, layers)


def test_build_refuses_an_lstm_variant_for_a_min_cell_and_names_the_choices():
    with pytest.raises(ValueError, match="LSTM ablation"):
        cm.build("minGRU", 2, 1, 4700, variant="NFG")
    with pytest.raises(ValueError, match="minGRU-2"):
        cm.build("mingru", 2, 1, 4700)


# --- cost ------------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [2, 4, 8, 64, 1024])
def test_counts_match_closed_forms_for_powers_of_two(T):
    c = cost.counts(T)
    L = int(math.log2(T))
    assert c["loop"] == (T, T)
    assert c["doubling"] == (L, T * L - T + 1)            # Σ_k (T - 2^k)
    assert c["tree"] == (2 * L, 2 * T - 2 - L)            # Σ over n = T, T/2, ..., 2 of (n - 1)
    assert c["log"] == (2 * L, 2 * T)


def test_counts_of_the_doubling_scan_equal_the_combines_it_performs():
    for T in (3, 5, 12, 100):
        combines, d = 0, 1
        while d < T:                                      # the loop of linear_scan_doubling
            combines += T - d
            d *= 2
        assert cost.counts(T)["doubling"][1] == combines


def test_time_scans_agree_with_the_loop_and_cover_every_schedule():
    rows = cost.time_scans(lengths=(5, 33), batch=2, hidden=3, repeats=1)
    assert {(r["backend"], r["schedule"], r["T"]) for r in rows} == {
        (b, s, T) for b in ("numpy", "torch") for s in cost.SCHEDULES for T in (5, 33)}
    assert all(r["max_abs_diff"] < 1e-12 and r["seconds"] > 0 for r in rows)


def test_time_training_step_reports_each_cell_and_schedule_at_its_budget():
    rows = cost.time_training_step(cells=("GRU", "minGRU-2"), length=10, budget=4700, batch=4, repeats=1,
                                   modes=("scan", "log"))
    assert [(r["cell"], r["mode"]) for r in rows] == [("GRU", None), ("minGRU-2", "scan"), ("minGRU-2", "log")]
    assert rows[1]["hidden"] == cm.hidden_for_budget("minGRU-2", 2, 1, 4700)
    assert all(r["params"] <= 4700 and r["seconds"] > 0 for r in rows)


# --- streaming -------------------------------------------------------------------------------

def test_state_bytes():
    assert streaming.state_bytes("GRU", 10**6, 256) == 256 * 4
    assert streaming.state_bytes("LSTM", 7, 256, layers=2) == 2 * 2 * 256 * 4
    assert streaming.state_bytes("attention", 1000, 64) == 2 * 1000 * 64 * 4
    assert streaming.state_bytes("attention", 2000, 64) == 2 * streaming.state_bytes("attention", 1000, 64)
    with pytest.raises(ValueError, match="attention"):
        streaming.state_bytes("transformer", 10, 8)


def test_cached_attention_step_equals_causal_attention_over_the_whole_sequence():
    torch.manual_seed(0)
    W, T = 8, 6
    layer = streaming._Attention(W).double()
    x = torch.randn(1, T, W, dtype=torch.float64)
    keys, values = torch.zeros(1, T, W, dtype=torch.float64), torch.zeros(1, T, W, dtype=torch.float64)
    with torch.no_grad():
        steps = torch.stack([layer.step(x[:, t], keys, values, t) for t in range(T)], dim=1)
        q, k, v = layer.qkv(x).chunk(3, dim=-1)
        full = nnf.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(steps, full, atol=1e-13)


def test_measure_rows():
    rows = streaming.measure(contexts=(10, 100), width=16, repeats=2)
    assert [(r["kind"], r["context"]) for r in rows] == [
        (k, c) for c in (10, 100) for k in ("GRU", "minGRU", "attention")]
    assert all(r["seconds"] > 0 for r in rows)
    assert [r["bytes"] for r in rows if r["kind"] == "attention"] == [2 * 10 * 16 * 4, 2 * 100 * 16 * 4]


# --- the study -------------------------------------------------------------------------------

def test_synthetic_group_runs_the_min_cells_and_reads_chapter_11s_gru_and_lstm(monkeypatch):
    monkeypatch.setitem(study.CONFIGS, "tiny", {"seeds": 2, "adding": {"length": 25, "steps": 100,
                                                                        "budget": 4700}})
    monkeypatch.setattr(study, "LRS", (1e-2, 3e-2))
    monkeypatch.setattr(study, "SYNTHETIC_CELLS", ("minGRU-2",))
    result = study.run_group("adding", "tiny", log=lambda s: None)
    mine = [r for r in result["runs"] if r["cell"] == "minGRU-2"]
    theirs = [r for r in result["runs"] if r["cell"] in ("GRU", "LSTM")]
    assert sorted(r["seed"] for r in mine) == [0, 1]
    assert all(r["length"] == 25 and r["steps"] == 100 and r["params"] <= 4700 for r in mine)
    assert sorted(r["lr"] for r in result["tuning"]) == [1e-2, 3e-2]
    best = min(result["tuning"], key=lambda r: r["val"][-1])   # seed 0 is the tuning run at the rate chosen
    assert [r for r in mine if r["seed"] == 0][0] == best and mine[1]["lr"] == best["lr"]
    committed = [r for r in which_cell.load("adding")["runs"]
                 if r["cell"] in ("GRU", "LSTM") and r["length"] == 25 and r["seed"] < 2]
    assert theirs == committed and len(theirs) == 4


def test_char_lm_core_meets_the_budget():
    V = 60
    for cell in study.LM_CELLS:
        core, H = study.lm_core(cell, V, 20_000)
        total = sum(p.numel() for p in core.parameters()) + H * V + V
        assert total <= 20_000 and total == cm.parameter_count(cell, V, H, V)


def test_run_group_names_the_groups():
    with pytest.raises(ValueError, match="char_lm"):
        study.run_group("names")


# --- tables and figures ------------------------------------------------------------------------

def _runs(task, cell, values, **extra):
    key = "recall" if task == "copy" else "test"
    return [{"task": task, "cell": cell, "params": 100, "hidden": 5, "lr": 0.01, "cpu_s": 2.0, key: v,
             "test": v, **extra} for v in values]


def _results():
    return {"adding": {"settings": {"length": 50}, "runs": _runs("adding", "GRU", [1e-4, 3e-4], solved=True)
                       + _runs("adding", "minGRU-2", [0.1, 0.2], solved=False)},
            "copy": {"settings": {"length": 10}, "runs": _runs("copy", "GRU", [0.5, 0.7], solved=False)
                     + _runs("copy", "minGRU-2", [0.9, 1.0], solved=True)}}


def test_study_rows_score_each_task_by_its_own_measure():
    rows = report.study_rows(_results())
    by = {(r["task"], r["cell"]): r for r in rows}
    assert by["adding", "GRU"]["mean"] == pytest.approx(2e-4)
    assert by["adding", "GRU"]["score"] == "2.0e-04 ± 1.4e-04"
    assert by["copy", "minGRU-2"]["mean"] == pytest.approx(0.95) and by["copy", "minGRU-2"]["solved"] == 2
    assert by["copy", "GRU"]["label"] == "copy, delay 10 (recall)"
    table = report.study_table(_results())
    assert "| adding, T = 50 (test MSE) | minGRU-2 | 100 | 5 | 0.01 | 1.5e-01 ± 7.1e-02 | 0/2 | 2 |" in table


def test_study_figure_title_names_the_best_mean_per_task():
    fig, title, alt = figures.study_figure(_results())
    assert title == "Best mean per task: adding: GRU; copy: minGRU-2"      # lowest MSE, highest recall
    assert "copy, delay 10 (recall), minGRU-2 0.950 ± 0.071" in alt


def test_scan_cost_figure_title_names_the_fastest_at_the_longest_t():
    rows = [{"T": T, "backend": b, "schedule": s, "seconds": (1.0 if s == fast else 2.0) * T}
            for T in (16, 256) for b, fast in (("numpy", "tree"), ("torch", "log")) for s in cost.SCHEDULES]
    fig, title, alt = figures.scan_cost_figure(rows)
    assert title == "At T = 256 the fastest schedule on this CPU is tree in NumPy and log in torch"


def test_streaming_table_and_figure_from_rows():
    rows = [{"kind": k, "context": c, "bytes": streaming.state_bytes(k, c, 4), "seconds": s}
            for c, s_att in ((10, 1e-4), (1000, 1e-2)) for k, s in (("GRU", 1e-4), ("attention", s_att))]
    table = report.streaming_table(rows)
    assert "| 1,000 | 0 | 0.100 | 31 | 10.000 |" in table
    fig, title, alt = figures.streaming_figure(rows)
    assert title == "At 1,000 tokens attention keeps 2,000x the GRU's bytes and takes 100x its time per token"


def test_step_table_ratios_are_to_the_gru():
    rows = [{"cell": "GRU", "mode": None, "hidden": 3, "params": 10, "seconds": 0.02},
            {"cell": "minGRU", "mode": "log", "hidden": 9, "params": 10, "seconds": 0.1}]
    assert "| minGRU | log | 9 | 10 | 100.0 | 5.0x |" in report.step_table(rows)


# --- the committed results -----------------------------------------------------------------------

def test_committed_results_follow_the_full_config():
    for group in study.GROUPS:
        result = study.load(group)
        assert result["config"] == "full" and result["settings"] == study.CONFIGS["full"][group]
        cells = report.cells_of(result)
        expected = study.LM_CELLS if group == "char_lm" else ("GRU", "LSTM") + study.SYNTHETIC_CELLS
        assert sorted(cells) == sorted(expected)
        seeds = result["settings"].get("seeds", study.CONFIGS["full"]["seeds"])
        for cell in cells:
            assert sorted(r["seed"] for r in result["runs"] if r["cell"] == cell) == list(range(seeds))
    for name in ("cost", "streaming"):
        assert study.load(name)["command"].startswith(f"python -m seqlearn.recurrence.{name}")


def test_run_record_names_the_command_and_the_machine():
    from seqlearn.utils import run_record
    record = run_record("seqlearn.recurrence.cost", ["--out", "x.json"])
    assert record["command"] == "python -m seqlearn.recurrence.cost --out x.json"
    assert record["threads"] == torch.get_num_threads() and record["torch"] == torch.__version__
    assert len(record["load_end"]) == 3 and record["date"].endswith("+00:00")
