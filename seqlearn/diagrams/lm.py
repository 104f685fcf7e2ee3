"""Diagram of the language-model chapter: truncated BPTT over a text stream laid out as B columns."""
from ._draw import EDGE, arrow, box, canvas, label


def tbptt_stream(columns=3, chunks=3, k=4):
    """A text cut into ``columns`` pieces read side by side, in ``chunks`` chunks of ``k`` steps.

    Each row is one column of the batch: states (orange) pass from step to step with solid arrows
    inside a chunk (backpropagation runs back along them); between chunks a dashed arrow carries the
    state's value on, detached, so no gradient crosses it. Returns the Figure.
    """
    if columns < 2 or chunks < 2 or k < 2:
        raise ValueError(f"tbptt_stream needs at least 2 columns, 2 chunks and k = 2, got {columns}, {chunks}, {k}")
    dx, gap, dy = 0.62, 0.55, 0.9                    # step spacing, extra space between chunks, row spacing
    chunk_w = k * dx + gap
    width = 2.5 + chunks * chunk_w + 0.4
    height = 2.1 + columns * dy
    fig, ax = canvas(width, height, size=(7.6, 7.6 * height / width))
    x0, top = 2.75, height - 1.35
    for r in range(columns):
        y = top - r * dy
        name = "B" if r == columns - 1 else str(r + 1)
        where = {0: "text[0 : L]", 1: "text[L : 2L]"}.get(r, "text[(B-1)L : BL]" if r == columns - 1 else "")
        label(ax, 0.15, y, f"column {name}: {where}", fontsize=7.5, ha="left")
        for c in range(chunks):
            left = x0 + c * chunk_w
            for s in range(k):
                box(ax, left + s * dx, y, "", "state", w=0.34, h=0.34)
                if s > 0:
                    arrow(ax, (left + (s - 1) * dx + 0.17, y), (left + s * dx - 0.17, y), color=EDGE["state"], lw=1.3)
            if c > 0:                                # the carried, detached state
                arrow(ax, (left - gap - dx + 0.17, y), (left - 0.17, y), color=EDGE["state"], lw=1.3, ls="--")
    for c in range(chunks):
        left = x0 + c * chunk_w
        middle = left + (k - 1) * dx / 2
        label(ax, middle, height - 0.55, f"chunk {c + 1}: {k} steps", fontsize=8.5, fontweight="bold")
        y = top - (columns - 1) * dy - 0.5
        arrow(ax, (left + (k - 1) * dx, y), (left, y), color=EDGE["op"], lw=1.1, rad=-0.25)
        label(ax, middle, y - 0.42, "loss, backward,\none update", fontsize=7.5, color=EDGE["op"])
    label(ax, x0 + chunk_w - gap / 2 - dx / 2, top + 0.42, "state carried,\ndetached", fontsize=7.5,
          color=EDGE["state"])
    label(ax, x0 + chunks * chunk_w - gap, 0.2, "time (the rows of the batch) \u2192", fontsize=7.5, ha="right")
    return fig
