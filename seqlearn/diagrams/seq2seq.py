"""Diagrams of the sequence-to-sequence chapters: an encoder-decoder unrolled over the book's task
(number words to digits, "drei und vierzig" -> "43") and one decoder step with attention."""
import math

from matplotlib.patches import Rectangle

from ._draw import EDGE, arrow, box, canvas, label, node, polyline

PAD = "<pad>"
INCH = 0.625          # inches per unit at any length, so longer sequences never crowd the text


def _token_width(token, dx):
    """A box wide enough for ``token`` at fontsize 9, narrower than the step ``dx``."""
    return min(dx - 0.25, max(0.7, 0.12 * len(token) + 0.25))


def encoder_decoder(source=("drei", "und", "vierzig"), target=("4", "3")):
    """The encoder (left) reads the source words; its last state h_S is all the decoder (right) sees.

    Encoder: each token (blue) is embedded as x_j and read into the state h_j (orange), left to
    right. h_S, framed, is the bottleneck: one vector of size H becomes the decoder's s_0. Decoder:
    step t reads the previous target token y_{t-1} ("<sos>" first), updates s_t and predicts y_t
    (green) with a softmax over the digits, "<eos>" last, so len(target) + 1 steps. Dashed: in free
    running the prediction, not the true token, is the next input. Returns the Figure.
    """
    if not source or not target:
        raise ValueError(f"encoder_decoder needs a non-empty source and target, got {source!r}, {target!r}")
    S, steps, dx = len(source), len(target) + 1, 1.45
    x_enc = [1.9 + j * dx for j in range(S)]
    x_dec = [x_enc[-1] + 1.9 + t * dx for t in range(steps)]
    width = x_dec[-1] + 1.95
    fig, ax = canvas(width, 5.75, size=(INCH * width, INCH * 5.75))
    y_note, y_tok, y_emb, y_st, y_soft, y_out = 0.3, 0.95, 1.8, 2.8, 3.75, 4.65
    feed, state = dict(color=EDGE["input"], lw=1.1), dict(color=EDGE["state"], lw=1.8)

    # encoder: token -> embedding x_j -> state h_j, the state carried left to right
    for j, (x, token) in enumerate(zip(x_enc, source)):
        name = "S" if j == S - 1 else str(j + 1)
        box(ax, x, y_tok, token, "input", w=_token_width(token, dx), h=0.45, fontsize=9, rounded=False)
        box(ax, x, y_emb, f"$x_{{{j + 1}}}$", "input", w=0.6, h=0.45, fontsize=10)
        box(ax, x, y_st, f"$h_{{{name}}}$", "state", w=0.7)
        arrow(ax, (x, y_tok + 0.23), (x, y_emb - 0.23), **feed)
        arrow(ax, (x, y_emb + 0.23), (x, y_st - 0.28), **feed)
        if j > 0:
            arrow(ax, (x - dx + 0.35, y_st), (x - 0.35, y_st), **state)
    label(ax, (x_enc[0] + x_enc[-1]) / 2, 5.4, "encoder: reads the source", fontsize=9.5, fontweight="bold")

    # the bottleneck: h_S alone becomes the decoder's initial state s_0
    x_S = x_enc[-1]
    ax.add_patch(Rectangle((x_S - 0.47, y_st - 0.4), 0.94, 0.8, fill=False, lw=2.2, ls="--",
                           edgecolor=EDGE["state"], zorder=2))
    label(ax, x_S, y_soft + 0.2, "the bottleneck:\none vector of size H", fontsize=8.5,
          color=EDGE["state"], gid="bottleneck")
    arrow(ax, (x_S, y_soft - 0.12), (x_S, y_st + 0.42), color=EDGE["state"], lw=1.1)
    arrow(ax, (x_S + 0.47, y_st), (x_dec[0] - 0.35, y_st), color=EDGE["state"], lw=2.6)
    label(ax, (x_S + x_dec[0]) / 2 + 0.06, y_st + 0.28, "$s_0 = h_S$", fontsize=9, color=EDGE["state"])

    # decoder: previous token y_{t-1} -> state s_t -> softmax -> prediction y_t
    inputs, outputs = ("<sos>",) + tuple(target), tuple(target) + ("<eos>",)
    for t, (x, given, predicted) in enumerate(zip(x_dec, inputs, outputs)):
        box(ax, x, y_tok, given, "input", w=_token_width(given, dx), h=0.45, fontsize=9, rounded=False)
        box(ax, x, y_emb, f"$y_{{{t}}}$", "input", w=0.6, h=0.45, fontsize=10)
        box(ax, x, y_st, f"$s_{{{t + 1}}}$", "state", w=0.7)
        box(ax, x, y_soft, "softmax", "op", w=0.95, h=0.42, fontsize=8)
        box(ax, x, y_out, predicted, "output", w=_token_width(predicted, dx), h=0.45, fontsize=9,
            rounded=False)
        arrow(ax, (x, y_tok + 0.23), (x, y_emb - 0.23), **feed)
        arrow(ax, (x, y_emb + 0.23), (x, y_st - 0.28), **feed)
        arrow(ax, (x, y_st + 0.28), (x, y_soft - 0.21), color=EDGE["output"], lw=1.1)
        arrow(ax, (x, y_soft + 0.21), (x, y_out - 0.23), color=EDGE["output"], lw=1.1)
        if t > 0:
            arrow(ax, (x - dx + 0.35, y_st), (x - 0.35, y_st), **state)
        if t < steps - 1:                         # free running: the prediction is the next input
            mid, grey = x + dx / 2, dict(color=EDGE["op"], lw=1.0, ls="--")
            right = x + _token_width(predicted, dx) / 2
            arrow(ax, (right, y_out), (mid, y_out), style="-", **grey)
            arrow(ax, (mid, y_out), (mid, y_tok), style="-", **grey)
            arrow(ax, (mid, y_tok), (x + dx - _token_width(inputs[t + 1], dx) / 2, y_tok), **grey)
    label(ax, (x_dec[0] + x_dec[-1]) / 2, 5.4, "decoder: writes the digits", fontsize=9.5,
          fontweight="bold")
    label(ax, (x_dec[0] + x_dec[-1]) / 2, y_note, "teacher forcing: the true previous token;\n"
          "free running (dashed): the model's own previous prediction", fontsize=8, color=EDGE["op"])

    # row names: left for the shared rows, right for the decoder's own
    rows = [(y_tok, "tokens", "input"), (y_emb, "embedding", "input"), (y_st, "state", "state")]
    for y, text, kind in rows:
        label(ax, 0.1, y, text, fontsize=8, color=EDGE[kind], ha="left")
    right = x_dec[-1] + 0.6
    label(ax, right, y_soft, "softmax over\ndigits", fontsize=8, color=EDGE["op"], ha="left")
    label(ax, right, y_out, "prediction", fontsize=8, color=EDGE["output"], ha="left")
    return fig


