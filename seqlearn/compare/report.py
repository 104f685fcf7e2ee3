"""The study's tables, as Markdown, from its JSON results; ``write_report`` makes README.md of them.

Each ``*_table`` takes the dict a group wrote (``study.load(name)``) and returns Markdown, so the
chapter shows the same tables the committed README does.
"""
import datetime
import math
from pathlib import Path

import numpy as np

from .models import CELLS
from .summary import group, pm, variance_shares, wilson


def _cell_info(result):
    """{cell: (lr, hidden, params)} of the runs."""
    return {c: (rs[0]["lr"], rs[0]["hidden"], rs[0]["params"]) for (c,), rs in group(result["runs"], "cell").items()}


def synthetic_table(result):
    """Cells x lengths: runs solved and the median test loss; under it, the 95 % Wilson interval of each
    count of runs solved that the table shows."""
    lengths = sorted({r["length"] for r in result["runs"]})
    word = "T" if result["group"] == "adding" else "delay"
    head = ["cell", "H", "parameters", "learning rate"] + [f"{word} = {n}" for n in lengths] + ["CPU s per 100 steps"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    info, counts = _cell_info(result), set()
    for cell in CELLS:
        mine = [r for r in result["runs"] if r["cell"] == cell]
        if not mine:
            continue
        lr, H, n = info[cell]
        cols = []
        for length in lengths:
            rs = [r for r in mine if r["length"] == length]
            k = sum(r["solved"] for r in rs)
            counts.add((k, len(rs)))
            cols.append(f"{k}/{len(rs)}; {np.median([r['test'] for r in rs]):.3g}")
        per100 = 100 * np.mean([r["cpu_s"] / r["steps"] for r in mine])
        lines.append(f"| {cell} | {H} | {n:,} | {lr:g} | " + " | ".join(cols) + f" | {per100:.2f} |")
    intervals = ", ".join(f"{k}/{n} [{wilson(k, n)[0]:.2f}, {wilson(k, n)[1]:.2f}]" for k, n in sorted(counts))
    return "\n".join(lines) + f"\n\nRuns solved; median test loss. 95 % Wilson intervals of the success rate: {intervals}."


def real_table(result, digits=1):
    """Cells and baselines on a real task: validation and test score (mean ± sd over seeds)."""
    names = result["group"] == "names"
    head = ["model", "H", "parameters", "learning rate", "validation", "test"] + (["test macro-F1"] if names else []) \
        + ["CPU s per epoch"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    for cell in CELLS:
        rs = [r for r in result["runs"] if r["cell"] == cell]
        if not rs:
            continue
        row = [cell, str(rs[0]["hidden"]), f"{rs[0]['params']:,}", f"{rs[0]['lr']:g}",
               pm([r["val"] for r in rs], digits), pm([r["test"] for r in rs], digits)]
        if names:
            row.append(pm([r["macro_f1"] for r in rs], digits))
        row.append(f"{np.mean([r['cpu_s_per_epoch'] for r in rs]):.2f}")
        lines.append("| " + " | ".join(row) + " |")
    for name, b in result.get("baselines", {}).items():
        row = [name, "", "", "", f"{b['val']:.{digits}f}", f"{b['test']:.{digits}f}"]
        if names:
            row.append(f"{b['macro_f1']:.{digits}f}" if "macro_f1" in b else "")
        lines.append("| " + " | ".join(row + [""]) + " |")
    return "\n".join(lines)


def ablation_table(result):
    """Variants: the rate chosen, validation and test bits per character, the change from vanilla."""
    runs = result["runs"]
    base = np.mean([r["test"] for r in runs if r["variant"] == "vanilla"])
    head = ["variant", "parameters used", "learning rate", "validation bpc", "test bpc", "test bpc - vanilla"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    for (variant,), rs in group(runs, "variant").items():
        delta = np.mean([r["test"] for r in rs]) - base
        lines.append(f"| {variant} | {rs[0]['params'] - rs[0]['unused']:,} | {rs[0]['lr']:g} | "
                     f"{pm([r['val'] for r in rs])} | {pm([r['test'] for r in rs])} | "
                     + ("" if variant == "vanilla" else f"{delta:+.3f}") + " |")
    for name, b in result.get("baselines", {}).items():
        lines.append(f"| {name} | | | {b['val']:.3f} | {b['test']:.3f} | |")
    return "\n".join(lines)


def uniform_bits():
    """log2 of the vocabulary size of the ablation's text: what guessing uniformly scores."""
    from .runs import lm_text
    return math.log2(lm_text(1, 1)[3])


def diverged(runs, limit=None):
    """The runs whose validation or test score is not finite or worse than uniform guessing."""
    limit = uniform_bits() if limit is None else limit
    return [r for r in runs if not (math.isfinite(r["val"]) and math.isfinite(r["test"]))
            or max(r["val"], r["test"]) > limit]


def kept_runs(grid, limit=None):
    """(the runs of the grid to analyse, the set of (variant, rate) left out): every run of a variant
    and rate at which any run diverged is left out, so each level keeps a balanced set of runs."""
    bad = {(r["variant"], r["lr"]) for r in diverged(grid, limit)}
    return [r for r in grid if (r["variant"], r["lr"]) not in bad], bad


def shares_table(result, limit=None):
    """How much of the variance of test bpc over the grid the variant and the learning rate explain.

    Diverged runs (``diverged``) are left out, and so is every other run of their variant and rate,
    so each factor's levels keep a balanced set of runs; the table says how many went.
    """
    kept, bad = kept_runs(result["grid"], limit)
    lines = ["| runs of the grid | runs | variant | learning rate | rest (together, and seeds) |",
             "|---|--:|--:|--:|--:|"]
    for label, rs in [("every variant and rate that did not diverge", kept),
                      ("the same without NFG and NOAF", [r for r in kept if r["variant"] not in ("NFG", "NOAF")])]:
        s = variance_shares(rs, ["variant", "lr"])
        lines.append(f"| {label} | {len(rs)} | {s['variant']:.0%} | {s['lr']:.0%} | {s['rest']:.0%} |")
    left = ", ".join(f"{v} at {lr:g}" for v, lr in sorted(bad))
    return "\n".join(lines) + (f"\n\nLeft out as diverged (worse than uniform guessing): {left}." if bad else "")


def forget_bias_table(result, adding, copy):
    """The LSTM with torch's initialisation against its twin with b_f = 1, task by task and length by length."""
    lines = ["| task | T | solved, torch's init | solved, b_f = 1 | median test, torch's init | "
             "median test, b_f = 1 | seeds where b_f = 1 is lower |", "|---|--:|--:|--:|--:|--:|--:|"]
    for task, base in (("adding", adding), ("copy", copy)):
        for length in sorted({r["length"] for r in result["runs"] if r["task"] == task}):
            one = {r["seed"]: r for r in result["runs"] if r["task"] == task and r["length"] == length}
            ref = {r["seed"]: r for r in base["runs"] if r["cell"] == "LSTM" and r["length"] == length}
            seeds = sorted(one)
            lower = sum(one[s]["test"] < ref[s]["test"] for s in seeds)
            lines.append(f"| {task} | {length} | {sum(ref[s]['solved'] for s in seeds)}/{len(seeds)} | "
                         f"{sum(one[s]['solved'] for s in seeds)}/{len(seeds)} | "
                         f"{np.median([ref[s]['test'] for s in seeds]):.3g} | "
                         f"{np.median([one[s]['test'] for s in seeds]):.3g} | {lower}/{len(seeds)} |")
    return "\n".join(lines)


def longer_table(result, adding, copy):
    """Runs solved at the shortest failed length, with the study's steps and with more."""
    lines = ["| task | cell | T | steps | solved | median test | steps | solved | median test |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for (task, cell, length), rs in group(result["runs"], "task", "cell", "length").items():
        base = [r for r in (adding if task == "adding" else copy)["runs"]
                if r["cell"] == cell and r["length"] == length]
        lines.append(f"| {task} | {cell} | {length} | {base[0]['steps']:,} | "
                     f"{sum(r['solved'] for r in base)}/{len(base)} | {np.median([r['test'] for r in base]):.3g} | "
                     f"{rs[0]['steps']:,} | {sum(r['solved'] for r in rs)}/{len(rs)} | "
                     f"{np.median([r['test'] for r in rs]):.3g} |")
    return "\n".join(lines)


def _header(result):
    return (f"Measured {result['date']} with `{result['command']}` in {result['wall_s']:.0f} s wall clock "
            f"({result['cpu_s']:.0f} s CPU; torch {result['torch']}, NumPy {result['numpy']}, "
            f"{result['threads']} torch thread of {result['cpus']} CPUs), {result['seeds']} seeds.")


def write_report(folder):
    """README.md in ``folder`` from the group JSON files there; returns its path."""
    from .study import GROUPS, load
    folder = Path(folder)
    parts = ["# Which cell, when? The committed comparison study\n",
             "Written by `python -m seqlearn.compare.study --report` on "
             f"{datetime.date.today().isoformat()} from the JSON files beside it. "
             "Each group: the learning rate chosen per cell on validation with seed 0 from the rates in its "
             "JSON (`lrs`), then every seed at that rate, test set read once per run; the ablation chose "
             "each variant's rate on a grid of rates and two seeds (its JSON, `grid`).\n"]
    titles = {"adding": "Adding problem (test MSE; memoryless 1/6; solved below 0.0167)",
              "copy": "Copy task, 5 symbols of 4 (test cross-entropy; solved below 10 % of the memoryless score)",
              "sunspots": "Sunspot forecasting (MSE in sunspots squared, test years 1950-2008)",
              "names": "Surname -> language (accuracy; 10 languages)",
              "ablation": "LSTM ablation on chapter 9's text (bits per character)",
              "forget_bias": "The LSTM with a forget-gate bias of 1, paired with torch's initialisation",
              "longer": "Failure or slowness? The shortest failed length again, with four times the steps"}
    for name in GROUPS:
        path = folder / f"{name}.json"
        if not path.exists():
            continue
        result = load(name, folder)
        if name in ("forget_bias", "longer"):
            table = {"forget_bias": forget_bias_table, "longer": longer_table}[name](
                result, load("adding", folder), load("copy", folder))
        else:
            table = {"adding": synthetic_table, "copy": synthetic_table, "ablation": ablation_table}.get(
                name, lambda r: real_table(r, 1 if r["group"] == "sunspots" else 3))(result)
        parts += [f"## {titles[name]}\n", _header(result) + "\n", table + "\n"]
        if name == "ablation":
            parts += ["Share of the variance of test bpc over the grid of variants x learning rates:\n",
                      shares_table(result) + "\n"]
    path = folder / "README.md"
    path.write_text("\n".join(parts))
    return path
