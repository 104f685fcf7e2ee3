"""Figure style shared by the chapters, and ``show``: a figure displayed with an alt text computed from its numbers.

Colour-blind-safe colours, labelled axes, white canvases that stay readable on the book's dark theme.
Kept apart from the model code so that ``seqlearn.numpy`` and ``seqlearn.torch`` never import matplotlib.
"""
import base64
import io

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


class Shown:
    """A figure rendered to PNG together with the sentence that describes it (its alt text).

    Jupyter shows the PNG; ``text/plain`` is the alt text, so the plain-text view (and nbval, which
    compares it) sees what the picture shows; the book's build reads the alt text from the output's
    metadata (``_ext/figure_alt.py``) and puts it on the ``<img>``.
    """

    def __init__(self, png, alt):
        self.png, self.alt = png, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}
        return data, {"image/png": {"alt": self.alt}}


GLUE_PREFIX = "application/papermill.record/"   # how myst-nb's glue stores an output it does not show


def show(fig, alt, glue=None):
    """Display a matplotlib figure with ``alt``, a description of what it shows, and close it.

    Compute ``alt`` from the numbers the figure plots (as its title should be), so that the
    description stays true when a run changes. Works with any matplotlib backend.
    glue: also store the figure under this name for other pages of the book (``{glue:any}`` with
    ``:doc:``, as the front page does); the stored copy is not shown. This writes the output format
    of myst-nb's ``glue`` without importing myst-nb, which a Colab runtime does not have.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"show() needs an alt text describing the figure, got {alt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")   # what Jupyter's inline backend does
    plt.close(fig)
    shown = Shown(buf.getvalue(), " ".join(alt.split()))
    display(shown)
    if glue is not None:
        data, metadata = shown._repr_mimebundle_()
        metadata = dict(metadata, scrapbook={"name": glue, "mime_prefix": GLUE_PREFIX})
        display({GLUE_PREFIX + k: v for k, v in data.items()}, raw=True, metadata=metadata)
