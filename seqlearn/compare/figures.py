"""Chapter 11's figures, drawn from the study's results; each returns (figure, title, alt text).

The titles and alt texts are computed from the numbers plotted, so they change when a run does.
"""
import matplotlib.pyplot as plt
import numpy as np

from ..plotting import PALETTE
from .models import CELLS
from .summary import group, wilson

COLOURS = dict(zip(CELLS, PALETTE))
VARIANT_COLOURS = dict(zip(("vanilla", "NIG", "NFG", "NOG", "NOAF", "CIFG"), PALETTE[:5] + [PALETTE[7]]))


def reach(result):
    """{cell: the longest length at which most of its runs were solved, or None}."""
    out = {}
    for cell in CELLS:
        ok = [n for (c, n), rs in group(result["runs"], "cell", "length").items()
              if c == cell and 2 * sum(r["solved"] for r in rs) > len(rs)]
        out[cell] = max(ok) if ok else None
    return out


def _reach_text(result):
    return ", ".join(f"{c} {'none' if n is None else n}" for c, n in reach(result).items())


def solved_by_length(adding, copy):
    """Two panels: the share of runs solved against the length, with 95 % Wilson intervals."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True, layout="constrained")
    for ax, result, name, word in [(axes[0], adding, "adding problem", "length T"),
                                   (axes[1], copy, "copy task", "delay T")]:
        lengths = sorted({r["length"] for r in result["runs"]})
        for k, cell in enumerate(CELLS):
            rates, lo, hi = [], [], []
            for n in lengths:
                rs = [r for r in result["runs"] if r["cell"] == cell and r["length"] == n]
                s = sum(r["solved"] for r in rs)
                a, b = wilson(s, len(rs))
                rates.append(s / len(rs)), lo.append(s / len(rs) - a), hi.append(b - s / len(rs))
            x = np.arange(len(lengths)) + (k - 1.5) * 0.07
            ax.errorbar(x, rates, yerr=[lo, hi], marker="o", capsize=3, color=COLOURS[cell], label=cell)
        ax.set_xticks(range(len(lengths)), [str(n) for n in lengths])
        ax.set_xlabel(word)
        ax.set_title(f"{name}, solved by most runs up to:\n{_reach_text(result)}", fontsize=9)
    axes[0].set_ylabel(f"runs solved (of {adding['seeds']})")
    axes[0].set_ylim(-0.05, 1.05)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(CELLS), fontsize=9)
    title = "Where each cell stops learning at a fixed budget of steps"
    fig.suptitle(title, fontsize=11)
    alt = (f"Share of {adding['seeds']} runs solved against the length, per cell, with 95 % intervals. "
           f"Adding problem, longest length solved by most runs: {_reach_text(adding)}. "
           f"Copy task: {_reach_text(copy)}.")
    return fig, title, alt


def test_scores(result, ylabel, baselines=(), lower_is_better=True):
    """Each run's test score per cell (dots), the mean (bar), and the baselines (dashed lines)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    means = {}
    for k, cell in enumerate(CELLS):
        vals = [r["test"] for r in result["runs"] if r["cell"] == cell]
        means[cell] = float(np.mean(vals))
        ax.plot(np.full(len(vals), k) + np.linspace(-0.12, 0.12, len(vals)), vals, "o", color=COLOURS[cell])
        ax.hlines(means[cell], k - 0.25, k + 0.25, color=COLOURS[cell], lw=2)
    for j, name in enumerate(baselines):
        ax.axhline(result["baselines"][name]["test"], ls="--", color=PALETTE[4 + j], label=name)
    ax.set_xticks(range(len(CELLS)), CELLS)
    ax.set_ylabel(ylabel)
    best = (min if lower_is_better else max)(means, key=means.get)
    base = {n: result["baselines"][n]["test"] for n in baselines}
    better = {c: sum((r["test"] < base[baselines[0]]) == lower_is_better
                     for r in result["runs"] if r["cell"] == c) for c in CELLS} if baselines else {}
    if baselines:
        ax.legend(fontsize=8)
    n = result["seeds"]
    title = (f"Runs that beat {baselines[0]} on the test set: " +
             ", ".join(f"{c} {better[c]}/{n}" for c in CELLS)) if baselines else f"Best mean: {best}"
    ax.set_title(title, fontsize=10)
    alt = (f"Test {ylabel} of each of {n} runs per cell, with the mean as a bar: " +
           "; ".join(f"{c} {means[c]:.3g}" for c in CELLS) +
           "".join(f"; {b} {v:.3g} (dashed)" for b, v in base.items()) + ".")
    return fig, title, alt


