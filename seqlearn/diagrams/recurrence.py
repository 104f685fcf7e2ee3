"""Diagrams of the chapter "Recurrence today": the linear recurrence h_t = a_t ⊙ h_{t-1} + b_t run as a
loop and as a parallel scan, and the minGRU cell of Feng et al. (2024) beside the GRU."""
import matplotlib.pyplot as plt

from ._draw import EDGE, arrow, box, label, node, polyline

INCH = 0.515         # inches per unit of scan_graph: T = 8 fits the book's 10 inches
NOTE = EDGE["op"]


def _panels(widths, height, inch=INCH):
    """A white figure with one axis per panel, side by side, each [0, w] x [0, height], equal aspect."""
    total = sum(widths)
    fig = plt.figure(figsize=(inch * total, inch * height), facecolor="white")
    left = 0.0
    for w in widths:
        ax = fig.add_axes([left / total, 0, w / total, 1])
        ax.set(xlim=(0, w), ylim=(0, height), aspect="equal")
        ax.axis("off")
        left += w
    return fig, fig.axes


def _node(ax, x, y, text, kind, **kw):
    box(ax, x, y, text, kind, w=0.78, h=0.5, fontsize=kw.pop("fontsize", 8.5), **kw)
    ax.texts[-1].set_gid("node")
    return ax.patches[-1], ax.texts[-1]


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def scan_graph(T=8):
    """The recurrence h_t = a_t ⊙ h_{t-1} + b_t (h_0 = 0), computed two ways, depth drawn downwards.

    Left, the loop: h_1, ..., h_T in a chain, each one step below the last, so depth T. Right, the
    Hillis-Steele inclusive scan over the pairs (a_t, b_t): row k is level k, 0 to log2 T. At level k
    every element t > 2^k (counting from 1) combines with element t - 2^k (arrow, gid "combine"); the
    others pass through (dashed line and white node, gid "pass"). A node "s:t" holds the pair of steps
    s..t composed; the last row holds 1:t, whose b is h_t. Σ_k (T - 2^k) combines in log2 T levels.
    Node texts have gid "node", the panels' titles gid "title". Returns the Figure.
    """
    if isinstance(T, bool) or not isinstance(T, int) or T < 2 or T & (T - 1):
        raise ValueError(f"scan_graph needs T a power of two >= 2 (2, 4, 8, ...), got {T!r}")
    levels = T.bit_length() - 1
    combines = sum(T - 2 ** k for k in range(levels))
    width = max(T + 1.6, 9.0)
    rows = max(T, levels + 3)
    height = rows + 1.5
    fig, (loop, scan) = _panels([width, width], height)
    xs = [1.3 + t + 0.5 for t in range(T)]
    y_top = height - 1.6
    grey = EDGE["op"]

    # the loop: h_t waits for h_{t-1}, one row deeper each step
    label(loop, width / 2, height - 0.45, f"loop: T = {T} steps in a row", fontsize=10.5,
          fontweight="bold", gid="title")
    label(loop, width / 2, height - 0.95, r"$h_t = a_t \odot h_{t-1} + b_t$: each step waits for the last",
          fontsize=8.5, color=EDGE["state"])
    label(loop, 0.45, y_top + 0.55, "depth", fontsize=8, color=grey)
    for t, x in enumerate(xs):
        y = y_top - t
        _node(loop, x, y, f"$h_{{{t + 1}}}$", "state", fontsize=9.5)
        label(loop, 0.45, y, str(t + 1), fontsize=8, color=grey)
        if t:
            arrow(loop, (x - 1 + 0.2, y + 1 - 0.25), (x - 0.2, y + 0.25), color=EDGE["state"],
                  lw=1.6).set_gid("step")

    # the scan: level k combines element t with element t - 2^k, the first 2^k pass through
    label(scan, width / 2, height - 0.45, rf"scan: $\log_2 {T}$ = {_plural(levels, 'level')}, "
          f"{_plural(combines, 'combine')}", fontsize=10.5, fontweight="bold", gid="title")
    label(scan, width / 2, height - 0.95, r"$(a_l, b_l) \circ (a_r, b_r) = (a_r a_l,\ a_r b_l + b_r)$,"
          " ($l$ earlier, $r$ later)", fontsize=8.5, color=grey)
    h = 0.25                                                   # half the height of a node
    for k in range(levels + 1):
        y, step = y_top - k, 2 ** (k - 1)
        label(scan, 0.1, y, f"level {k}", fontsize=8, color=grey, ha="left")
        for t, x in enumerate(xs):
            first = max(0, t - 2 ** k + 1)
            text = f"{t + 1}" if k == 0 else f"{first + 1}:{t + 1}"
            kind = "input" if k == 0 else "state" if k == levels else "op"
            if k and t < step:                                 # passed through unchanged
                patch, txt = _node(scan, x, y, text, "none")
                patch.set_linestyle("--")
                txt.set_color(grey)
                arrow(scan, (x, y + 1 - h), (x, y + h), style="-", color=grey, lw=0.9,
                      ls="--").set_gid("pass")
            else:
                _node(scan, x, y, text, kind)
            if k and t >= step:
                arrow(scan, (x, y + 1 - h), (x, y + h), color=grey, lw=0.9).set_gid("own")
                arrow(scan, (xs[t - step], y + 1 - h), (x - 0.12, y + h), lw=1.2).set_gid("combine")
    y_note = y_top - levels - 0.9
    label(scan, 0.1, y_note, f"level 0: the pairs $(a_t, b_t)$; node s:t: steps s to t composed\n"
          "dashed: passed on unchanged, the first $2^k$ from level $k$ to $k + 1$\n"
          f"level {levels}: 1:t, whose $b$ is $h_t$ (with $h_0 = 0$)", fontsize=8.5, ha="left", va="top",
          color=NOTE)
    label(scan, 0.1, y_note - 1.3, f"work: {_plural(combines, 'combine')}, the loop's {T} steps; "
          f"depth: {_plural(levels, 'level')}, the loop's {T}", fontsize=8.5, ha="left", va="top", color=NOTE)
    return fig


