"""Figures of chapters 12 and 13; each returns (figure, title, alt text) computed from the numbers.

The study's runs (``seqlearn/results/seq2seq``) feed ``exact_by_length``; a trained model's
weights feed ``attention_map``.
"""
import matplotlib.pyplot as plt
import numpy as np

from ..plotting import PALETTE
from .report import exact_by_length


def _curve(runs):
    """Lengths and mean exact match over the runs, test and longer sets together, and the sd."""
    both = {**exact_by_length(runs, "test"), **exact_by_length(runs, "longer")}
    n = np.array(sorted(both))
    return n, np.array([both[k][0] for k in n]), np.array([both[k][1] for k in n])


def exact_by_length_figure(models, max_words, short=(2, 5), long=None):
    """Exact match against the number of source words, one line per model (mean over its seeds,
    band: ± one sd), the training lengths left of the dashed line and the longer set right of it.

    models: {label: runs}. The title compares the mean over the short lengths (inclusive) with
    the exact match at ``long`` (default max_words, the longest length seen in training).
    """
    long = long or max_words
    lo, hi = short
    fig, ax = plt.subplots(figsize=(7.2, 3.8), layout="constrained")
    summary = []
    for colour, (label, runs) in zip(PALETTE, models.items()):
        n, mean, sd = _curve(runs)
        ax.plot(n, mean, "o-", color=colour, ms=3.5, label=f"{label} ({len(runs)} seeds)")
        ax.fill_between(n, np.clip(mean - sd, 0, 1), np.clip(mean + sd, 0, 1), color=colour, alpha=0.15)
        at = dict(zip(n.tolist(), mean.tolist()))
        summary.append((label, np.mean([at[k] for k in n if lo <= k <= hi]), at[long],
                        np.mean([at[k] for k in n if k > max_words])))
    ax.axvline(max_words + 0.5, color="0.4", ls="--", lw=1)
    ax.text(max_words + 0.7, 0.5, "longer than any\ntraining source", va="center", fontsize=8,
            color="0.3", bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    ax.set(xlabel="source length (words)", ylabel="exact match (share of test pairs)", ylim=(-0.02, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    parts = [f"{label} {a:.2f} at {lo}-{hi} words, {b:.2f} at {long}" for label, a, b, _ in summary]
    title = "Exact match by source length: " + "; ".join(parts)
    ax.set_title("\n".join(f"{label}: {a:.2f} at {lo}-{hi} words → {b:.2f} at {long}"
                           for label, a, b, _ in summary), fontsize=9.5)
    alt = (f"Line plot of exact match against source length from {int(n.min())} to {int(n.max())} words, one line per "
           "model with a band of one standard deviation over seeds, and a dashed line after "
           f"{max_words} words, the longest training source. " + "; ".join(
               f"{label}: {a:.2f} on sources of {lo} to {hi} words, {b:.2f} at {long} words, "
               f"{c:.2f} on average beyond {max_words}" for label, a, b, c in summary) + ".")
    return fig, title, alt


def attention_map(weights, source, output, ax=None, title=None):
    """A heat map of attention weights (T, S): output tokens down, source tokens across.

    Returns (figure, title, alt text). The alt text names, for each output token, the source word
    it gives the most weight and that weight.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(output), len(source)):
        raise ValueError(f"weights must be (outputs, sources) = ({len(output)}, {len(source)}); "
                         f"got {weights.shape}")
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(0.55 * len(source) + 2.2, 0.42 * len(output) + 1.6),
                               layout="constrained")
    else:
        fig = ax.figure
    image = ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(output)), output, fontsize=8)
    ax.grid(False)
    ax.set(xlabel="source word", ylabel="output token")
    peaks = [(o, source[int(np.argmax(w))], float(np.max(w))) for o, w in zip(output, weights)]
    title = title or f"Attention of {' '.join(output)}"
    ax.set_title(title, fontsize=9)
    if own:
        fig.colorbar(image, ax=ax, shrink=0.8, label="weight")
    alt = (f"Heat map of attention weights, {len(output)} output tokens against {len(source)} source "
           "words (" + " ".join(source) + "). Strongest weight per output: " +
           ", ".join(f"{o} on {s} ({w:.2f})" for o, s, w in peaks) + ".")
    return fig, title, alt
