"""Diagrams of chapters 7 and 8: a padded batch, the PackedSequence made from it, and the graph of
truncated BPTT with and without ``detach`` between chunks.

The packed layout is computed by ``seqlearn.batching.packed_layout``, which the tests check against
``pack_padded_sequence``, so the picture shows where torch really puts every step.
"""
from ._draw import EDGE, arrow, box, canvas, label, polyline

PAD_TEXT = "PAD"
BACKWARD = "#D55E00"                              # the gradient's way back (vermillion)


def _grid(ax, words, rows, x0, y0, cell, pad_cells=True):
    """Row r of the grid holds words[rows[r]], one character per step; returns the cell centres."""
    T = max(len(w) for w in words)
    centres = {}
    for r, b in enumerate(rows):
        y = y0 - r * cell
        for t in range(T):
            x = x0 + t * cell
            if t < len(words[b]):
                box(ax, x, y, words[b][t], "input", w=0.86 * cell, h=0.8 * cell, fontsize=10,
                    rounded=False)
                centres[b, t] = (x, y)
            elif pad_cells:
                box(ax, x, y, PAD_TEXT, "none", w=0.86 * cell, h=0.8 * cell, fontsize=6.5,
                    rounded=False)
    return centres


def padded_batch(words):
    """The words as one padded batch: row b is sequence b, column t its step t + 1; PAD past the end.

    Beside each row its length n_b and its mask (1 at real steps, 0 at padding). Returns the Figure.
    """
    if not words or min(len(w) for w in words) < 1:
        raise ValueError(f"padded_batch needs non-empty words, got {words!r}")
    B, T, cell = len(words), max(len(w) for w in words), 0.62
    width = 2.2 + T * cell + 1.0 + T * 0.34 + 0.4
    fig, ax = canvas(width, 1.2 + B * cell)
    x0, y0 = 1.6, 0.45 + (B - 0.5) * cell
    _grid(ax, words, range(B), x0, y0, cell)
    for t in range(T):
        label(ax, x0 + t * cell, y0 + 0.62 * cell, f"t={t + 1}", fontsize=7.5)
    mask_x = x0 + T * cell + 0.9
    for b, w in enumerate(words):
        y = y0 - b * cell
        label(ax, 0.15, y, f"b={b}", fontsize=8, ha="left")
        label(ax, x0 + T * cell - 0.05, y, f"$n_{b}$={len(w)}", fontsize=8, ha="left",
              color=EDGE["input"])
        label(ax, mask_x, y, " ".join("1" if t < len(w) else "0" for t in range(T)), fontsize=8,
              ha="left", family="monospace")
    label(ax, mask_x, y0 + 0.62 * cell, "mask", fontsize=8, ha="left")
    return fig


def packed_sequence(words):
    """``pack_padded_sequence`` of the words (enforce_sorted=False), drawn from the inside.

    Top: the batch rows in ``sorted_indices`` order (longest first). Bottom: ``data``, the real
    steps only, time-major: the ``batch_sizes[t]`` steps of time t side by side, each group
    labelled with its size. Below, ``sorted_indices`` and ``unsorted_indices``. Returns the Figure.
    """
    from ..batching import packed_layout         # imports torch, which the other diagrams do not need
    layout = packed_layout([len(w) for w in words])
    order, sizes = layout["sorted_indices"], layout["batch_sizes"]
    B, T, cell = len(words), len(sizes), 0.62
    n_data = len(layout["rows"])
    gap = 0.25                                    # between the groups of one time step
    strip = n_data * cell + (T - 1) * gap
    width = max(1.8 + T * cell + 1.4, strip + 2.2)
    height = 2.9 + B * cell
    fig, ax = canvas(width, height)
    x0, y0 = 1.5, height - 0.55
    label(ax, 0.1, y0 + 0.02, "sorted\nbatch", fontsize=8, ha="left", va="top")
    _grid(ax, words, order, x0, y0 - 0.3, cell, pad_cells=False)
    for r, b in enumerate(order):
        label(ax, x0 + T * cell - 0.05, y0 - 0.3 - r * cell, f"row {b}, $n$={len(words[b])}",
              fontsize=7.5, ha="left", color=EDGE["input"])
    for t in range(T):
        label(ax, x0 + t * cell, y0 + 0.12, f"t={t + 1}", fontsize=7.5)
    # data: group t holds the steps t of the batch_sizes[t] longest sequences, in sorted order
    y_data, x = 1.35, 1.4                        # right of the "batch_sizes" label
    label(ax, 0.1, y_data + 0.55, "data", fontsize=8, ha="left", family="monospace")
    k = 0
    for t, size in enumerate(sizes):
        left = x
        for _ in range(size):
            b, _t = layout["rows"][k]
            box(ax, x, y_data, words[b][t], "input", w=0.86 * cell, h=0.8 * cell, fontsize=10,
                rounded=False)
            k += 1
            x += cell
        middle = (left + x - cell) / 2
        label(ax, middle, y_data + 0.45, f"t={t + 1}", fontsize=7.5)
        polyline(ax, [(left - 0.35 * cell, y_data - 0.42), (x - 0.65 * cell, y_data - 0.42)],
                 color=EDGE["op"], lw=1.0)
        label(ax, middle, y_data - 0.62, f"{size}", fontsize=8.5, color=EDGE["op"], gid="batch_size")
        x += gap
    label(ax, 0.1, y_data - 0.62, "batch_sizes", fontsize=7.5, ha="left", family="monospace",
          color=EDGE["op"])
    label(ax, 0.1, 0.25, f"sorted_indices = {order}     unsorted_indices = "
          f"{layout['unsorted_indices']}", fontsize=8, ha="left", family="monospace")
    return fig


