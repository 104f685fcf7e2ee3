"""The diagrams of "Recurrence today" draw what the chapter says: the loop T steps deep, the Hillis-Steele
scan log2 T levels deep with Σ_k (T - 2^k) combines that compute the loop's h_t, and the minGRU whose
gates read x_t only, beside the GRU whose gates read h_{t-1} too."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from seqlearn.diagrams._draw import EDGE  # noqa: E402
from seqlearn.diagrams.recurrence import min_gru_cell, scan_graph  # noqa: E402

SIZES = [2, 4, 8, 16]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def arrows(ax, gid):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == gid]


def ends(patch):
    """(start, end) of an arrow in data units, read from its drawn path: the end is the point farthest
    from the start (the tip of the head, or the end of a plain line)."""
    path = patch.get_path()
    points = [v for v, c in zip(path.vertices, path.codes) if c != Path.CLOSEPOLY]
    start = np.asarray(points[0])
    end = max(points, key=lambda v: np.hypot(*(v - start)))
    return tuple(start), tuple(end)


def nodes(ax):
    return [t for t in ax.texts if t.get_gid() == "node"]


def title(ax):
    (t,) = [t for t in ax.texts if t.get_gid() == "title"]
    return t.get_text()


def grid(ax):
    """The scan's nodes as rows (top to bottom) of texts (left to right), and the columns' x and rows' y."""
    ys = sorted({round(t.get_position()[1], 6) for t in nodes(ax)}, reverse=True)
    rows = [sorted((t for t in nodes(ax) if round(t.get_position()[1], 6) == y), key=lambda t: t.get_position()[0])
            for y in ys]
    xs = [t.get_position()[0] for t in rows[0]]
    return rows, xs, ys


def nearest(values, v):
    return min(range(len(values)), key=lambda i: abs(values[i] - v))


def edges(ax, gid):
    """Each arrow of one gid as (row it leaves, column it leaves, row it enters, column it enters)."""
    _, xs, ys = grid(ax)
    found = []
    for p in arrows(ax, gid):
        (x0, y0), (x1, y1) = ends(p)
        k = max(i for i, y in enumerate(ys) if y >= y0)            # the row just above the start
        j = min(i for i, y in enumerate(ys) if y <= y1)            # the row just below the end
        found.append((k, nearest(xs, x0), j, nearest(xs, x1)))
        assert abs(xs[nearest(xs, x0)] - x0) < 0.05 and abs(xs[nearest(xs, x1)] - x1) < 0.2, (x0, x1)
    return found


@pytest.mark.parametrize("T", SIZES)
def test_the_loop_is_a_chain_of_T_states_each_one_row_deeper(T):
    loop = scan_graph(T).axes[0]
    chain = sorted(nodes(loop), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in chain] == [f"$h_{{{t}}}$" for t in range(1, T + 1)]
    xs, ys = zip(*(t.get_position() for t in chain))
    assert all(b > a for a, b in zip(xs, xs[1:]))
    steps = np.diff(ys)
    assert np.all(steps < 0) and np.allclose(steps, steps[0])      # depth T, one equal step each
    assert len(arrows(loop, "step")) == T - 1
    assert f"T = {T} steps in a row" in title(loop)


@pytest.mark.parametrize("T", SIZES)
def test_the_scan_has_log2_T_plus_one_rows_of_T_nodes(T):
    scan = scan_graph(T).axes[1]
    levels = int(math.log2(T))
    rows, xs, _ = grid(scan)
    assert len(rows) == levels + 1 and all(len(row) == T for row in rows)
    assert len(nodes(scan)) == T * (levels + 1)
    assert [t.get_text() for t in rows[0]] == [str(t) for t in range(1, T + 1)]
    assert [t.get_text() for t in rows[-1]] == [f"1:{t}" for t in range(1, T + 1)]
    loop_x = sorted(t.get_position()[0] for t in nodes(scan_graph(T).axes[0]))
    assert np.allclose(xs, loop_x)                                 # step t in the same column in both


