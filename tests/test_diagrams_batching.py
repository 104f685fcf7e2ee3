"""Chapters 7 and 8's diagrams draw what torch computes: the padded batch, the PackedSequence layout
(checked against pack_padded_sequence itself), and truncated BPTT with and without detach."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402

from seqlearn import diagrams  # noqa: E402
from seqlearn.diagrams._draw import FILL  # noqa: E402

WORDS = ["Aho", "Kovač", "Ruiz", "Bauer", "Li"]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def cell_texts(ax, kind):
    """Texts of the boxes of one colour, left to right within rows, top row first."""
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and to_hex(p.get_facecolor()) == to_hex(FILL[kind])]
    found = []
    for t in ax.texts:
        x, y = t.get_position()
        if any(p.get_x() <= x <= p.get_x() + p.get_width() and p.get_y() <= y <= p.get_y() + p.get_height()
               for p in boxes):
            found.append((-round(y, 3), x, t.get_text()))
    return [text for _, _, text in sorted(found)]


def test_padded_batch_has_each_word_in_its_row_and_pad_after_it():
    ax = diagrams.padded_batch(WORDS).axes[0]
    T = max(map(len, WORDS))
    assert cell_texts(ax, "input") == [c for w in WORDS for c in w]
    assert cell_texts(ax, "none") == ["PAD"] * sum(T - len(w) for w in WORDS)
    text = " ".join(t.get_text() for t in ax.texts)
    assert all(f"$n_{b}$={len(w)}" in text for b, w in enumerate(WORDS))
    assert "1 1 0 0 0" in text                    # the mask of "Li"


def test_packed_sequence_draws_data_and_batch_sizes_as_torch_packs_them():
    ax = diagrams.packed_sequence(WORDS).axes[0]
    B, T = len(WORDS), max(map(len, WORDS))
    codes = torch.zeros(T, B, 1)
    for b, w in enumerate(WORDS):
        codes[:len(w), b, 0] = torch.tensor([ord(c) for c in w], dtype=torch.float32)
    packed = pack_padded_sequence(codes, torch.tensor([len(w) for w in WORDS]), enforce_sorted=False)
    data_row = [t for t in cell_texts(ax, "input")][-len(packed.data):]          # the bottom strip
    assert data_row == [chr(int(c)) for c in packed.data[:, 0]]
    sizes = [t.get_text() for t in sorted(ax.texts, key=lambda t: t.get_position()[0]) if t.get_gid() == "batch_size"]
    assert sizes == [str(n) for n in packed.batch_sizes.tolist()]
    text = " ".join(t.get_text() for t in ax.texts)
    assert f"sorted_indices = {packed.sorted_indices.tolist()}" in text
    assert f"unsorted_indices = {packed.unsorted_indices.tolist()}" in text


@pytest.mark.parametrize("detach", [True, False])
def test_tbptt_graph_cuts_the_backward_path_only_with_detach(detach):
    chunks, steps = 3, 4
    ax = diagrams.tbptt_graph(chunks=chunks, steps=steps, detach=detach).axes[0]
    arrows = [p.get_gid() for p in ax.patches if isinstance(p, FancyArrowPatch)]
    cuts = [t for t in ax.texts if t.get_gid() == "cut"]
    freed = [t for t in ax.texts if t.get_gid() == "freed"]
    assert arrows.count("backward") == chunks * (steps - 1)        # within each chunk, always
    if detach:
        assert len(cuts) == arrows.count("value") == chunks - 1 and arrows.count("backward-across") == 0
        assert arrows.count("forward") == chunks * steps - (chunks - 1) and not freed
    else:
        assert not cuts and arrows.count("value") == 0 and arrows.count("forward") == chunks * steps
        assert arrows.count("backward-across") == chunks - 1 and len(freed) == chunks - 1
    states = [t.get_text() for t in ax.texts if t.get_text().startswith("$h_")]
    assert states == ["$h_0$"] + [f"$h_{{{t}}}$" for t in range(1, chunks * steps + 1)]


def test_diagrams_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError, match="non-empty"):
        diagrams.padded_batch(["Aho", ""])
    with pytest.raises(ValueError, match="at least 2 chunks"):
        diagrams.tbptt_graph(chunks=1)
