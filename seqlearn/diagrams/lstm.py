"""Diagram of chapter 4: one LSTM step, its four gate blocks, the cell path and the output."""
from ._draw import EDGE, arrow, box, canvas, label, node, polyline

# (symbol, what it is, nonlinearity, x position): torch.nn's order i, f, g, o, placed where each acts
GATES = [("f", "forget gate", r"$\sigma$", 2.2), ("i", "input gate", r"$\sigma$", 3.6),
         ("g", "candidate", "tanh", 5.0), ("o", "output gate", r"$\sigma$", 6.6)]


def lstm_cell():
    """One step of torch.nn.LSTM: c_t = f ⊙ c_{t-1} + i ⊙ g along the top, h_t = o ⊙ tanh(c_t) on the right.

    The four gate blocks (grey) read the same [x_t, h_{t-1}], each with its own weights; the cell
    path (thick orange) from c_{t-1} to c_t passes one ⊙ and one + and no weight matrix. h_t leaves
    twice: as the layer's output (green) and as the state of step t + 1 (orange). Returns the Figure.
    """
    fig, ax = canvas(11.4, 5.6)
    y_c, y_g, y_bus, y_x = 4.4, 2.3, 1.1, 0.35        # rows: cell path, gates, inputs
    x_plus, x_out, x_right = 4.3, 8.4, 10.5
    cell = dict(color=EDGE["state"], lw=2.4)

    # inputs: h_{t-1} from the left and x_t from below join the bus that feeds every gate
    box(ax, 0.7, y_c, "$c_{t-1}$", "state")
    box(ax, 0.7, y_bus, "$h_{t-1}$", "state")
    box(ax, 1.7, y_x, "$x_t$", "input", h=0.45)
    polyline(ax, [(1.1, y_bus), (GATES[-1][3], y_bus)], color=EDGE["op"])
    arrow(ax, (1.7, y_x + 0.23), (1.7, y_bus), color=EDGE["input"])
    label(ax, 2.1, y_bus - 0.32, r"$[x_t,\ h_{t-1}]$: every block has its own $W_{i\cdot}$, "
          r"$W_{h\cdot}$ and two biases", fontsize=8, color=EDGE["op"],
          ha="left")
    for symbol, name, fn, x in GATES:
        box(ax, x, y_g, f"${symbol}_t$  {fn}\n{name}", "op", w=1.25, h=0.74, fontsize=9)
        arrow(ax, (x, y_bus), (x, y_g - 0.37), color=EDGE["op"], lw=1.0)

    # the cell path: c_{t-1} -> ⊙ f -> + -> c_t, no weight matrix on it
    x_f = GATES[0][3]
    arrow(ax, (1.1, y_c), (x_f - 0.2, y_c), **cell)
    node(ax, x_f, y_c, "⊙")
    arrow(ax, (x_f + 0.2, y_c), (x_plus - 0.2, y_c), **cell)
    node(ax, x_plus, y_c, "+")
    arrow(ax, (x_plus + 0.2, y_c), (x_right - 0.45, y_c), **cell)
    box(ax, x_right, y_c, "$c_t$", "state")
    label(ax, 6.2, y_c + 0.38, "cell path: one ⊙ and one +, no weight matrix", fontsize=8.5,
          color=EDGE["state"])
    arrow(ax, (x_f, y_g + 0.37), (x_f, y_c - 0.2))
    label(ax, x_f + 0.12, y_c - 0.55, r"$f_t \odot c_{t-1}$", fontsize=8, ha="left")

    # what is written: i ⊙ g, added to the cell
    x_i, x_g, y_ig = GATES[1][3], GATES[2][3], 3.35
    node(ax, x_plus, y_ig, "⊙")
    polyline(ax, [(x_i, y_g + 0.37), (x_i, y_ig)])
    arrow(ax, (x_i, y_ig), (x_plus - 0.2, y_ig))
    polyline(ax, [(x_g, y_g + 0.37), (x_g, y_ig)])
    arrow(ax, (x_g, y_ig), (x_plus + 0.2, y_ig))
    arrow(ax, (x_plus, y_ig + 0.2), (x_plus, y_c - 0.2))
    label(ax, x_plus + 0.12, y_ig + 0.42, r"$i_t \odot g_t$", fontsize=8, ha="left")

    # what is shown: h_t = o ⊙ tanh(c_t)
    x_o, y_tanh = GATES[3][3], 3.35
    arrow(ax, (x_out, y_c), (x_out, y_tanh + 0.25))
    box(ax, x_out, y_tanh, "tanh", "op", w=0.8, h=0.5, fontsize=10)
    arrow(ax, (x_out, y_tanh - 0.25), (x_out, y_g + 0.2))
    node(ax, x_out, y_g, "⊙")
    arrow(ax, (x_o + 0.63, y_g), (x_out - 0.2, y_g))
    label(ax, x_out - 0.25, y_g - 0.3, r"$o_t \odot \tanh c_t$", fontsize=8, ha="right")
    split = 9.45
    arrow(ax, (x_out + 0.2, y_g), (x_right - 0.45, y_g))
    polyline(ax, [(split, y_g), (split, y_bus)])
    arrow(ax, (split, y_bus), (x_right - 0.45, y_bus), color=EDGE["state"])
    box(ax, x_right, y_g, "$h_t$", "output")
    box(ax, x_right, y_bus, "$h_t$", "state")
    label(ax, x_right, y_g + 0.45, "output", fontsize=8, color=EDGE["output"])
    label(ax, x_right, y_c - 0.45, "to step $t+1$", fontsize=8, color=EDGE["state"])
    label(ax, x_right, y_bus - 0.45, "to step $t+1$", fontsize=8, color=EDGE["state"])
    return fig
