"""seqlearn.compare: budgets, runs, summaries and the report of chapter 11's study."""
import math

import numpy as np
import pytest
import torch

from seqlearn.compare import figures, models, report, runs, study, summary


@pytest.mark.parametrize("cell", models.CELLS)
def test_budget_gives_the_largest_model_within_it(cell):
    for inputs, outputs, budget in [(2, 1, 4700), (6, 5, 11000), (1, 1, 650)]:
        model, H = models.build(cell, inputs, outputs, budget)
        n = sum(p.numel() for p in model.parameters())
        assert n == models.parameter_count(cell, inputs, H, outputs) <= budget
        assert models.parameter_count(cell, inputs, H + 1, outputs) > budget
        assert model.core.bidirectional == (cell == "BiLSTM")


def test_budget_counts_the_embedding_and_refuses_too_little():
    model, H = models.build("GRU", 16, 10, 12000, vocab=(60, 16))
    assert sum(p.numel() for p in model.parameters()) == models.parameter_count("GRU", 16, H, 10, 60 * 16)
    assert model.embedding.padding_idx == 0
    with pytest.raises(ValueError, match="too small for a LSTM with 6 inputs"):
        models.build("LSTM", 6, 5, 40)
    with pytest.raises(ValueError, match="cell must be one of RNN, LSTM, GRU, BiLSTM, minGRU, minLSTM, minGRU-2, minLSTM-2; got 'lstm'"):
        models.build("lstm", 6, 5, 5000)
    with pytest.raises(ValueError, match="is an LSTM ablation; the cell is GRU"):
        models.build("GRU", 6, 5, 5000, variant="NFG")


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint
    for k, n in [(0, 5), (3, 5), (5, 5), (17, 40)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert np.allclose(summary.wilson(k, n), (lo, hi), atol=1e-3)
    with pytest.raises(ValueError, match="need 0 <= successes <= trials"):
        summary.wilson(6, 5)


def test_variance_shares_find_the_factor_that_matters():
    rng = np.random.default_rng(0)
    grid = [{"a": a, "b": b, "test": 10 * a + 0.01 * rng.normal()} for a in range(3) for b in range(4)
            for _ in range(2)]
    shares = summary.variance_shares(grid, ["a", "b"])
    assert shares["a"] > 0.999 and shares["b"] < 1e-3
    assert math.isclose(sum(shares.values()), 1.0)
    # a balanced grid of a + b: the two main effects explain all, in proportion to their variances
    grid = [{"a": a, "b": b, "test": a + 2 * b} for a in (0, 1) for b in (0, 1)]
    assert np.allclose([summary.variance_shares(grid, ["a", "b"])[k] for k in "ab"], [0.2, 0.8])
    assert summary.pm([1.0, 3.0], 2) == "2.00 ± 1.41" and summary.pm([1.5], 1) == "1.5"


@pytest.mark.parametrize("task", ["adding", "copy"])
def test_synthetic_run_is_seeded_and_scored_against_its_baseline(task):
    a = runs.synthetic(task, "GRU", 6, 3, lr=1e-2, steps=4, budget=3000, eval_every=2)
    b = runs.synthetic(task, "GRU", 6, 3, lr=1e-2, steps=4, budget=3000, eval_every=2)
    assert a["test"] == b["test"] and len(a["val"]) == 2
    assert a["solved"] == (a["test"] < runs.SOLVED * a["baseline"])
    assert a["baseline"] == pytest.approx(1 / 6 if task == "adding" else 5 * np.log(4) / 16)
    assert ("recall" in a) == (task == "copy")
    with pytest.raises(ValueError, match="task must be one of adding, copy"):
        runs.synthetic("add", "GRU", 6, 3, lr=1e-2, steps=4, budget=3000)


def test_real_runs_report_their_scores():
    s = runs.sunspots("RNN", 0, lr=1e-2, budget=650, epochs=2)
    assert s["test"] > 0 and 1 <= s["best_epoch"] <= 2
    n = runs.names("LSTM", 0, lr=1e-2, budget=6000, epochs=1)
    confusion = np.array(n["confusion"])
    assert confusion.shape == (10, 10) and np.isclose(np.trace(confusion) / confusion.sum(), n["test"])
    assert 0 <= n["macro_f1"] <= 1


def test_char_lm_run_uses_the_variant():
    ids = np.random.default_rng(0).integers(0, 7, 3000)
    r = runs.char_lm("CIFG", 0, lr=1e-2, hidden=8, text=(ids, ids[:200], ids[:200], 7), epochs=1, batch=4, k=16)
    assert r["unused"] == 8 * (7 + 8 + 2) and r["test"] > 0


def test_report_tables_from_runs(tmp_path):
    add = {"group": "adding", "runs": [runs.synthetic("adding", c, 6, s, lr=1e-2, steps=2, budget=3000)
                                       for c in models.CELLS for s in (0, 1)]}
    table = report.synthetic_table(add)
    assert table.split("\n\n")[0].count("\n") == 1 + len(models.CELLS) and "/2 [" in table
    grid = [{"variant": v, "lr": lr, "test": t, "val": t, "params": 10, "unused": 2}
            for v, t0 in [("vanilla", 2.0), ("NFG", 3.0)] for lr, t in [(1e-2, t0), (1e-3, t0 + 0.1)]]
    abl = {"group": "ablation", "grid": grid, "runs": grid[::2], "baselines": {}}
    assert "| NFG | 8 | 0.01 | 3.000 | 3.000 | +1.000 |" in report.ablation_table(abl)
    with pytest.raises(ValueError, match="group must be one of"):
        study.run_group("music")


def test_study_command_writes_its_json_and_report(tmp_path):
    study.main(["--out", str(tmp_path), "--config", "small", "ablation"])
    result = study.load("ablation", tmp_path)
    assert result["command"].endswith("--config small ablation") and result["seeds"] == 2
    assert {r["variant"] for r in result["runs"]} == set(study.VARIANTS)
    text = (tmp_path / "README.md").read_text()
    assert "LSTM ablation" in text and "| NFG |" in text and "Adding" not in text
    with pytest.raises(SystemExit):
        study.main(["--out", str(tmp_path), "music"])


def fake_synthetic(task, solved):
    """A result dict of a synthetic group: solved[cell] lists, per length, the seeds that solved it."""
    rows = [{"cell": c, "length": n, "seed": s, "solved": s < k, "test": 0.0 if s < k else 1.0,
             "lr": 0.01, "hidden": 4, "params": 10, "steps": 10, "cpu_s": 1.0}
            for c, ks in solved.items() for n, k in zip((10, 20), ks) for s in range(3)]
    return {"group": task, "seeds": 3, "runs": rows}


def test_figures_state_what_the_runs_show():
    add = fake_synthetic("adding", {"RNN": (2, 0), "LSTM": (3, 3), "GRU": (3, 2), "BiLSTM": (1, 0)})
    assert figures.reach(add) == {"RNN": 10, "LSTM": 20, "GRU": 20, "BiLSTM": None}
    fig, title, alt = figures.solved_by_length(add, add)
    assert "RNN 10, LSTM 20, GRU 20, BiLSTM none" in alt
    real = {"group": "sunspots", "seeds": 2, "baselines": {"AR(9)": {"test": 1.5, "val": 1.0}},
            "runs": [{"cell": c, "test": t} for c, ts in
                     [("RNN", (1, 2)), ("LSTM", (2, 2)), ("GRU", (0.5, 1)), ("BiLSTM", (3, 3))] for t in ts]}
    fig, title, alt = figures.test_scores(real, "MSE", baselines=("AR(9)",))
    assert title == "Runs that beat AR(9) on the test set: RNN 1/2, LSTM 0/2, GRU 2/2, BiLSTM 0/2"
    assert "GRU 0.75" in alt and "AR(9) 1.5 (dashed)" in alt
    plt_close()


def plt_close():
    import matplotlib.pyplot as plt
    plt.close("all")


def test_forget_bias_run_differs_from_its_twin_in_that_bias_alone(monkeypatch):
    seen = []
    real_fit = runs.build

    def spy(*args, **kwargs):
        model, H = real_fit(*args, **kwargs)
        seen.append(model)
        return model, H

    monkeypatch.setattr(runs, "build", spy)
    for fb in (None, 1.0):
        runs.synthetic("adding", "LSTM", 6, 2, lr=1e-2, steps=0, budget=3000, forget_bias=fb)
    (a, b), H = seen, seen[0].core.hidden_size
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        if name.startswith("core.bias"):
            assert torch.equal(p[:H], q[:H]) and torch.equal(p[2 * H:], q[2 * H:])
        else:
            assert torch.equal(p, q), name
    assert torch.allclose(b.core.bias_ih_l0[H:2 * H] + b.core.bias_hh_l0[H:2 * H], torch.ones(H))


def test_forget_bias_table_pairs_runs_by_seed():
    base = fake_synthetic("adding", {"LSTM": (1, 0)})
    fb = {"runs": [dict(r, task="adding", test=0.5 if r["length"] == 10 else 2.0, solved=False)
                   for r in base["runs"]]}
    table = report.forget_bias_table(fb, base, {"runs": []})
    assert "| adding | 10 | 1/3 | 0/3 | 1 | 0.5 | 2/3 |" in table
    assert "| adding | 20 | 0/3 | 0/3 | 1 | 2 | 0/3 |" in table


def test_first_failure_and_the_longer_table():
    add = fake_synthetic("adding", {"RNN": (2, 0), "LSTM": (3, 3), "GRU": (1, 3)})
    assert study.first_failure(add) == {"RNN": 20, "GRU": 10}
    more = {"runs": [dict(r, task="adding", steps=40, solved=True) for r in add["runs"]
                     if r["cell"] == "RNN" and r["length"] == 20]}
    assert "| adding | RNN | 20 | 10 | 0/3 | 1 | 40 | 3/3 | 1 |" in report.longer_table(more, add, {"runs": []})


def test_diverged_runs_leave_the_shares_and_are_named():
    rng = np.random.default_rng(1)
    grid = [{"variant": v, "lr": lr, "seed": s, "val": 2 + lr + 0.01 * rng.normal(), "test": 2 + lr}
            for v in ("vanilla", "NOAF") for lr in (0.0, 1.0) for s in (0, 1)]
    grid[-1] = dict(grid[-1], test=1380.0)                      # NOAF at lr 1.0, seed 1
    assert report.diverged(grid, limit=6.6) == [grid[-1]]
    table = report.shares_table({"grid": grid}, limit=6.6)
    assert "| every variant and rate that did not diverge | 6 |" in table
    assert "Left out as diverged" in table and "NOAF at 1" in table
    fig, title, alt = figures.ablation_grid({"grid": grid}, limit=6.6)
    assert "Diverged: NOAF at 1." in alt
    plt_close()
