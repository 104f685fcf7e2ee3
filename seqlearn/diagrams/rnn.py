"""Diagrams of chapter 1: the Elman cell folded and unrolled, and the input/output shapes of tasks."""
from ._draw import EDGE, arrow, box, canvas, label, polyline


def unrolled_rnn(steps=4):
    """The cell with its state loop (left) equals the same cell repeated over ``steps`` time steps (right).

    Vertical arrows carry x_t W_ih^T into each copy, horizontal arrows the state h_{t-1} W_hh^T; every
    copy holds the same four parameters. Returns the Figure.
    """
    if steps < 2:
        raise ValueError(f"unrolled_rnn needs at least 2 steps to show the chain, got {steps}")
    dx = 1.7                                      # distance between time steps
    width = 4.0 + (steps + 1) * dx
    fig, ax = canvas(width, 4.0)
    y_x, y_c, y_h = 0.55, 1.9, 3.25               # rows: inputs, cells, outputs

    # folded: x_t -> cell -> h_t, with the state fed back through a delay
    cx = 1.0
    box(ax, cx, y_x, "$x_t$", "input")
    box(ax, cx, y_c, "tanh", "state", w=0.9)
    box(ax, cx, y_h, "$h_t$", "state")
    arrow(ax, (cx, y_x + 0.28), (cx, y_c - 0.28))
    arrow(ax, (cx, y_c + 0.28), (cx, y_h - 0.28))
    loop = [(cx + 0.45, y_c), (cx + 0.95, y_c), (cx + 0.95, y_c - 0.62), (cx + 0.22, y_c - 0.62)]
    polyline(ax, loop, color=EDGE["state"], lw=1.8)
    arrow(ax, loop[-1], (cx + 0.22, y_c - 0.28), color=EDGE["state"], lw=1.8)
    label(ax, cx + 1.05, y_c - 0.31, "$h_{t-1}$, one\nstep later", fontsize=8, color=EDGE["state"],
          ha="left")
    label(ax, cx - 0.75, (y_x + y_c) / 2, "$W_{ih}$", fontsize=9, color=EDGE["op"])
    label(ax, 3.25, y_c, "=", fontsize=20)

    # unrolled: h_0 -> cell_1 -> cell_2 -> ...
    x0 = 4.1
    box(ax, x0, y_c, "$h_0$", "state", w=0.6)
    for t in range(1, steps + 1):
        x = x0 + t * dx
        name = "T" if t == steps else str(t)
        box(ax, x, y_x, f"$x_{{{name}}}$", "input")
        box(ax, x, y_c, "tanh", "state", w=0.9)
        box(ax, x, y_h, f"$h_{{{name}}}$", "state")
        arrow(ax, (x, y_x + 0.28), (x, y_c - 0.28))
        arrow(ax, (x, y_c + 0.28), (x, y_h - 0.28))
        left = x0 + 0.3 if t == 1 else x - dx + 0.45
        arrow(ax, (left, y_c), (x - 0.45, y_c), color=EDGE["state"], lw=1.8)
        if t == 1:
            label(ax, (left + x - 0.45) / 2, y_c + 0.25, "$W_{hh}$", fontsize=9, color=EDGE["op"])
            label(ax, x - 0.5, (y_x + y_c) / 2, "$W_{ih}$", fontsize=9, color=EDGE["op"])
        if steps > 3 and t == steps - 1:            # the gap before step T
            label(ax, x + dx / 2, y_c - 0.3, "…", fontsize=14)
    label(ax, x0 + (steps + 1) * dx / 2, 3.8,
          "the same $W_{ih}$, $W_{hh}$, $b_{ih}$, $b_{hh}$ in every copy", fontsize=9)
    return fig


# (title, example, inputs, outputs): columns hold an input, an output, or both (aligned)
SHAPES = [
    ("one to one", "no recurrence:\na plain network", [0], [0]),
    ("one to many", "generate from\na start (sampling)", [0], [0, 1, 2]),
    ("many to one", "classify a sequence,\nforecast (chapter 1)", [0, 1, 2], [2]),
    ("many to many,\naligned", "a label per step,\nlanguage model", [0, 1, 2], [0, 1, 2]),
    ("many to many,\nunaligned", "translate: read all,\nthen write", [0, 1, 2], [3, 4]),
]


def task_shapes():
    """Five panels: which steps receive an input and which emit an output, for the common task shapes.

    Blue boxes are inputs, orange the recurrent state (one box per step, arrows carry it on), green
    the outputs. Returns the Figure.
    """
    col, gap = 0.62, 0.75
    widths = [col * (1 + max(i + o)) for _, _, i, o in SHAPES]
    width = sum(widths) + gap * (len(SHAPES) + 1)
    fig, ax = canvas(width, 3.9, size=(7.6, 7.6 * 3.9 / width))
    y_in, y_st, y_out, bw = 0.75, 1.65, 2.55, 0.42
    left = gap
    for (title, example, inputs, outputs), w in zip(SHAPES, widths):
        steps = range(1 + max(inputs + outputs))
        for s in steps:
            x = left + col * (s + 0.5)
            box(ax, x, y_st, "", "state", w=bw, h=bw)
            if s in inputs:
                box(ax, x, y_in, "", "input", w=bw, h=bw)
                arrow(ax, (x, y_in + bw / 2), (x, y_st - bw / 2), lw=1.0)
            if s in outputs:
                box(ax, x, y_out, "", "output", w=bw, h=bw)
                arrow(ax, (x, y_st + bw / 2), (x, y_out - bw / 2), lw=1.0)
            if s > 0:
                arrow(ax, (x - col + bw / 2, y_st), (x - bw / 2, y_st), color=EDGE["state"], lw=1.2)
        middle = left + w / 2
        label(ax, middle, 3.35, title, fontsize=8.5, fontweight="bold")
        label(ax, middle, 0.2, example, fontsize=7)
        left += w + gap
    label(ax, 0.3, y_in, "in", fontsize=8, color=EDGE["input"])
    label(ax, 0.3, y_st, "state", fontsize=8, color=EDGE["state"], rotation=90)
    label(ax, 0.3, y_out, "out", fontsize=8, color=EDGE["output"])
    return fig
