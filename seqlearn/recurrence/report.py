"""Chapter 14's tables, computed from the committed results (``seqlearn/results/recurrence_today``)."""
import numpy as np

from ..compare.summary import mean_sd, pm, select

def task_label(task, settings):
    """What a group measured, in words: "adding, T = 100 (test MSE)"."""
    if task == "adding":
        return f"adding, T = {settings['length']} (test MSE)"
    if task == "copy":
        return f"copy, delay {settings['length']} (recall)"
    return f"chapter 9's text, {settings['chars']:,} characters (test bits/char)"


def spread(values, task):
    """'mean ± sd' as text: two significant digits for the adding problem's small MSEs, else 3 decimals."""
    if task != "adding":
        return pm(values)
    m, s = mean_sd(values)
    return f"{m:.1e}" if np.isnan(s) else f"{m:.1e} ± {s:.1e}"


def score(run):
    """The number a run is judged by: test MSE (adding), recall of the copied symbols (copy), bits/char."""
    return run["recall"] if run["task"] == "copy" else run["test"]


def cells_of(result):
    """The cells of a group in the order they first appear."""
    return list(dict.fromkeys(r["cell"] for r in result["runs"]))


def study_rows(results):
    """One row per (task, cell): parameters, width, mean ± sd of the score, solved runs, CPU s per run."""
    rows = []
    for task, result in results.items():
        for cell in cells_of(result):
            runs = select(result["runs"], cell=cell)
            values = [score(r) for r in runs]
            rows.append({"task": task, "label": task_label(task, result["settings"]), "cell": cell, "params": runs[0]["params"], "hidden": runs[0]["hidden"],
                         "seeds": len(runs), "lr": runs[0]["lr"], "mean": mean_sd(values)[0],
                         "score": spread(values, task), "values": values,
                         "solved": sum(r["solved"] for r in runs) if "solved" in runs[0] else None,
                         "cpu_s": float(np.mean([r["cpu_s"] for r in runs]))})
    return rows


def study_table(results):
    """A markdown table of ``study_rows``."""
    lines = ["| task | cell | parameters | width | Adam's rate | score, mean ± sd | solved | CPU s per run |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in study_rows(results):
        solved = "" if r["solved"] is None else f"{r['solved']}/{r['seeds']}"
        lines.append(f"| {r['label']} | {r['cell']} | {r['params']:,} | {r['hidden']} | {r['lr']:g} | "
                     f"{r['score']} | {solved} | {r['cpu_s']:.0f} |")
    return "\n".join(lines)


def step_table(rows):
    """A markdown table of one training step per cell and schedule (``cost.time_training_step``)."""
    gru = [r["seconds"] for r in rows if r["cell"] == "GRU"][0]
    lines = ["| cell | schedule | width | parameters | ms per step | vs the GRU |", "|---|---|--:|--:|--:|--:|"]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['mode'] or 'torch.nn'} | {r['hidden']} | {r['params']:,} | "
                     f"{1e3 * r['seconds']:.1f} | {r['seconds'] / gru:.1f}x |")
    return "\n".join(lines)


def streaming_table(rows):
    """A markdown table of bytes kept and ms per token against the context (``streaming.measure``)."""
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    contexts = sorted({r["context"] for r in rows})
    head = "| tokens read | " + " | ".join(f"{k}: KiB kept | {k}: ms per token" for k in kinds) + " |"
    lines = [head, "|--:|" + "--:|" * (2 * len(kinds))]
    for c in contexts:
        cells = []
        for k in kinds:
            r = [q for q in rows if q["kind"] == k and q["context"] == c][0]
            cells += [f"{r['bytes'] / 1024:,.0f}", f"{1e3 * r['seconds']:.3f}"]
        lines.append(f"| {c:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