@pytest.mark.parametrize("T", SIZES)
def test_combines_count_and_titles_carry_the_computed_numbers(T):
    fig = scan_graph(T)
    levels = int(math.log2(T))
    work = T * levels - T + 1                                      # Σ_k (T - 2^k), in closed form
    assert len(arrows(fig.axes[1], "combine")) == work
    assert len(arrows(fig.axes[1], "pass")) == T - 1               # Σ_k 2^k
    text = title(fig.axes[1])
    assert rf"$\log_2 {T}$ = {levels} level" in text and f"{work} combine" in text
    if T == 8:
        assert text == r"scan: $\log_2 8$ = 3 levels, 17 combines"
        assert title(fig.axes[0]) == "loop: T = 8 steps in a row"


@pytest.mark.parametrize("T", SIZES)
def test_each_combine_joins_column_t_minus_2k_to_column_t_one_level_down(T):
    scan = scan_graph(T).axes[1]
    levels = int(math.log2(T))
    combine, passing, own = edges(scan, "combine"), edges(scan, "pass"), edges(scan, "own")
    for k0, c0, k1, c1 in combine:
        assert k1 == k0 + 1 and c1 - c0 == 2 ** k0
    assert sorted((k, c1) for k, _, _, c1 in combine) == [(k, t) for k in range(levels) for t in range(2 ** k, T)]
    assert sorted(passing) == [(k, t, k + 1, t) for k in range(levels) for t in range(2 ** k)]
    assert sorted(own) == [(k, t, k + 1, t) for k in range(levels) for t in range(2 ** k, T)]
    rows, _, _ = grid(scan)                                        # dashed white nodes: passed through
    for k in range(1, levels + 1):
        dashed = [i for i, t in enumerate(rows[k]) if t.get_color() != rows[0][0].get_color()]
        assert dashed == list(range(2 ** (k - 1)))


@pytest.mark.parametrize("T", SIZES)
def test_the_drawn_graph_with_the_stated_operator_computes_the_loop(T):
    scan = scan_graph(T).axes[1]
    assert r"$(a_l, b_l) \circ (a_r, b_r) = (a_r a_l,\ a_r b_l + b_r)$" in " ".join(t.get_text() for t in scan.texts)
    rng = np.random.default_rng(T)
    a, b = rng.uniform(-1.5, 1.5, T), rng.normal(size=T)
    h, loop = 0.0, []
    for t in range(T):
        h = a[t] * h + b[t]
        loop.append(h)
    rows, _, _ = grid(scan)
    value = {(0, t): (a[t], b[t]) for t in range(T)}
    span = {(0, t): {t} for t in range(T)}
    inputs = {}
    for gid in ("combine", "pass", "own"):
        for k0, c0, k1, c1 in edges(scan, gid):
            inputs.setdefault((k1, c1), []).append((c0, k0, gid))
    for k in range(1, len(rows)):
        for t in range(T):
            sources = sorted(inputs[(k, t)])                       # earlier column first: (left, right)
            if [g for *_, g in sources] == ["pass"]:
                value[(k, t)] = value[(k - 1, t)]
            else:
                (c_l, _, g_l), (c_r, _, g_r) = sources
                assert (g_l, g_r, c_r) == ("combine", "own", t)
                (a_l, b_l), (a_r, b_r) = value[(k - 1, c_l)], value[(k - 1, c_r)]
                value[(k, t)] = (a_r * a_l, a_r * b_l + b_r)
            span[(k, t)] = set().union(*(span[(k - 1, c)] for c, *_ in sources))
            first, last = min(span[(k, t)]), max(span[(k, t)])
            assert span[(k, t)] == set(range(first, last + 1))
            assert rows[k][t].get_text() == f"{first + 1}:{last + 1}"
    assert np.allclose([value[(len(rows) - 1, t)][1] for t in range(T)], loop)


@pytest.mark.parametrize("T", [6, 1, 0, 3, 12, -4, 8.0, True, "8"])
def test_scan_graph_refuses_what_is_not_a_power_of_two(T):
    with pytest.raises(ValueError, match=rf"power of two >= 2 .*got {T!r}"):
        scan_graph(T)
    assert not plt.get_fignums()


