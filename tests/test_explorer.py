"""The kernel-free explorer: every setting drawn once, controls linked to the right frames."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import ipywidgets as widgets  # noqa: E402

from seqlearn.explorer import precomputed_explorer, settings  # noqa: E402


def render(scale, kind):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, scale], ls="-" if kind == "a" else "--")
    return fig


GRID = {"scale": [0.5, 1.0, 2.0], "kind": ["a", "b"]}


def test_every_setting_is_drawn_once_as_png():
    box = precomputed_explorer(render, GRID)
    assert list(box.frames) == settings(GRID)
    assert all(png.startswith(b"\x89PNG") for png in box.frames.values())
    assert len(set(box.frames.values())) == 6          # the settings give different pictures
    assert plt.get_fignums() == []                     # figures are closed after drawing


def test_controls_start_at_the_defaults_and_pick_the_matching_frame():
    box = precomputed_explorer(render, GRID, defaults={"scale": 2.0, "kind": "b"})
    slider, buttons = box.controls
    stack = box.children[-1]
    assert isinstance(slider, widgets.SelectionSlider) and isinstance(buttons, widgets.ToggleButtons)
    assert (slider.index, buttons.index, stack.selected_index) == (2, 1, 2)
    shown = stack.children[stack.selected_index]
    image = shown.children[shown.selected_index]
    assert image.value == box.frames[(2.0, "b")]


def test_each_stack_level_follows_its_control_in_the_browser():
    """jslink ties control k to every stack at level k (a link the browser keeps, no kernel needed)."""
    box = precomputed_explorer(render, GRID)
    slider, buttons = box.controls
    stack = box.children[-1]
    pairs = {(link.source, link.target) for link in box.links}
    assert ((slider, "index"), (stack, "selected_index")) in pairs
    for inner in stack.children:
        assert ((buttons, "index"), (inner, "selected_index")) in pairs
    assert len(pairs) == 1 + len(stack.children)


def test_frames_are_quantised_to_a_small_palette_unless_asked_not_to():
    import io

    from PIL import Image

    from seqlearn.explorer import figure_png
    small, full = figure_png(render(1.0, "a"), colors=16), figure_png(render(1.0, "a"), colors=None)
    assert Image.open(io.BytesIO(small)).mode == "P" and len(Image.open(io.BytesIO(small)).getcolors()) <= 16
    assert Image.open(io.BytesIO(full)).mode == "RGBA" and len(small) < len(full)