def confusion(result, languages, cell):
    """The test confusion matrix of ``cell``, summed over its seeds, rows normalised to recall."""
    C = np.sum([np.array(r["confusion"]) for r in result["runs"] if r["cell"] == cell], axis=0)
    R = C / C.sum(1, keepdims=True)
    off = R.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(off.argmax(), off.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(R, cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)
    ax.set_xticks(range(len(languages)), languages, rotation=60, ha="right")
    ax.set_yticks(range(len(languages)), languages)
    ax.set_xlabel("predicted language")
    ax.set_ylabel("true language")
    fig.colorbar(im, ax=ax, label="share of the true language's names")
    worst = int(np.argmin(np.diag(R)))
    title = (f"{cell}: {languages[i]} names most often taken for {languages[j]} ({off[i, j]:.0%})")
    ax.set_title(title, fontsize=10)
    alt = (f"Test confusion matrix of the {cell} summed over {result['seeds']} seeds, rows normalised. "
           f"Recall ranges from {R[worst, worst]:.0%} ({languages[worst]}) to {np.diag(R).max():.0%} "
           f"({languages[int(np.argmax(np.diag(R)))]}); the largest confusion is {languages[i]} read as "
           f"{languages[j]}, {off[i, j]:.0%} of its names.")
    return fig, title, alt


def ablation_grid(result, limit=None):
    """Test bpc against the learning rate, one line per variant (mean over the grid's seeds); a rate at
    which a run diverged (``report.diverged``) is marked x at the level of uniform guessing."""
    from .report import diverged, uniform_bits
    limit = uniform_bits() if limit is None else limit
    bad = {(r["variant"], r["lr"]) for r in diverged(result["grid"], limit)}
    fig, ax = plt.subplots(figsize=(7, 3.8))
    spans = {}
    finite = [r["test"] for r in result["grid"] if (r["variant"], r["lr"]) not in bad]
    top = max(finite) + 0.25                      # diverged rates are marked x on this line
    for (variant,), rs in group(result["grid"], "variant").items():
        lrs = sorted({r["lr"] for r in rs})
        ok = [lr for lr in lrs if (variant, lr) not in bad]
        means = [np.mean([r["test"] for r in rs if r["lr"] == lr]) for lr in ok]
        if ok:
            spans[variant] = (max(means) - min(means), ok[int(np.argmin(means))])
        if ok:
            ax.plot(ok, means, "o-", color=VARIANT_COLOURS[variant], label=variant)
        gone = [lr for lr in lrs if (variant, lr) in bad]
        if gone:
            ax.plot(gone, [top] * len(gone), "x", ms=9, mew=2, color=VARIANT_COLOURS[variant],
                    label=f"{variant}: diverged (> {limit:.2f} bits)")
    ax.set_ylim(top=top + 0.15)
    ax.set_xscale("log")
    ax.set_xticks(sorted({r["lr"] for r in result["grid"]}), [f"{lr:g}" for lr in sorted({r["lr"] for r in result["grid"]})])
    ax.set_xlabel("Adam's learning rate")
    ax.set_ylabel("test bits per character")
    ax.legend(fontsize=8, ncol=2)
    best_lr = {v: s[1] for v, s in spans.items()}
    at = {v: np.mean([r["test"] for r in result["grid"] if r["variant"] == v and r["lr"] == best_lr[v]])
          for v in spans}
    worst = max(at, key=at.get)
    title = (f"The rate moves vanilla by {spans['vanilla'][0]:.2f} bpc; at their best rates the others "
             f"are {min(at.values()) - at['vanilla']:+.2f} ({min(at, key=at.get)}) to "
             f"{at[worst] - at['vanilla']:+.2f} ({worst})")
    ax.set_title(title, fontsize=10)
    alt = ("Test bits per character against the learning rate for the vanilla LSTM and five ablations: " +
           "; ".join(f"{v} best {at[v]:.3f} at {best_lr[v]:g}, range over rates {spans[v][0]:.3f}"
                     for v in spans) + "." +
           (" Diverged: " + ", ".join(f"{v} at {lr:g}" for v, lr in sorted(bad)) + "." if bad else ""))
    return fig, title, alt


def task_examples(seed=0, length=20, delay=8):
    """One sequence of each long-range task, drawn from the generators the study trains on."""
    from .. import data
    rng = np.random.default_rng(seed)
    x, y = data.adding_problem(1, length, rng)
    cx, cy = data.copy_task(1, delay, rng, symbols=4, length=5)
    fig, (a, b) = plt.subplots(2, 1, figsize=(8, 4.4), gridspec_kw={"height_ratios": [1.2, 1]})
    t = np.arange(length)
    marked = x[0, :, 1] == 1
    a.bar(t, x[0, :, 0], color=np.where(marked, PALETTE[3], "#bbbbbb"))
    a.set_xlim(-0.6, length - 0.4)
    a.set_xticks(range(0, length, 2))
    a.set_ylabel("value")
    a.set_xlabel("step t (the two marked steps in colour)")
    u = x[0, marked, 0]
    a.set_title(f"Adding problem, T = {length}: target {u[0]:.2f} + {u[1]:.2f} = {y[0]:.2f}, given after the last step",
                fontsize=10)
    names = ["A", "B", "C", "D", "·", "|"]            # the 4 symbols, blank, delimiter
    T = cx.shape[1]
    for row, seq, label in [(1, cx[0], "input"), (0, cy[0], "target")]:
        for j, v in enumerate(seq):
            colour = PALETTE[int(v)] if v < 4 else "#ffffff"
            b.add_patch(plt.Rectangle((j, row), 0.95, 0.9, facecolor=colour, edgecolor="#888888", lw=0.5))
            b.text(j + 0.47, row + 0.45, names[v], ha="center", va="center", fontsize=9,
                   color="white" if v < 4 else "black")
        b.text(-0.4, row + 0.45, label, ha="right", va="center", fontsize=9)
    b.set_xlim(-3.5, T)
    b.set_ylim(-0.1, 2)
    b.axis("off")
    b.set_title(f"Copy task, delay T = {delay}: 5 symbols, {delay - 1} blanks and the delimiter |, then give them back",
                fontsize=10)
    fig.tight_layout()
    alt = (f"Top: {length} bars of random values, two of them marked, at steps {np.flatnonzero(marked).tolist()}; "
           f"the target is their sum, {y[0]:.2f}. Bottom: a copy-task input of {T} steps, the symbols "
           f"{''.join(names[v] for v in cx[0, :5])} then blanks and a delimiter, and the target, blank "
           f"until the last five steps, which repeat the symbols.")
    return fig, alt
