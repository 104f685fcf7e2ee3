"""The tables of chapters 12 and 13 from the study's JSON files, as Markdown.

Every table reads the runs it reports; the rows are mean ± sd over the seeds (sample sd).
"""
from pathlib import Path

import numpy as np

from ..compare.summary import pm, select


def _runs(result, **where):
    return select(result["runs"], **where)


def _table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|"]
    return "\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in rows])


def cells_table(cells):
    """Each encoder-decoder without attention: size, exact match, token accuracy, longer inputs."""
    rows = []
    for cell in dict.fromkeys(r["cell"] for r in cells["runs"]):
        rs = _runs(cells, cell=cell)
        rows.append([cell, f"{rs[0]['parameters']:,}", pm([r["test"]["exact"] for r in rs]),
                     pm([r["test"]["token"] for r in rs]), pm([r["longer"]["exact"] for r in rs]),
                     len(rs)])
    return _table(["encoder-decoder", "parameters", "exact match", "token accuracy",
                   "exact, longer inputs", "seeds"], rows)


def decoding_table(cells):
    """Greedy against beam search, with and without length normalisation, on the same models."""
    rows = []
    beams = [k for k in cells["runs"][0] if k.startswith("beam")]
    for cell in dict.fromkeys(r["cell"] for r in cells["runs"]):
        rs = _runs(cells, cell=cell)
        row = [cell, pm([r["test"]["exact"] for r in rs])]
        for b in beams:
            gain = [r[b]["exact"] - r["test"]["exact"] for r in rs]
            row += [pm([r[b]["exact"] for r in rs]), pm(gain), f"{np.mean([r[b]['changed'] for r in rs]):.0f}"]
        rows.append(row)
    head = ["encoder-decoder", "greedy"]
    for b in beams:
        a = b.split("=")[1]
        head += [f"beam, α = {a}", f"gain, α = {a}", f"outputs changed, α = {a}"]
    return _table(head, rows)


def forcing_table(cells, forcing):
    """Teacher forcing, scheduled sampling and free running: the GRU, the same seeds."""
    rows = []
    for name, result in (("teacher forcing", cells), ("scheduled sampling", forcing),
                         ("free running", forcing)):
        rs = _runs(result, cell="GRU", forcing=name)
        tf = [r["test"]["teacher_forced_token"] for r in rs]
        free = [r["test"]["token"] for r in rs]
        rows.append([name, pm([r["test"]["exact"] for r in rs]), pm(tf), pm(free),
                     pm(np.subtract(tf, free)), pm([r["longer"]["exact"] for r in rs]),
                     pm([r["losses"][-1] for r in rs]), len(rs)])
    return _table(["training", "exact match", "token accuracy, true prefix", "token accuracy, own prefix",
                   "gap", "exact, longer inputs", "final training loss", "seeds"], rows)


def attention_table(cells, attention):
    """The GRU encoder-decoder without attention and with each kind."""
    rows = []
    for name, result in (("none", cells), ("additive", attention), ("dot", attention),
                         ("general", attention)):
        rs = _runs(result, cell="GRU", attention=name, forcing="teacher forcing")
        rows.append([name, f"{rs[0]['parameters']:,}", pm([r["test"]["exact"] for r in rs]),
                     pm([r["test"]["token"] for r in rs]), pm([r["longer"]["exact"] for r in rs]),
                     len(rs)])
    return _table(["attention", "parameters", "exact match", "token accuracy",
                   "exact, longer inputs", "seeds"], rows)


def exact_by_length(runs, which="test"):
    """{source length: (mean exact match over the runs, sd, pairs per run)}."""
    lengths = sorted({int(n) for r in runs for n in r[which]["by_length"]})
    out = {}
    for n in lengths:
        rates = [r[which]["by_length"][str(n)][0] / r[which]["by_length"][str(n)][1]
                 for r in runs if str(n) in r[which]["by_length"]]
        sd = float(np.std(rates, ddof=1)) if len(rates) > 1 else float("nan")
        out[n] = (float(np.mean(rates)), sd, runs[0][which]["by_length"][str(n)][1])
    return out


def write_report(where):
    """OUT/README.md: every table that the JSON files present allow."""
    where = Path(where)
    from .study import load
    have = {p.stem: load(p.stem, where) for p in where.glob("*.json")}
    parts = ["# Results of chapters 12 and 13 (seqlearn.seq2seq.study)", "",
             "Written by `python -m seqlearn.seq2seq.study --report` from the JSON files beside it; "
             "mean ± sd over the seeds.", ""]
    for name, r in have.items():
        parts += [f"- `{name}.json`: `{r['command']}`, {r['date']}, torch {r['torch']}, "
                  f"{r['wall_s'] / 60:.0f} min wall, {r['cpu_s'] / 60:.0f} min CPU"]
    if "cells" in have:
        parts += ["", "## Encoder-decoders without attention", "", cells_table(have["cells"]),
                  "", "## Greedy decoding and beam search", "", decoding_table(have["cells"])]
    if {"cells", "forcing"} <= set(have):
        parts += ["", "## Teacher forcing, scheduled sampling, free running", "",
                  forcing_table(have["cells"], have["forcing"])]
    if {"cells", "attention"} <= set(have):
        parts += ["", "## Attention", "", attention_table(have["cells"], have["attention"])]
    (where / "README.md").write_text("\n".join(parts) + "\n")
