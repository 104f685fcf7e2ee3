"""Figures with computed alt texts, the book's diagrams, and listings of the package's own source."""
import base64
import hashlib
import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

import seqlearn.numpy as snp  # noqa: E402
from seqlearn import diagrams  # noqa: E402
from seqlearn.listing import Listing, show_source  # noqa: E402
from seqlearn.plotting import Shown, show  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def shown_outputs(fn):
    """Run fn inside an IPython shell and return the display_data bundles it published."""
    shell = InteractiveShell.instance()
    published = []
    pub = shell.display_pub
    old = pub.publish
    pub.publish = lambda data, metadata=None, **kw: published.append((data, metadata))
    try:
        fn()
    finally:
        pub.publish = old
    return published


def test_show_publishes_png_with_the_alt_text_as_plain_text_and_metadata():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    [(data, metadata)] = shown_outputs(lambda: show(fig, "A line   falling\nfrom 1 to 0."))
    png = base64.b64decode(data["image/png"])
    assert png.startswith(b"\x89PNG")
    assert data["text/plain"] == "A line falling from 1 to 0."          # whitespace normalised
    assert metadata["image/png"]["alt"] == data["text/plain"]
    assert plt.get_fignums() == []                                       # closed: shown once only


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_show_refuses_a_figure_without_a_description(alt):
    fig = plt.figure()
    with pytest.raises(ValueError, match="needs an alt text"):
        show(fig, alt)
    plt.close(fig)


def load_extension(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_book_extension_finds_alt_texts_by_image_content():
    figure_alt = load_extension("figure_alt")
    png = b"\x89PNG fake bytes"
    data, metadata = Shown(png, "two bars")._repr_mimebundle_()
    notebook = {"cells": [{"cell_type": "markdown", "source": ""},
                          {"cell_type": "code", "outputs": [
                              {"output_type": "display_data", "data": data, "metadata": metadata},
                              {"output_type": "display_data", "data": {"image/png": data["image/png"]},
                               "metadata": {}}]}]}
    assert figure_alt.output_alts(notebook) == {hashlib.sha256(png).hexdigest(): ("two bars", 1)}


@pytest.mark.parametrize("draw", [lambda: diagrams.unrolled_rnn(4), diagrams.task_shapes])
def test_diagrams_draw_on_white_with_no_axes(draw):
    fig = draw()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)                    # readable on a dark page
    [ax] = fig.axes
    assert not ax.axison and len(ax.patches) > 5 and len(ax.texts) > 5
    plt.close(fig)


def test_unrolled_rnn_draws_one_copy_per_step():
    for steps in (2, 5):
        fig = diagrams.unrolled_rnn(steps)
        labels = {t.get_text() for t in fig.axes[0].texts}
        assert "$x_{T}$" in labels and "$h_0$" in labels
        assert sum(t.get_text() == "tanh" for t in fig.axes[0].texts) == steps + 1   # + the folded cell
        plt.close(fig)
    with pytest.raises(ValueError, match="at least 2 steps"):
        diagrams.unrolled_rnn(1)


def test_listing_shows_the_installed_source_with_its_file():
    listing = Listing(snp.rnn_step_backward)
    assert listing.where == "seqlearn/numpy/rnn.py"
    assert listing.source.startswith("def rnn_step_backward(")
    markdown = listing._repr_markdown_()
    assert markdown.startswith("`rnn_step_backward` in `seqlearn/numpy/rnn.py`")
    assert f"```python\n{listing.source}\n```" in markdown
    method = Listing(snp.RNN.backward)
    assert method.name == "Recurrent.backward" and method.source.startswith("def backward(")  # dedented


def test_listing_of_a_decorated_function_names_its_own_file():
    from seqlearn.text import lm
    listing = Listing(lm.sample)                    # wrapped by @torch.no_grad()
    assert listing.where == "seqlearn/text/lm.py" and listing.name == "sample"
    assert "def sample(" in listing.source


def test_listing_refuses_what_has_no_python_source():
    with pytest.raises(TypeError, match="function, class or method written in Python"):
        Listing(len)
    with pytest.raises(TypeError):
        show_source(3)


def test_show_can_glue_the_figure_for_other_pages_without_showing_it_twice():
    from seqlearn.plotting import GLUE_PREFIX
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    [(shown, _), (glued, meta)] = shown_outputs(lambda: show(fig, "a rising line", glue="fig-x"))
    assert set(glued) == {GLUE_PREFIX + "image/png", GLUE_PREFIX + "text/plain"}   # hidden on the page
    assert glued[GLUE_PREFIX + "image/png"] == shown["image/png"]
    assert meta["scrapbook"] == {"name": "fig-x", "mime_prefix": GLUE_PREFIX}
    assert meta["image/png"]["alt"] == "a rising line"
    figure_alt = load_extension("figure_alt")
    notebook = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": glued, "metadata": meta}]}]}
    digest = hashlib.sha256(base64.b64decode(shown["image/png"])).hexdigest()
    assert figure_alt.output_alts(notebook) == {digest: ("a rising line", 0)}
