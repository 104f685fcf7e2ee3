"""The gated cells' diagrams (chapters 4 and 5): every block drawn once, labelled, in the colour code."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from seqlearn import diagrams  # noqa: E402
from seqlearn.diagrams._draw import FILL  # noqa: E402

CELLS = {"lstm": (diagrams.lstm_cell, "ifgo", ["$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$"], 3, 1),
         "gru": (diagrams.gru_cell, "rzn", ["$h_{t-1}$", "$h_t$"], 2, 1)}


@pytest.fixture(params=list(CELLS))
def drawn(request):
    draw, gates, states, products, sums = CELLS[request.param]
    fig = draw()
    yield fig, fig.axes[0], gates, states, products, sums
    plt.close(fig)


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def box_around(ax, text):
    """The box whose rectangle contains the text's anchor, or None."""
    x, y = text.get_position()
    hits = [p for p in boxes(ax) if p.get_x() <= x <= p.get_x() + p.get_width()
            and p.get_y() <= y <= p.get_y() + p.get_height()]
    return hits[0] if len(hits) == 1 else None


def fill(patch):
    return to_hex(patch.get_facecolor())


def test_white_canvas_without_axes(drawn):
    fig, ax, *_ = drawn
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert not ax.axison


def test_one_grey_box_per_gate_block_with_its_symbol_and_name(drawn):
    _, ax, gates, *_ = drawn
    for gate in gates:
        texts = [t for t in ax.texts
                 if t.get_text().startswith(f"${gate}_t$") and box_around(ax, t) is not None]
        assert len(texts) == 1, f"gate {gate}: {len(texts)} boxes"
        assert fill(box_around(ax, texts[0])) == FILL["op"]
        assert "\n" in texts[0].get_text()                           # symbol and name, two lines
    gate_boxes = [p for p in boxes(ax) if fill(p) == FILL["op"]]
    assert len(gate_boxes) == len(gates) + (1 if len(gates) == 4 else 0)   # + tanh(c_t) for the LSTM


def test_states_inputs_and_output_follow_the_colour_code(drawn):
    _, ax, _, states, *_ = drawn
    by_text = {}
    for t in ax.texts:
        inside = box_around(ax, t)
        if inside is not None:
            by_text.setdefault(t.get_text(), []).append(fill(inside))
    assert by_text["$x_t$"] == [FILL["input"]]
    for name in states:
        assert FILL["state"] in by_text[name], name
    assert sorted(by_text["$h_t$"]) == sorted([FILL["state"], FILL["output"]])   # output and next state


def test_elementwise_operations_are_drawn(drawn):
    _, ax, _, _, products, sums = drawn
    circles = [t.get_text() for t in ax.texts
               if any(isinstance(p, Circle) and p.contains_point(ax.transData.transform(t.get_position()))
                      for p in ax.patches)]
    assert circles.count("⊙") == products and circles.count("+") == sums


def test_lstm_names_the_cell_path_and_gru_keeps_reset_out_of_the_blend():
    lstm, gru = diagrams.lstm_cell(), diagrams.gru_cell()
    lstm_text = " ".join(t.get_text() for t in lstm.axes[0].texts)
    gru_text = " ".join(t.get_text() for t in gru.axes[0].texts)
    assert "cell path" in lstm_text and "no weight matrix" in lstm_text
    assert "1−" in gru_text and "no $r_t$ in the blend" in gru_text
    plt.close(lstm)
    plt.close(gru)