# (symbol, nonlinearity, name, x) of the blocks each cell computes, left to right
GRU_BLOCKS = [("z", r"$\sigma$", "update gate", 2.1), ("r", r"$\sigma$", "reset gate", 3.7),
              ("n", "tanh", "candidate", 5.3)]
MIN_BLOCKS = [("z", r"$\sigma$", "update gate", 2.1), (r"\tilde h", "g(Linear)", "candidate", 5.3)]


def _cell(ax, mini):
    """One cell in a panel: the GRU (torch's convention) or, with ``mini``, the minGRU."""
    x_h0, x_x, x_z, x_n, x_minus, x_plus, x_ht = 0.65, 1.25, 2.1, 5.3, 6.4, 7.2, 8.25
    y_h, y_one, y_mix, y_g, y_hb, y_xb, y_x = 4.5, 3.85, 3.3, 2.3, 1.5, 1.0, 0.4
    state, gh = dict(color=EDGE["state"], lw=2.4), 0.37          # gh: half a gate box's height
    blocks = MIN_BLOCKS if mini else GRU_BLOCKS
    title = "minGRU (Feng et al. 2024)" if mini else "GRU (torch.nn.GRU)"
    caption = (r"gates read $x_t$ only: $h_t$ is linear in $h_{t-1}$" if mini
               else r"gates read $x_t$ and $h_{t-1}$")
    equation = (r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$" if mini
                else r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$")
    label(ax, 4.45, 5.75, title, fontsize=10.5, fontweight="bold", gid="title")
    label(ax, 4.45, 5.35, caption, fontsize=9, gid="caption")
    label(ax, 4.45, 4.98, equation, fontsize=9, color=EDGE["state"], gid="equation")

    # the state path along the top, h_{t-1} -> ⊙ -> + -> h_t
    box(ax, x_h0, y_h, "$h_{t-1}$", "state")
    arrow(ax, (x_h0 + 0.42, y_h), (x_z - 0.2, y_h), **state)
    node(ax, x_z, y_h, "⊙")
    arrow(ax, (x_z + 0.2, y_h), (x_plus - 0.2, y_h), **state)
    node(ax, x_plus, y_h, "+")
    arrow(ax, (x_plus + 0.2, y_h), (x_ht - 0.42, y_h), **state)
    box(ax, x_ht, y_h, "$h_t$", "state")
    label(ax, x_ht, y_h - 0.55, "output and\nnext state", fontsize=7.5, color=EDGE["state"])

    # the blocks, fed by x_t (blue) and, in the GRU only, by h_{t-1} (orange, gid "recurrent-gate")
    box(ax, x_x, y_x, "$x_t$", "input", h=0.45)
    arrow(ax, (x_x, y_x + 0.23), (x_x, y_xb), color=EDGE["input"])
    polyline(ax, [(x_x, y_xb), (x_n + 0.2, y_xb)], color=EDGE["input"], lw=1.0)
    if not mini:
        polyline(ax, [(x_h0, y_h - 0.28), (x_h0, y_hb), (x_n - 0.2, y_hb)], color=EDGE["state"], lw=1.0)
    for symbol, fn, name, x in blocks:
        box(ax, x, y_g, f"${symbol}_t$  {fn}\n{name}", "op", w=1.25, h=2 * gh, fontsize=8)
        ax.texts[-1].set_gid("gate")
        arrow(ax, (x + 0.2, y_xb), (x + 0.2, y_g - gh), color=EDGE["input"], lw=1.0).set_gid("input-gate")
        if not mini:
            arrow(ax, (x - 0.2, y_hb), (x - 0.2, y_g - gh), color=EDGE["state"], lw=1.0).set_gid("recurrent-gate")

    # the blend: z_t on one side, 1 - z_t on the other; GRU and minGRU swap the sides
    polyline(ax, [(x_n + 0.63, y_g), (x_plus, y_g)])
    arrow(ax, (x_plus, y_g), (x_plus, y_mix - 0.2))
    node(ax, x_plus, y_mix, "⊙")
    arrow(ax, (x_plus, y_mix + 0.2), (x_plus, y_h - 0.2))
    if mini:
        arrow(ax, (x_z, y_g + gh), (x_z, y_one - 0.2))
        node(ax, x_z, y_one, "1−", fontsize=9)
        arrow(ax, (x_z, y_one + 0.2), (x_z, y_h - 0.2))
        arrow(ax, (x_z, y_mix), (x_plus - 0.2, y_mix))
        label(ax, x_z + 0.28, y_one, r"$(1 - z_t) \odot h_{t-1}$", fontsize=8, ha="left")
        label(ax, x_plus - 0.3, y_mix + 0.25, r"$z_t \odot \tilde h_t$", fontsize=8, ha="right")
        label(ax, 3.7, y_hb + 0.1, "no arrow from $h_{t-1}$\ninto the gates", fontsize=8, color=NOTE)
        label(ax, 6.0, y_hb, "$a_t = 1 - z_t$, $b_t = z_t \\odot \\tilde h_t$:\nall T steps in one scan",
              fontsize=8, color=EDGE["state"], ha="left")
        label(ax, 2.1, y_x, r"$z_t = \sigma(\mathrm{Linear}_z(x_t))$,  $\tilde h_t = g(\mathrm{Linear}_h(x_t))$",
              fontsize=8, ha="left", color=NOTE)
    else:
        arrow(ax, (x_z, y_g + gh), (x_z, y_h - 0.2))
        polyline(ax, [(x_z, y_mix), (x_minus - 0.2, y_mix)])
        node(ax, x_minus, y_mix, "1−", fontsize=9)
        arrow(ax, (x_minus + 0.2, y_mix), (x_plus - 0.2, y_mix))
        arrow(ax, (3.7 + 0.63, y_g), (x_n - 0.63, y_g))
        label(ax, x_z + 0.12, y_h - 0.45, r"$z_t \odot h_{t-1}$", fontsize=8, ha="left")
        label(ax, x_plus + 0.25, y_mix - 0.4, "$(1 - z_t)$\n$\\odot\\ n_t$", fontsize=8, ha="left")
        label(ax, 4.5, y_g + 0.62, r"$r_t$ scales $h_{t-1} W_{hn}^\top$", fontsize=7.5)
        label(ax, 2.1, y_x, r"each block: its own weights on $x_t$ and on $h_{t-1}$", fontsize=8,
              ha="left", color=NOTE)


def min_gru_cell():
    """The GRU (left) and the minGRU of Feng et al. 2024 (right), drawn alike.

    GRU (torch's convention): r, z and n read x_t and h_{t-1} (orange arrows, gid "recurrent-gate");
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}. minGRU: z_t = σ(Linear_z(x_t)) and h̃_t = g(Linear_h(x_t)), g keeping it positive (Feng et al.)
    read x_t only, no arrow from h_{t-1} into them, and h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t: linear in
    h_{t-1}, with a_t = 1 - z_t and b_t = z_t ⊙ h̃_t. Note that z_t weights the old state in the GRU and
    the candidate in the minGRU. Axes: fig.axes[0] the GRU, fig.axes[1] the minGRU. Returns the Figure.
    """
    fig, (gru, mini) = _panels([8.9, 8.9], 6.05, inch=0.56)
    _cell(gru, mini=False)
    _cell(mini, mini=True)
    return fig


__all__ = ["scan_graph", "min_gru_cell"]
