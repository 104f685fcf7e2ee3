"""Chapters 12-13: the study's tables and figures read the numbers of the runs they are given."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from seqlearn.seq2seq import figures, report, study  # noqa: E402


def fake_run(cell="GRU", attention="none", forcing="teacher forcing", seed=0, exact=0.8, by_length=None):
    by_length = by_length or {"2": [8, 10], "5": [6, 10], "13": [3, 10]}
    return {"cell": cell, "attention": attention, "forcing": forcing, "seed": seed, "parameters": 1234,
            "losses": [2.0, 1.0], "cpu_s": 1.0,
            "test": {"exact": exact, "token": exact + 0.1, "n": 30, "teacher_forced_token": exact + 0.15,
                     "by_length": by_length},
            "longer": {"exact": exact / 4, "token": 0.5, "n": 10, "by_length": {"15": [1, 10]}},
            "beam alpha=0": {"exact": exact + 0.01, "token": 0.9, "n": 30, "changed": 3},
            "beam alpha=1": {"exact": exact + 0.02, "token": 0.9, "n": 30, "changed": 4}}


def test_tables_show_mean_and_sd_over_the_seeds():
    cells = {"runs": [fake_run(seed=0, exact=0.8), fake_run(seed=1, exact=0.9)]}
    table = report.cells_table(cells)
    assert "| GRU | 1,234 | 0.850 ± 0.071 |" in table and "| 0.213 ± 0.018 | 2 |" in table
    decoding = report.decoding_table(cells)
    assert "0.860 ± 0.071 | 0.010 ± 0.000 | 3 |" in decoding and "0.870 ± 0.071 | 0.020 ± 0.000 | 4 |" in decoding
    forcing = {"runs": [fake_run(forcing="scheduled sampling", exact=0.7),
                        fake_run(forcing="free running", exact=0.6)]}
    rows = report.forcing_table(cells, forcing).splitlines()
    assert rows[2].startswith("| teacher forcing | 0.850 ± 0.071 | 1.000 ± 0.071 | 0.950 ± 0.071 | 0.050 ± 0.000 "
                              "| 0.213 ± 0.018 | 1.000 ± 0.000 | 2 |")
    assert rows[4].startswith("| free running | 0.600 | 0.750 | 0.700 | 0.050 | 0.150 | 1.000 | 1 |")
    attention = {"runs": [fake_run(attention=a, exact=e) for a, e in
                          (("additive", 0.97), ("dot", 0.95), ("general", 0.9))]}
    assert "| additive | 1,234 | 0.970 | 1.070 | 0.242 | 1 |" in report.attention_table(cells, attention)


def test_exact_by_length_averages_rates_over_runs():
    runs = [fake_run(by_length={"3": [1, 2], "4": [3, 4]}), fake_run(by_length={"3": [2, 2]})]
    got = report.exact_by_length(runs)
    assert got[3][0] == pytest.approx(0.75) and got[3][1] == pytest.approx(np.std([0.5, 1.0], ddof=1))
    assert got[4][0] == pytest.approx(0.75) and np.isnan(got[4][1])


def test_the_length_figure_states_its_numbers():
    runs = {"plain": [fake_run(by_length={"2": [9, 10], "5": [7, 10], "13": [2, 10]})],
            "with attention": [fake_run(by_length={"2": [10, 10], "5": [10, 10], "13": [9, 10]})]}
    fig, title, alt = figures.exact_by_length_figure(runs, 13)
    assert "plain 0.80 at 2-5 words, 0.20 at 13" in title
    assert "with attention 1.00 at 2-5 words, 0.90 at 13" in title
    assert "0.10 on average beyond 13" in alt and "from 2 to 15 words" in alt
    assert fig.axes[0].get_xlabel() == "source length (words)"
    plt.close(fig)


def test_attention_map_names_each_outputs_strongest_word():
    w = np.array([[0.1, 0.9], [0.7, 0.3]])
    fig, title, alt = figures.attention_map(w, ("drei", "vierzig"), ("4", "3"))
    assert "4 on vierzig (0.90), 3 on drei (0.70)" in alt
    plt.close(fig)
    with pytest.raises(ValueError, match=r"weights must be \(outputs, sources\) = \(2, 3\); got \(2, 2\)"):
        figures.attention_map(w, ("a", "b", "c"), ("4", "3"))


def test_the_study_writes_its_json_and_readme(tmp_path, monkeypatch):
    tiny = dict(study.CONFIGS["small"], train=200, test=40, longer=20, epochs=1, beam=2)
    monkeypatch.setitem(study.CONFIGS, "small", tiny)
    study.main(["--out", str(tmp_path), "--config", "small", "cells"])
    result = json.loads((tmp_path / "cells.json").read_text())
    assert [r["cell"] for r in result["runs"]] == ["GRU", "LSTM", "BiLSTM"]
    assert result["sizes"] == {"train": 200, "test": 40, "longer": 20}
    run = result["runs"][0]
    assert sum(n for _, n in run["test"]["by_length"].values()) == 40
    assert min(int(k) for k in run["longer"]["by_length"]) == tiny["max_words"] + 1
    assert "## Greedy decoding and beam search" in (tmp_path / "README.md").read_text()
    with pytest.raises(SystemExit):
        study.main(["--out", str(tmp_path), "nonsense"])
