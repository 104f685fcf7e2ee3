"""Drawing primitives shared by the diagrams: a canvas, labelled boxes, arrows, and the colour code.

Colour code (the same in every diagram): inputs blue, states and cells orange, outputs green,
weights and operations grey. Every box also carries its symbol, so nothing depends on colour alone.
Coordinates are in data units of an axis with equal aspect; 1 unit is about one box width.
"""
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Circle

FILL = {"input": "#d6ebf7", "state": "#fde4c0", "output": "#d5f0e3", "op": "#eeeeee", "none": "white"}
EDGE = {"input": "#0072B2", "state": "#B86E00", "output": "#007A5A", "op": "#555555", "none": "#555555"}
INK = "#222222"


def canvas(width, height, size=None):
    """A figure with one axis spanning [0, width] x [0, height], no ticks, equal aspect, white background."""
    size = size or (min(7.2, 0.9 * width), min(7.2, 0.9 * width) * height / width)
    fig = plt.figure(figsize=size, facecolor="white")
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set(xlim=(0, width), ylim=(0, height), aspect="equal")
    ax.axis("off")
    return fig, ax


def box(ax, x, y, text, kind="state", w=0.8, h=0.55, fontsize=11, rounded=True):
    """A box centred at (x, y) with ``text`` inside; returns (left, right, bottom, top) for arrows."""
    style = "round,pad=0.02,rounding_size=0.08" if rounded else "square,pad=0.02"
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=style, linewidth=1.3,
                                facecolor=FILL[kind], edgecolor=EDGE[kind], zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3)
    return x - w / 2, x + w / 2, y - h / 2, y + h / 2


def node(ax, x, y, text, kind="op", r=0.2, fontsize=11):
    """A small circle (an elementwise operation such as ⊙ or +) centred at (x, y)."""
    ax.add_patch(Circle((x, y), r, facecolor=FILL[kind], edgecolor=EDGE[kind], linewidth=1.2, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3)


def arrow(ax, start, end, color=INK, style="-|>", lw=1.3, rad=0.0, ls="-", shrink=0.0):
    """An arrow from ``start`` to ``end`` (points in data units); ``rad`` bends it. Returns the patch."""
    return ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color, lw=lw,
                                        linestyle=ls, connectionstyle=f"arc3,rad={rad}",
                                        shrinkA=shrink, shrinkB=shrink, zorder=1))


def polyline(ax, points, color=INK, lw=1.3):
    """A line through ``points`` (no arrow head): the first legs of a bent arrow."""
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="round", zorder=1)


def label(ax, x, y, text, fontsize=10, color=INK, **kw):
    """Free text at (x, y), centred unless ``ha``/``va`` say otherwise."""
    kw = {"ha": "center", "va": "center"} | kw
    ax.text(x, y, text, fontsize=fontsize, color=color, zorder=3, **kw)