def gate_boxes(ax):
    """Gate symbol ("r", "z", "n", "\\tilde h") -> its box."""
    found = {}
    for t in ax.texts:
        if t.get_gid() == "gate":
            x, y = t.get_position()
            (patch,) = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_x() <= x <= p.get_x()
                        + p.get_width() and p.get_y() <= y <= p.get_y() + p.get_height()]
            found[t.get_text().split("_t$")[0].lstrip("$")] = patch
    return found


def entering(ax, patch):
    """Arrows whose tip lies on the box (within its padding)."""
    hits = []
    for p in ax.patches:
        if isinstance(p, FancyArrowPatch):
            _, (x, y) = ends(p)
            if (patch.get_x() - 0.05 <= x <= patch.get_x() + patch.get_width() + 0.05
                    and patch.get_y() - 0.05 <= y <= patch.get_y() + patch.get_height() + 0.05):
                hits.append(p)
    return hits


def test_gru_gates_read_h_prev_and_min_gru_gates_do_not():
    gru, mini = min_gru_cell().axes
    gru_gates, mini_gates = gate_boxes(gru), gate_boxes(mini)
    assert set(gru_gates) == {"r", "z", "n"} and set(mini_gates) == {"z", r"\tilde h"}
    assert len(arrows(gru, "recurrent-gate")) == 3
    for name, patch in gru_gates.items():
        gids = [p.get_gid() for p in entering(gru, patch)]
        assert gids.count("recurrent-gate") == 1 and gids.count("input-gate") == 1, name
    assert arrows(mini, "recurrent-gate") == []
    for name, patch in mini_gates.items():                         # x_t only, in blue
        into = entering(mini, patch)
        assert [p.get_gid() for p in into] == ["input-gate"], name
        assert to_hex(into[0].get_edgecolor()) == to_hex(EDGE["input"])
    (h_prev,) = [t for t in mini.texts if t.get_text() == "$h_{t-1}$"]  # nothing leaves h_{t-1} downwards
    x = h_prev.get_position()[0]
    assert not [line for line in mini.lines if np.allclose(line.get_xdata(), x)]
    assert [line for line in gru.lines if np.allclose(line.get_xdata()[:2], x)]


def test_the_panels_say_what_the_gates_read_and_the_equations():
    gru, mini = min_gru_cell().axes
    texts = {ax: {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()} for ax in (gru, mini)}
    assert texts[gru]["caption"] == r"gates read $x_t$ and $h_{t-1}$"
    assert texts[mini]["caption"] == r"gates read $x_t$ only: $h_t$ is linear in $h_{t-1}$"
    assert texts[mini]["equation"] == r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$"
    assert texts[gru]["equation"] == r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$"
    assert "GRU" in texts[gru]["title"] and "minGRU" in texts[mini]["title"] and "2024" in texts[mini]["title"]
    everything = " ".join(t.get_text() for t in mini.texts)
    assert r"$z_t = \sigma(\mathrm{Linear}_z(x_t))$" in everything
    assert r"$\tilde h_t = g(\mathrm{Linear}_h(x_t))$" in everything
    assert r"$a_t = 1 - z_t$, $b_t = z_t \odot \tilde h_t$" in everything
    gates = [t.get_text() for t in mini.texts if t.get_gid() == "gate"]
    assert any("Linear" in g for g in gates) and not any("tanh" in g for g in gates)


@pytest.mark.parametrize("draw", [scan_graph, min_gru_cell] + [lambda T=T: scan_graph(T) for T in (2, 16)])
def test_every_text_stays_inside_its_own_panel(draw):
    fig = draw()
    renderer = fig.canvas.get_renderer()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0) and len(fig.axes) == 2
    for ax in fig.axes:
        assert not ax.axison
        panel = ax.get_window_extent(renderer)
        for t in ax.texts:
            ext = t.get_window_extent(renderer)
            assert panel.x0 - 1 <= ext.x0 and ext.x1 <= panel.x1 + 1, t.get_text()
            assert panel.y0 - 1 <= ext.y0 and ext.y1 <= panel.y1 + 1, t.get_text()
