"""The sweep's entry point, its mixture of models, and the committed results it produced."""
import json

import numpy as np
import pytest

from seqlearn.text import lm, sweep
from seqlearn.text.corpus import load_corpus, split_by_position
from seqlearn.text.vocab import Vocab

RESULTS = sweep.RESULTS


def test_mixture_of_a_model_with_itself_changes_nothing_and_the_weight_is_chosen_on_validation():
    rng = np.random.default_rng(0)
    a, b = rng.exponential(size=200), rng.exponential(size=200)
    assert sweep.mixture_bits(a, a, 0.3) == pytest.approx(sweep.mixture_bits(a, a, 1.0))
    assert sweep.mixture_bits(a, b, 0.0) == pytest.approx(np.mean(b) / np.log(2))
    w, val, test = sweep.best_mixture(a, a + 5, a, a + 5)      # b is much worse: all weight on a
    assert w == 1.0 and val == pytest.approx(test)


def test_a_quick_sweep_writes_every_file_and_field(tmp_path):
    out = tmp_path / "quick"
    result = sweep.main(["--out", str(out), "--quick", "--epochs", "1", "--seeds", "0", "1", "--cells", "LSTM",
                         "GRU", "--layers", "1", "--budget", "3000", "--orders", "4", "--lrs", "0.01", "0.03",
                         "--lr-chars", "5000", "--long-hidden", "12", "--long-epochs", "1"])
    assert [r["group"] for r in result["runs"]] == ["budget"] * 4 + ["long"] * 2
    assert set(result["lr_search"]) == {"LSTM-1", "GRU-1"}
    for r in result["runs"]:                                  # each run uses its cell's best learning rate
        scores = result["lr_search"][f"{r['cell']}-{r['layers']}"]
        assert f"{r['lr']:g}" == min(scores, key=scores.get)
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["runs"] == json.loads(json.dumps(result["runs"])) and len(saved["runs"]) == 6
    assert {"command", "date", "seconds", "torch", "numpy"} <= set(saved["meta"])
    run = saved["runs"][0]
    assert run["params"] == lm.parameter_count("LSTM", 96, run["hidden"], 1)
    assert abs(run["params"] - 3000) < 200
    table = out.with_suffix(".md").read_text()
    assert "| LSTM | 1 |" in table and "| GRU | 1 |" in table and "Kneser-Ney 4-gram" in table
    assert "(larger, longer)" in table and result["saved_lstm"]["group"] == "long"
    assert (tmp_path / "quick_lstm.npz").exists()


@pytest.mark.skipif(not (RESULTS / "lm_sweep.json").exists(), reason="the sweep's results are not committed yet")
def test_committed_table_is_the_committed_json_and_the_saved_lstm_scores_what_it_says():
    result = json.loads((RESULTS / "lm_sweep.json").read_text())
    assert (RESULTS / "lm_sweep.md").read_text() == sweep.markdown(result)
    cells = {(r["cell"], r["layers"]) for r in result["runs"] if r["group"] == "budget"}
    assert cells == {(c, n) for c in ("RNN", "LSTM", "GRU") for n in (1, 2)}
    assert all(len([r for r in result["runs"] if (r["cell"], r["layers"]) == key]) >= 3 for key in cells)
    best = min((r for r in result["runs"] if r["group"] == "long"), key=lambda r: r["val_bpc"])
    assert result["saved_lstm"]["seed"] == best["seed"]
    assert sweep.load_results() == result
    train, val, _ = split_by_position(load_corpus())
    vocab = Vocab.from_text(train)
    assert "".join(vocab.chars) == result["data"]["vocab"]
    model = sweep.saved_lstm(result)
    assert model.core.hidden_size == best["hidden"]
    assert lm.bits(lm.evaluate(model, vocab.encode(val))) == pytest.approx(best["val_bpc"], abs=1e-4)
