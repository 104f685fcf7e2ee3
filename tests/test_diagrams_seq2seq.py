"""The seq2seq diagrams draw what the chapters say: the encoder's tokens and states, the bottleneck,
the decoder's len(target) + 1 steps, and attention weights as given, with the padded position masked."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from seqlearn.diagrams._draw import FILL  # noqa: E402
from seqlearn.diagrams.seq2seq import attention_step, encoder_decoder  # noqa: E402

TASKS = [(("drei", "und", "vierzig"), ("4", "3")), (("sieben",), ("7",)),
         (("neun", "hundert", "und", "zwölf"), ("9", "1", "2"))]
WEIGHTS = [(0.15, 0.05, 0.8), (0.5, 0.3, 0.2), (0.25, 0.25, 0.5)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def box_texts(ax, kind):
    """Texts inside the boxes of one fill colour, left to right (ties: bottom to top)."""
    boxes = [p for p in ax.patches
             if isinstance(p, FancyBboxPatch) and to_hex(p.get_facecolor()) == to_hex(FILL[kind])]
    found = []
    for t in ax.texts:
        x, y = t.get_position()
        if any(p.get_x() <= x <= p.get_x() + p.get_width() and p.get_y() <= y <= p.get_y() + p.get_height()
               for p in boxes):
            found.append((round(x, 3), y, t.get_text()))
    return [text for _, _, text in sorted(found)]


def boxes_around(ax, text):
    x, y = text.get_position()
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)
            and p.get_x() <= x <= p.get_x() + p.get_width() and p.get_y() <= y <= p.get_y() + p.get_height()]


def by_gid(ax, gid):
    """Texts with this gid, left to right."""
    return sorted((t for t in ax.texts if t.get_gid() == gid), key=lambda t: t.get_position()[0])


def all_text(ax):
    return " ".join(t.get_text() for t in ax.texts)


@pytest.mark.parametrize("source, target", TASKS)
def test_encoder_decoder_draws_every_token_in_its_colour(source, target):
    ax = encoder_decoder(source, target).axes[0]
    inputs = box_texts(ax, "input")
    for token in source + ("<sos>",) + target:
        assert token in inputs, token
    assert [t for t in box_texts(ax, "output")] == list(target) + ["<eos>"]
    assert box_texts(ax, "op") == ["softmax"] * (len(target) + 1)


@pytest.mark.parametrize("source, target", TASKS)
def test_encoder_has_a_state_per_token_and_decoder_one_more_than_the_target(source, target):
    ax = encoder_decoder(source, target).axes[0]
    states = box_texts(ax, "state")
    encoder = [s for s in states if s.startswith("$h_")]
    decoder = [s for s in states if s.startswith("$s_")]
    assert len(encoder) == len(source) and len(decoder) == len(target) + 1
    assert decoder == [f"$s_{{{t}}}$" for t in range(1, len(target) + 2)]
    assert len(states) == len(encoder) + len(decoder)


def test_the_bottleneck_is_named_above_the_last_encoder_state():
    ax = encoder_decoder().axes[0]
    (note,) = by_gid(ax, "bottleneck")
    assert "bottleneck" in note.get_text() and "one vector of size H" in note.get_text()
    (last,) = [t for t in ax.texts if t.get_text() == "$h_{S}$"]
    assert note.get_position()[0] == pytest.approx(last.get_position()[0])
    assert note.get_position()[1] > last.get_position()[1]
    text = all_text(ax)
    assert "$s_0 = h_S$" in text and "softmax over\ndigits" in text
    assert "teacher forcing: the true previous token" in text
    assert "free running (dashed): the model's own previous prediction" in text


@pytest.mark.parametrize("weights", WEIGHTS)
def test_attention_arrows_are_as_wide_as_their_weights_and_labelled_with_them(weights):
    ax = attention_step(weights=weights).axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "weight"]
    assert len(arrows) == len(weights)
    widths = [p.get_linewidth() for p in arrows]                  # drawn left to right, as the source
    for wi, li in zip(weights, widths):
        for wj, lj in zip(weights, widths):
            if wi < wj:
                assert li < lj, (weights, widths)
    assert [t.get_text() for t in by_gid(ax, "alpha")] == [f"{w:.2f}" for w in weights]


def test_attention_masks_the_padded_position_with_weight_zero():
    ax = attention_step().axes[0]
    (pad_weight,) = by_gid(ax, "alpha-pad")
    assert pad_weight.get_text() == "0.00"
    (pad_token,) = [t for t in ax.texts if t.get_text() == "<pad>"]
    (pad_box,) = boxes_around(ax, pad_token)
    assert to_hex(pad_box.get_facecolor()) == to_hex(FILL["none"]) and pad_box.get_linestyle() == "--"
    (pad_arrow,) = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "weight-pad"]
    real = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "weight"]
    assert pad_arrow.get_linestyle() == "--"
    assert pad_arrow.get_linewidth() <= min(p.get_linewidth() for p in real)
    assert pad_weight.get_position()[0] > max(t.get_position()[0] for t in by_gid(ax, "alpha"))


def test_attention_draws_source_states_scores_and_the_step():
    source = ("neun", "hundert", "und", "zwölf")
    ax = attention_step(source, (0.1, 0.6, 0.1, 0.2)).axes[0]
    assert box_texts(ax, "input")[:len(source)] == list(source)
    states = box_texts(ax, "state")
    assert [s for s in states if s.startswith("$h_")] == [f"$h_{{{j}}}$" for j in range(1, len(source) + 1)]
    assert "$s_{t-1}$" in states and "$s_t$" in states
    assert [s for s in box_texts(ax, "op") if s.startswith("$e_")] == [f"$e_{{t{j}}}$" for j in range(1, 5)]
    assert box_texts(ax, "output") == [r"$\hat y_t$"]
    text = all_text(ax)
    assert "Σ" in text and r"$c_t = \sum_j \alpha_{tj} h_j$" in text
    assert r"additive score $e_{tj} = v^\top \tanh(W_q s_{t-1} + W_k h_j)$" in text
    assert r"dot score queries with the new state instead, $e_{tj} = s_t^\top h_j$" in text


BAD = [((0.5, 0.5), "one weight per source token, got 2"),
       ((0.5, 0.6, -0.1), r"weights >= 0 .* got \(0.5, 0.6, -0.1\)"),
       ((0.2, 0.2, 0.2), r"sum to 1, got \(0.2, 0.2, 0.2\) \(sum 0.6\)")]


@pytest.mark.parametrize("weights, match", BAD)
def test_attention_refuses_weights_that_are_not_a_distribution(weights, match):
    with pytest.raises(ValueError, match=match):
        attention_step(weights=weights)
    assert not plt.get_fignums()                                   # refused before drawing anything


def test_encoder_decoder_refuses_empty_sequences():
    with pytest.raises(ValueError, match="non-empty"):
        encoder_decoder((), ("4",))


@pytest.mark.parametrize("draw", [encoder_decoder, attention_step,
                                  lambda: encoder_decoder(*TASKS[2]),
                                  lambda: attention_step(TASKS[2][0], (0.1, 0.2, 0.3, 0.4))])
def test_every_text_stays_inside_the_figure(draw):
    fig = draw()
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for t in ax.texts:
        x, y = t.get_position()
        assert x0 <= x <= x1 and y0 <= y <= y1, t.get_text()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for t in ax.texts:                                              # the whole text, not only its anchor
        ext = t.get_window_extent(renderer)
        assert page.x0 - 1 <= ext.x0 and ext.x1 <= page.x1 + 1, t.get_text()
        assert page.y0 - 1 <= ext.y0 and ext.y1 <= page.y1 + 1, t.get_text()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0) and not ax.axison
