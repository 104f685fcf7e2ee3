"""Explorers that work without a kernel, in the static HTML book as well as in Jupyter and Colab.

Every figure is drawn in advance and stacked; the controls switch between them in the browser
(``ipywidgets.jslink``), so moving a slider needs no Python. The price is a fixed grid of settings.
For any setting at all, the chapters also offer a live ``ipywidgets.interactive`` version.
"""
import io
import itertools

import ipywidgets as widgets
import matplotlib.pyplot as plt


def figure_png(fig, dpi=80, colors=64):
    """A matplotlib Figure as PNG bytes; the figure is closed.

    colors: quantise to a palette of this many colours (None keeps full colour). Line plots lose
    nothing visible and their PNG shrinks about threefold, which matters when an explorer stores
    dozens of frames in its notebook.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    if colors is None:
        return buf.getvalue()
    from PIL import Image                         # matplotlib depends on Pillow
    image = Image.open(buf).convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def _control(name, values, default):
    """A slider for numbers, toggle buttons otherwise; its option values are the indices 0..n-1."""
    labels = [(str(v), i) for i, v in enumerate(values)]
    numeric = all(isinstance(v, (int, float)) for v in values)
    cls = widgets.SelectionSlider if numeric else widgets.ToggleButtons
    return cls(options=labels, value=values.index(default))


def _labelled(name, control):
    # The label is an HTML widget, not the control's `description`: the static page's widget manager
    # typesets descriptions with MathJax 2's API, which the book's MathJax 3 does not have.
    return widgets.HBox([widgets.HTML(f"<b>{name}</b>", layout={"width": "10em"}), control])


def precomputed_explorer(render, grid, defaults=None, dpi=80):
    """Draw ``render(**setting)`` for every setting in ``grid`` and let controls pick one in the browser.

    grid: dict name -> list of values (numbers get a slider, anything else toggle buttons).
    defaults: the setting shown first (default: the first value of each).
    Returns a VBox(labelled controls..., stack of images); ``.controls`` lists the controls, ``.frames`` maps each setting tuple to its PNG bytes
    and ``.links`` holds the browser-side links from the controls to the stacks.
    """
    def leaf(setting):
        png = figure_png(render(**setting), dpi)
        return widgets.Image(value=png, format="png"), png
    return _stacked(leaf, grid, defaults)


def precomputed_html_explorer(render, grid, defaults=None):
    """As ``precomputed_explorer``, for frames of HTML: ``render(**setting)`` returns an HTML string.

    Each frame is an ``ipywidgets.HTML``, so text coloured by a hidden unit (``seqlearn.text.colour``)
    can be switched without a kernel. ``.frames`` maps each setting tuple to its HTML.
    """
    def leaf(setting):
        fragment = render(**setting)
        return widgets.HTML(value=fragment), fragment
    return _stacked(leaf, grid, defaults)


def _stacked(leaf, grid, defaults):
    """Controls, and nested stacks whose leaves are ``leaf(setting) -> (widget, frame)``."""
    names = list(grid)
    defaults = {name: grid[name][0] for name in names} | (defaults or {})
    controls = [_control(name, list(grid[name]), defaults[name]) for name in names]
    frames, links = {}, []

    def build(level, chosen):
        """Nested stacks: level k switches on control k; leaves are the frames' widgets."""
        if level == len(names):
            widget, frames[chosen] = leaf(dict(zip(names, chosen)))
            return widget
        values = grid[names[level]]
        stack = widgets.Stack([build(level + 1, chosen + (v,)) for v in values],
                              selected_index=values.index(defaults[names[level]]))
        links.append(widgets.jslink((controls[level], "index"), (stack, "selected_index")))
        return stack

    box = widgets.VBox([_labelled(n, c) for n, c in zip(names, controls)] + [build(0, ())])
    box.controls, box.frames, box.links = controls, frames, links
    return box


def settings(grid):
    """Every setting of a grid, in the order the explorer draws them."""
    return list(itertools.product(*grid.values()))