def tbptt_graph(chunks=3, steps=3, detach=True):
    """The graph of truncated BPTT over ``chunks`` batches of ``steps`` steps, state carried over.

    Forward (orange) the state runs through every step and into the next chunk. Backward (dashed
    vermillion) each chunk's loss reaches back through its own steps. With ``detach`` the state
    enters the next chunk as a value only (a cut marks it) and backward stops at the chunk's start.
    Without it the backward of chunk k runs on into chunk k - 1, whose graph the previous
    ``backward()`` has already freed: the error of the chapter. Returns the Figure.
    """
    if chunks < 2 or steps < 1:
        raise ValueError(f"tbptt_graph needs at least 2 chunks of at least 1 step, got {chunks}, {steps}")
    dx, chunk_gap = 1.05, 0.75
    width = 1.55 + chunks * steps * dx + (chunks - 1) * chunk_gap + 0.4
    fig, ax = canvas(width, 3.5)
    ax.set_gid("detach" if detach else "no-detach")
    y_h, y_loss, x = 1.35, 2.65, 1.35
    box(ax, 0.35, y_h, "$h_0$", "state", w=0.5)
    prev_right = 0.6
    for c in range(chunks):
        left = x
        first = c * steps + 1
        for s in range(steps):
            t = first + s
            box(ax, x, y_h, f"$h_{{{t}}}$", "state", w=0.62)
            start = (prev_right, y_h)
            if s == 0 and c > 0 and detach:           # across the cut: a value, no graph
                arrow(ax, start, (x - 0.31, y_h), color=EDGE["state"], lw=1.6, ls="--").set_gid("value")
                label(ax, (start[0] + x - 0.31) / 2, y_h + 0.32, "✂", fontsize=13, color=BACKWARD,
                      gid="cut")
                label(ax, (start[0] + x - 0.31) / 2, y_h - 0.42, "detach()", fontsize=7.5,
                      color=BACKWARD)
            else:
                arrow(ax, start, (x - 0.31, y_h), color=EDGE["state"], lw=1.6).set_gid("forward")
            if s > 0:                                  # backward within the chunk
                arrow(ax, (x - 0.31, y_h - 0.22), (prev_right, y_h - 0.22), color=BACKWARD, lw=1.1,
                      ls="--").set_gid("backward")
            elif c > 0 and not detach:                 # backward out of the chunk
                arrow(ax, (x - 0.31, y_h - 0.22), (prev_right, y_h - 0.22), color=BACKWARD, lw=1.1,
                      ls="--").set_gid("backward-across")
            prev_right = x + 0.31
            x += dx
        right = x - dx
        box(ax, (left + right) / 2, y_loss, f"$\\mathcal{{L}}_{{{c + 1}}}$", "output", w=0.7)
        for s in range(steps):                         # the loss reads every step of the chunk
            polyline(ax, [(left + s * dx, y_h + 0.28), ((left + right) / 2, y_loss - 0.28)],
                     color=EDGE["output"], lw=0.7)
        label(ax, (left + right) / 2, 0.35, f"batch {c + 1}: steps {first}-{first + steps - 1}",
              fontsize=8)
        if not detach and c < chunks - 1:
            label(ax, (left + right) / 2, 0.72, "graph freed by this\nbatch's backward()",
                  fontsize=7, color=BACKWARD, gid="freed")
        x += chunk_gap
    title = ("with h = h.detach(): each backward() stays in its own batch" if detach else
             "without detach: batch 2's backward() runs into batch 1's freed graph")
    label(ax, width / 2, 3.3, title, fontsize=9.5)
    return fig


__all__ = ["padded_batch", "packed_sequence", "tbptt_graph"]
