"""Figure style shared by the chapters: colour-blind-safe colours, labelled axes, readable in dark mode.

Kept apart from the model code so that ``seqlearn.numpy`` and ``seqlearn.torch`` never import matplotlib.
"""
import matplotlib as mpl

# Okabe & Ito's palette, distinguishable with the common forms of colour blindness
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_book_style():
    """Set matplotlib defaults for the book: white figure background (readable on a dark page), the
    palette above, and sizes that stay legible in the HTML column."""
    mpl.rcParams.update({
        "figure.figsize": (7, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 10,
        "axes.titlesize": 11,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })
