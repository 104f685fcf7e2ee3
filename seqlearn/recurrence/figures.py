"""Chapter 14's figures; each returns (figure, title, alt text), the title computed from the numbers."""
import matplotlib.pyplot as plt
import numpy as np

from ..plotting import PALETTE
from .report import study_rows

SCHEDULE_LABELS = {"loop": "loop (T steps)", "doubling": "doubling (Hillis-Steele)",
                   "tree": "tree (Blelloch)", "log": "log space (Heinsen)"}


def scan_cost_figure(rows):
    """Seconds per call against T, one line per schedule, NumPy and torch side by side (log-log)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained", sharey=True)
    T_max = max(r["T"] for r in rows)
    best = {}
    for ax, backend in zip(axes, ("numpy", "torch")):
        for colour, name in zip(PALETTE, SCHEDULE_LABELS):
            mine = sorted((r["T"], r["seconds"]) for r in rows if r["backend"] == backend and r["schedule"] == name)
            T, s = np.array(mine).T
            ax.loglog(T, 1e3 * s, "o-", color=colour, ms=3.5, label=SCHEDULE_LABELS[name])
        at_max = {r["schedule"]: r["seconds"] for r in rows if r["backend"] == backend and r["T"] == T_max}
        best[backend] = min(at_max, key=at_max.get)
        ax.set_title(f"{'NumPy' if backend == 'numpy' else 'torch'} (float64)", fontsize=10)
        ax.set_xlabel("sequence length T")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("milliseconds per call")
    axes[0].legend(fontsize=8)
    title = (f"At T = {T_max:,} the fastest schedule on this CPU is {best['numpy']} in NumPy "
             f"and {best['torch']} in torch")
    fig.suptitle(title, fontsize=11)
    alt = (f"Two log-log plots of milliseconds per call against T from 16 to {T_max:,}, for the loop, "
           f"doubling, tree and log-space schedules, NumPy left and torch right; at the longest T the "
           f"fastest is {best['numpy']} in NumPy and {best['torch']} in torch.")
    return fig, title, alt


def study_figure(results):
    """Each run's score, per task and cell, with the mean as a bar (one panel per task)."""
    rows = study_rows(results)
    tasks = list(results)
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.4 * len(tasks), 3.4), layout="constrained")
    axes = np.atleast_1d(axes)
    verdicts = []
    for ax, task in zip(axes, tasks):
        mine = [r for r in rows if r["task"] == task]
        for k, r in enumerate(mine):
            colour = PALETTE[0] if r["cell"] in ("GRU", "LSTM") else PALETTE[1]
            ax.bar(k, r["mean"], color=colour, alpha=0.35, width=0.7)
            ax.plot(np.full(len(r["values"]), k), r["values"], "o", color=colour, ms=4)
        ax.set_xticks(range(len(mine)), [r["cell"] for r in mine], rotation=30, ha="right", fontsize=8)
        ax.set_title(mine[0]["label"], fontsize=9)
        lower_better = task != "copy"
        pick = (min if lower_better else max)(mine, key=lambda r: r["mean"])
        verdicts.append(f"{task}: {pick['cell']}")
        if task == "adding":
            ax.set_yscale("log")
        ax.grid(True, axis="y", alpha=0.3)
    title = "Best mean per task: " + "; ".join(verdicts)
    fig.suptitle(title, fontsize=11)
    alt = ("Per task a bar of the mean score for each cell and a dot per seed: " +
           "; ".join(f"{r['label']}, {r['cell']} {r['score']}" for r in rows) + ".")
    return fig, title, alt


def streaming_figure(rows):
    """Bytes kept and milliseconds per token against the number of tokens read (log-log)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    for colour, kind in zip(PALETTE, kinds):
        mine = sorted((r["context"], r["bytes"], r["seconds"]) for r in rows if r["kind"] == kind)
        c, b, s = np.array(mine).T
        axes[0].loglog(c, b / 1024, "o-", color=colour, ms=3.5, label=kind)
        axes[1].loglog(c, 1e3 * s, "o-", color=colour, ms=3.5, label=kind)
    for ax, label in zip(axes, ("KiB kept per sequence", "milliseconds per new token")):
        ax.set_xlabel("tokens already read")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    top = max(r["context"] for r in rows)
    at = {r["kind"]: r for r in rows if r["context"] == top}
    ratio = at["attention"]["seconds"] / at["GRU"]["seconds"]
    title = (f"At {top:,} tokens attention keeps {at['attention']['bytes'] / at['GRU']['bytes']:,.0f}x the "
             f"GRU's bytes and takes {ratio:.0f}x its time per token")
    fig.suptitle(title, fontsize=11)
    alt = (f"Two log-log plots against the tokens already read, up to {top:,}: the GRU's and minGRU's "
           f"memory and time per token stay flat, attention's memory grows in proportion and its time "
           f"per token grows to {1e3 * at['attention']['seconds']:.1f} ms against the GRU's "
           f"{1e3 * at['GRU']['seconds']:.2f} ms.")
    return fig, title, alt
