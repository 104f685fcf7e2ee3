"""The chapter's pictures: the TBPTT diagram, text coloured by a unit, and the kernel-free HTML explorer."""
import html
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from seqlearn import diagrams  # noqa: E402
from seqlearn.explorer import precomputed_html_explorer, settings  # noqa: E402
from seqlearn.text.colour import LEVELS, ColouredText, colour_of, coloured_html  # noqa: E402


def test_tbptt_diagram_draws_every_state_and_the_detached_links():
    fig = diagrams.tbptt_stream(columns=3, chunks=4, k=5)
    [ax] = fig.axes
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0) and not ax.axison
    boxes = [p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    assert len(boxes) == 3 * 4 * 5
    dashed = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch" and p.get_linestyle() == "--"]
    assert len(dashed) == 3 * (4 - 1)                         # one carried state per column and boundary
    labels = " ".join(t.get_text() for t in ax.texts)
    assert "chunk 4: 5 steps" in labels and "detached" in labels
    plt.close(fig)
    with pytest.raises(ValueError):
        diagrams.tbptt_stream(chunks=1)


def test_colours_run_from_red_through_white_to_blue():
    assert colour_of(0) == "#ffffff"
    assert colour_of(1) == "#2166ac" and colour_of(-1) == "#b2182b" and colour_of(7) == colour_of(1)
    r, g, b = (int(colour_of(0.5)[i:i + 2], 16) for i in (1, 3, 5))
    assert b > r and 100 < r < 255                            # half-way to blue


def test_coloured_html_escapes_text_merges_runs_and_keeps_every_character():
    text = "if a < b:\n    x = 1"
    values = np.r_[np.ones(9), -np.ones(len(text) - 9)]
    fragment = coloured_html(text, values, caption="unit 3")
    assert "&lt;" in fragment and "<b>unit 3</b>" in fragment
    body = re.search(r"<pre[^>]*>(.*)</pre>", fragment, re.S).group(1)
    spans = re.findall(r'<span style="background:(#[0-9a-f]{6})">(.*?)</span>', body, re.S)
    assert [c for c, _ in spans] == ["#2166ac", "#b2182b"]    # two runs, one span each
    assert html.unescape("".join(s for _, s in spans)) == text
    assert len(set(np.round(np.linspace(-1, 1, 101) * LEVELS))) == 2 * LEVELS + 1
    with pytest.raises(ValueError, match="one value per character"):
        coloured_html("abc", [0.1, 0.2])


def test_coloured_text_shows_html_with_its_description_as_plain_text():
    shown = ColouredText("abc", [0.0, 0.5, -0.5], "Three  letters,\nthe second blue.")
    bundle = shown._repr_mimebundle_()
    assert bundle["text/plain"] == "Three letters, the second blue." and "<pre" in bundle["text/html"]
    with pytest.raises(ValueError, match="needs a description"):
        ColouredText("abc", [0, 0, 0], " ")


def test_html_explorer_stacks_one_frame_per_setting_and_links_the_controls():
    grid = {"unit": [3, 7, 11], "layer": ["first", "second"]}
    box = precomputed_html_explorer(lambda unit, layer: f"<p>{layer} {unit}</p>", grid,
                                    defaults={"unit": 7})
    assert list(box.frames) == settings(grid) and box.frames[(11, "second")] == "<p>second 11</p>"
    slider, buttons = box.controls
    stack = box.children[-1]
    assert (slider.index, stack.selected_index) == (1, 1)
    shown = stack.children[1].children[0]
    assert shown.value == "<p>first 7</p>"
    assert len(box.links) == 1 + len(grid["unit"])