def attention_step(source=("drei", "und", "vierzig"), weights=(0.15, 0.05, 0.8)):
    """One decoder step with attention: s_{t-1} asks every encoder state h_j how relevant it is.

    Bottom: the source tokens and their encoder states h_j, plus one padded position (dashed).
    The query s_{t-1} (right) and each h_j give a score e_tj (grey); a softmax over j turns the
    scores into weights α_tj, drawn as arrows whose width is proportional to the weight, labelled
    with it. The mask sets the padded score to -inf, so its weight is 0. The weighted sum
    c_t = Σ_j α_tj h_j enters the step s_t with y_{t-1}; s_t predicts ŷ_t. Returns the Figure.
    """
    if len(weights) != len(source):
        raise ValueError(f"attention_step needs one weight per source token, got {len(weights)} weights "
                         f"for {len(source)} tokens: {weights!r}")
    if min(weights, default=-1) < 0 or not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
        raise ValueError(f"attention_step needs weights >= 0 that sum to 1, got {weights!r} "
                         f"(sum {sum(weights):.4g})")
    tokens, alphas = tuple(source) + (PAD,), tuple(weights) + (0.0,)
    dx = 1.3
    xs = [2.0 + j * dx for j in range(len(tokens))]
    x_sum, x_d = (xs[0] + xs[-1]) / 2, xs[-1] + 3.4
    width = x_d + 2.0
    fig, ax = canvas(width, 6.5, size=(INCH * width, INCH * 6.5))
    y_tok, y_h, y_bus, y_e, y_soft, y_sum, y_out = 0.45, 1.3, 1.92, 2.5, 3.3, 4.75, 5.8
    grey = dict(color=EDGE["op"], lw=1.0)

    # encoder states and the scores e_tj = score(s_{t-1}, h_j); the padded position dashed
    for j, (x, token) in enumerate(zip(xs, tokens)):
        pad = token == PAD
        box(ax, x, y_tok, token, "none" if pad else "input", w=_token_width(token, dx), h=0.45,
            fontsize=9, rounded=False)
        if pad:
            ax.patches[-1].set_linestyle("--")
        box(ax, x, y_h, f"$h_{{{j + 1}}}$", "none" if pad else "state", w=0.7, h=0.5)
        if pad:
            ax.patches[-1].set_linestyle("--")
        box(ax, x, y_e, f"$e_{{t{j + 1}}}$", "none" if pad else "op", w=0.75, h=0.45, fontsize=10)
        if pad:
            ax.patches[-1].set_linestyle("--")
        arrow(ax, (x, y_tok + 0.23), (x, y_h - 0.25), color=EDGE["input"], lw=1.0)
        arrow(ax, (x - 0.15, y_h + 0.25), (x - 0.15, y_e - 0.23), color=EDGE["state"], lw=1.0)
        arrow(ax, (x + 0.15, y_bus), (x + 0.15, y_e - 0.23), **grey)
        arrow(ax, (x, y_e + 0.23), (x, y_soft - 0.25), **grey)

    # the query s_{t-1}: a bus under the scores; the same state also feeds the step s_t
    box(ax, x_d, y_bus, "$s_{t-1}$", "state", w=0.8)
    polyline(ax, [(x_d - 0.4, y_bus), (xs[0] + 0.15, y_bus)], **grey)
    label(ax, (xs[-1] + x_d) / 2 + 0.1, y_bus + 0.2, "query", fontsize=8, color=EDGE["op"])
    label(ax, xs[-1] + 0.55, y_e + 0.15, "mask: $e = -\\infty$\nat <pad>, so $\\alpha = 0$", fontsize=8,
          color=EDGE["op"], ha="left")
    left, right = xs[0] - 0.6, xs[-1] + 0.45
    box(ax, (left + right) / 2, y_soft, "softmax over $j$", "op", w=right - left, h=0.5, fontsize=9)

    # the weights: one arrow per position into Σ, width ∝ α_tj, labelled with its value
    r = 0.24
    for x, a, token in zip(xs, alphas, tokens):
        pad = token == PAD
        start = (x, y_soft + 0.27)
        dist = math.hypot(x_sum - x, y_sum - start[1])
        end = (x_sum - r * (x_sum - x) / dist, y_sum - r * (y_sum - start[1]) / dist)
        arrow(ax, start, end, color=EDGE["op"] if pad else EDGE["output"], lw=0.8 + 4 * a,
              ls="--" if pad else "-").set_gid("weight-pad" if pad else "weight")
        side = -1 if x < x_sum else 1
        label(ax, x + 0.1 * side, y_soft + 0.48, f"{a:.2f}", fontsize=8.5, ha="left" if side > 0 else "right",
              color=EDGE["op"] if pad else EDGE["output"], gid="alpha-pad" if pad else "alpha")
    label(ax, right + 0.12, y_soft, r"$\rightarrow$ weights $\alpha_{tj}$", fontsize=8, color=EDGE["output"],
          ha="left")
    node(ax, x_sum, y_sum, "Σ", r=r, fontsize=12)
    label(ax, x_sum, y_sum + 0.48, r"$c_t = \sum_j \alpha_{tj} h_j$", fontsize=9)
    x_v, y_v = xs[0] - 0.95, y_h + 0.37          # the values h_1..h_S, collected and read from the left
    polyline(ax, [(xs[len(source) - 1] - 0.15, y_v), (x_v, y_v), (x_v, y_sum)], color=EDGE["state"], lw=1.0)
    for x in xs[:len(source)]:
        ax.plot([x - 0.15], [y_v], "o", ms=3.5, color=EDGE["state"], zorder=2)
    arrow(ax, (x_v, y_sum), (x_sum - r, y_sum), color=EDGE["state"], lw=1.0)
    label(ax, x_v - 0.2, (y_v + y_sum) / 2, "values $h_j$", fontsize=8, color=EDGE["state"], rotation=90)

    # the decoder step: s_t reads s_{t-1}, y_{t-1} and c_t, and predicts y_t
    box(ax, x_d, y_sum, "$s_t$", "state", w=0.8)
    arrow(ax, (x_sum + r, y_sum), (x_d - 0.4, y_sum), color=EDGE["state"], lw=1.8)
    label(ax, (x_sum + x_d) / 2 + 0.9, y_sum + 0.2, "$c_t$", fontsize=10, color=EDGE["state"])
    arrow(ax, (x_d, y_bus + 0.28), (x_d, y_sum - 0.28), color=EDGE["state"], lw=1.8)
    label(ax, x_d + 0.12, (y_bus + y_sum) / 2, "$s_t = f(s_{t-1},$\n$y_{t-1}, c_t)$", fontsize=8,
          color=EDGE["state"], ha="left")
    box(ax, x_d + 1.3, y_sum, "$y_{t-1}$", "input", w=0.75)
    arrow(ax, (x_d + 0.92, y_sum), (x_d + 0.4, y_sum), color=EDGE["input"], lw=1.1)
    box(ax, x_d, y_out, r"$\hat y_t$", "output", w=0.8)
    arrow(ax, (x_d, y_sum + 0.28), (x_d, y_out - 0.28), color=EDGE["output"], lw=1.1)
    label(ax, x_d + 0.12, (y_sum + y_out) / 2, "softmax", fontsize=8, color=EDGE["output"], ha="left")
    label(ax, 0.2, y_out + 0.25, r"drawn: Bahdanau's additive score $e_{tj} = v^\top \tanh(W_q s_{t-1} + W_k h_j)$;"
          "\n" r"Luong's dot score queries with the new state instead, $e_{tj} = s_t^\top h_j$",
          fontsize=8.5, ha="left", color=EDGE["op"])
    return fig


__all__ = ["encoder_decoder", "attention_step"]
