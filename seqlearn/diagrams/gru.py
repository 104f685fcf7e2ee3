"""Diagram of chapter 5: one GRU step (torch's variant), its two gates, the candidate and the blend."""
from ._draw import EDGE, arrow, box, canvas, label, node, polyline

# (symbol, what it is, nonlinearity, x position), in torch.nn's order r, z, n
BLOCKS = [("r", "reset gate", r"$\sigma$", 4.0), ("z", "update gate", r"$\sigma$", 2.3),
          ("n", "candidate", "tanh", 5.9)]


def gru_cell():
    """One step of torch.nn.GRU: h_t = (1 - z) ⊙ n + z ⊙ h_{t-1} along the top.

    The gates r and z and the candidate n (grey) read x_t and h_{t-1}, each with its own weights.
    The reset gate acts inside the candidate only, n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn));
    the update gate blends the old state (thick orange path) with the candidate. h_t leaves twice:
    as the layer's output (green) and as the state of step t + 1 (orange). Returns the Figure.
    """
    fig, ax = canvas(11.4, 5.6)
    y_h, y_mix, y_g, y_bus, y_x = 4.4, 3.35, 2.3, 1.1, 0.35
    x_z, x_r, x_n = (BLOCKS[k][3] for k in (1, 0, 2))
    x_plus, x_right = 7.6, 10.5
    state = dict(color=EDGE["state"], lw=2.4)

    # inputs: h_{t-1} runs along the top and also down into the bus that feeds every block
    box(ax, 0.7, y_h, "$h_{t-1}$", "state")
    polyline(ax, [(0.7, y_h - 0.28), (0.7, y_bus), (x_n, y_bus)], color=EDGE["op"])
    box(ax, 1.5, y_x, "$x_t$", "input", h=0.45)
    arrow(ax, (1.5, y_x + 0.23), (1.5, y_bus), color=EDGE["input"])
    label(ax, 1.9, y_bus - 0.32, r"$[x_t,\ h_{t-1}]$: every block has its own $W_{i\cdot}$, "
          r"$W_{h\cdot}$ and two biases", fontsize=8, color=EDGE["op"], ha="left")
    for symbol, name, fn, x in BLOCKS:
        box(ax, x, y_g, f"${symbol}_t$  {fn}\n{name}", "op", w=1.25, h=0.74, fontsize=9)
        arrow(ax, (x, y_bus), (x, y_g - 0.37), color=EDGE["op"], lw=1.0)

    # the reset gate feeds the candidate, and nothing else
    arrow(ax, (x_r + 0.63, y_g), (x_n - 0.63, y_g))
    label(ax, (x_r + x_n) / 2, y_g + 0.62, "$r_t$ scales\n"
          r"$h_{t-1} W_{hn}^\top + b_{hn}$", fontsize=7.5)

    # the blend: z ⊙ h_{t-1} on the state path, (1 - z) ⊙ n beside it, added
    arrow(ax, (1.1, y_h), (x_z - 0.2, y_h), **state)
    node(ax, x_z, y_h, "⊙")
    arrow(ax, (x_z + 0.2, y_h), (x_plus - 0.2, y_h), **state)
    node(ax, x_plus, y_h, "+")
    arrow(ax, (x_z, y_g + 0.37), (x_z, y_h - 0.2))
    label(ax, x_z + 0.12, y_h - 0.5, r"$z_t \odot h_{t-1}$", fontsize=8, ha="left")
    x_minus = 6.8
    polyline(ax, [(x_z, y_mix), (x_minus - 0.2, y_mix)])
    node(ax, x_minus, y_mix, "1−", fontsize=9)
    arrow(ax, (x_minus + 0.2, y_mix), (x_plus - 0.2, y_mix))
    node(ax, x_plus, y_mix, "⊙")
    polyline(ax, [(x_n + 0.63, y_g), (x_plus, y_g)])
    arrow(ax, (x_plus, y_g), (x_plus, y_mix - 0.2))
    arrow(ax, (x_plus, y_mix + 0.2), (x_plus, y_h - 0.2))
    label(ax, x_plus + 0.15, y_mix - 0.45, r"$(1 - z_t) \odot n_t$", fontsize=8, ha="left")
    label(ax, 4.8, y_h + 0.4, r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$: no $r_t$ in the blend",
          fontsize=8.5, color=EDGE["state"])

    # h_t: the output and the next step's state
    split = 9.45
    arrow(ax, (x_plus + 0.2, y_h), (x_right - 0.45, y_h), **state)
    polyline(ax, [(split, y_h), (split, y_g)])
    arrow(ax, (split, y_g), (x_right - 0.45, y_g))
    box(ax, x_right, y_h, "$h_t$", "state")
    box(ax, x_right, y_g, "$h_t$", "output")
    label(ax, x_right, y_h - 0.45, "to step $t+1$", fontsize=8, color=EDGE["state"])
    label(ax, x_right, y_g - 0.45, "output", fontsize=8, color=EDGE["output"])
    return fig
