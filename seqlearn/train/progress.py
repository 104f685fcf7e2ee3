"""Progress bars and a live loss plot for loops a reader waits on, silent where outputs are stored.

Both show in Jupyter and Colab. They stay silent when the environment variable ``TQDM_DISABLE``
is set, as the book's tools set it (``notebooks/conftest.py`` for nbval, ``tools/nbtools.py run``),
so the stored outputs that nbval compares and the HTML book shows hold no bars and no timings.
"""
import os


def quiet():
    """True when progress displays are switched off (``TQDM_DISABLE`` set to anything but 0/false)."""
    return os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false")


def progress(iterable, total=None, desc=None, leave=True):
    """``tqdm.auto.tqdm`` over ``iterable``: a widget in a notebook, text in a terminal."""
    try:
        from tqdm.auto import tqdm
    except ImportError as e:                      # pragma: no cover - depends on the environment
        raise ImportError("progress bars need tqdm: pip install tqdm") from e
    return tqdm(iterable, total=total, desc=desc, leave=leave, disable=quiet())


class LiveLoss:
    """A callback for ``fit`` that redraws the training and validation loss after every epoch.

    Shown in a notebook kernel unless ``quiet()``; ``close()`` (which ``fit`` calls at the end)
    removes it, so that the chapter's own figure of the finished run, with its alt text, follows.
    """

    def __init__(self, ylabel="loss", logy=False):
        self.ylabel, self.logy, self.handle = ylabel, logy, None

    def __call__(self, epoch, history):
        if quiet():
            return
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:                       # pragma: no cover - outside IPython
            return
        if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
            return
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 2.8))
        epochs = range(1, len(history["train"]) + 1)
        ax.plot(epochs, history["train"], label="training")
        if history["val"]:
            ax.plot(epochs, history["val"], label="validation")
        ax.set(xlabel="epoch", ylabel=self.ylabel, yscale="log" if self.logy else "linear",
               title=f"epoch {epoch}")
        ax.legend()
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)

    def close(self):
        if self.handle is not None:
            from IPython.display import HTML
            self.handle.update(HTML(""))
            self.handle = None
