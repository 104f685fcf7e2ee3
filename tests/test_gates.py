"""seqlearn.gates: the recorded gates are the ones torch.nn.LSTM computes.

torch.nn.LSTM never returns its gates, so each one is recovered from torch's own outputs through a
property of the LSTM equations: c_t is affine in c_{t-1} with slope f_t; with c_{t-1} = 0 it equals
i_t ⊙ g_t, and with the candidate pinned to 1 it equals i_t; and o_t = h_t / tanh(c_t).
"""
import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

import seqlearn.numpy as snp  # noqa: E402
import seqlearn.torch as st  # noqa: E402
from seqlearn.gates import lstm_gate_trace, plot_gate_heatmaps, unit_correlations  # noqa: E402

I, H, T, B = 3, 5, 7, 4


def torch_cell_from(lstm, layer=0):
    """A float64 torch.nn.LSTMCell holding layer ``layer`` of ``lstm``."""
    cell = torch.nn.LSTMCell(lstm.weight_ih_l0.shape[1] if layer == 0 else lstm.hidden_size, lstm.hidden_size,
                             dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, f"{name}_l{layer}"))
    return cell


def torch_states(cell, x, h, c):
    """Run torch.nn.LSTMCell over x (T, B, I); return the states before and after every step, (T, B, H) each."""
    hs_prev, cs_prev, hs, cs = [], [], [], []
    for t in range(x.shape[0]):
        hs_prev.append(h), cs_prev.append(c)
        h, c = cell(x[t], (h, c))
        hs.append(h), cs.append(c)
    return [torch.stack(s).detach() for s in (hs_prev, cs_prev, hs, cs)]


@pytest.fixture
def lstm():
    torch.manual_seed(0)
    return torch.nn.LSTM(I, H, dtype=torch.float64)


@pytest.fixture
def x():
    torch.manual_seed(1)
    return torch.randn(T, B, I, dtype=torch.float64)


def test_states_match_torch_every_step(lstm, x):
    h0, c0 = torch.randn(1, B, H, dtype=torch.float64), torch.randn(1, B, H, dtype=torch.float64)
    tr = lstm_gate_trace(lstm, x, (h0, c0))
    _, _, hs, cs = torch_states(torch_cell_from(lstm), x, h0[0], c0[0])
    np.testing.assert_allclose(tr["h"], hs.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(tr["c"], cs.numpy(), rtol=0, atol=1e-13)
    out, (hn, cn) = lstm(x, (h0, c0))
    np.testing.assert_allclose(tr["h"], out.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(tr["c"][-1], cn[0].detach().numpy(), rtol=0, atol=1e-13)


def test_forget_gate_is_the_slope_of_c_in_c_prev(lstm, x):
    tr = lstm_gate_trace(lstm, x)
    cell = torch_cell_from(lstm)
    hp, cp, _, _ = torch_states(cell, x, torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64))
    for t in range(T):
        c_prev = cp[t].clone().requires_grad_()
        _, c = cell(x[t], (hp[t], c_prev))
        (grad,) = torch.autograd.grad(c.sum(), c_prev)    # c_t[j] depends on c_{t-1}[j] alone, with slope f_t[j]
        np.testing.assert_allclose(tr["f"][t], grad.numpy(), rtol=0, atol=1e-14)


def test_input_gate_candidate_and_output_gate_from_torch_outputs(lstm, x):
    tr = lstm_gate_trace(lstm, x)
    cell = torch_cell_from(lstm)
    hp, _, hs, cs = torch_states(cell, x, torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64))
    pinned = torch_cell_from(lstm)                        # candidate rows: weights 0, bias 40, so g = tanh(40) = 1.0
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(pinned, name)[2 * H:3 * H] = 0.0
        pinned.bias_hh[2 * H:3 * H] = 40.0
    zeros = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        _, ig = cell(x[t], (hp[t], zeros))                # c_t with c_{t-1} = 0 is i ⊙ g
        _, i = pinned(x[t], (hp[t], zeros))               # ... and with g = 1 it is i
        np.testing.assert_allclose(tr["i"][t] * tr["g"][t], ig.detach().numpy(), rtol=0, atol=1e-14)
        np.testing.assert_allclose(tr["i"][t], i.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(tr["o"], (hs / torch.tanh(cs)).numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_stacked_layers_and_layouts(bias):
    torch.manual_seed(2)
    ref = torch.nn.LSTM(I, H, num_layers=3, bias=bias, batch_first=True, dtype=torch.float64)
    xb = torch.randn(B, T, I, dtype=torch.float64)
    out, (hn, cn) = ref(xb)
    for layer in range(3):
        tr = lstm_gate_trace(ref, xb, layer=layer)       # batch_first taken from the model
        assert tr["h"].shape == (B, T, H)
        np.testing.assert_allclose(tr["h"][:, -1], hn[layer].detach().numpy(), rtol=0, atol=1e-13)
        np.testing.assert_allclose(tr["c"][:, -1], cn[layer].detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(tr["h"], out.detach().numpy(), rtol=0, atol=1e-13)
    # the same weights as a plain state_dict, a seqlearn.torch and a seqlearn.numpy model
    ours = st.LSTM(I, H, num_layers=3, bias=bias, batch_first=True, dtype=torch.float64)
    ours.load_state_dict(ref.state_dict())
    npm = snp.LSTM(I, H, num_layers=3, bias=bias, batch_first=True)
    npm.load_state_dict(ref.state_dict())
    for model in (ref.state_dict(), ours, npm):
        kw = {"batch_first": True} if isinstance(model, dict) else {}
        np.testing.assert_allclose(lstm_gate_trace(model, xb, layer=2, **kw)["h"], tr["h"], rtol=0, atol=1e-13)
    # unbatched input gives (T, H)
    single = lstm_gate_trace(ref, xb[0].numpy(), layer=2)
    assert single["c"].shape == (T, H)
    np.testing.assert_allclose(single["h"], tr["h"][0], rtol=0, atol=1e-13)


def test_rejects_what_it_cannot_record():
    with pytest.raises(ValueError, match="unidirectional"):
        lstm_gate_trace(torch.nn.LSTM(I, H, bidirectional=True), np.zeros((T, I)))
    with pytest.raises(ValueError, match="proj_size"):
        lstm_gate_trace(torch.nn.LSTM(I, H, proj_size=2), np.zeros((T, I)))
    with pytest.raises(ValueError, match="layer"):
        lstm_gate_trace(torch.nn.LSTM(I, H), np.zeros((T, I)), layer=1)


def test_unit_correlations_match_numpy():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(6, 9))
    values = rng.normal(size=(6, 9, 4))
    values[..., 1] = 3 * target + 0.1 * values[..., 1]
    values[..., 2] = -target
    r = unit_correlations(values, target)
    expected = [np.corrcoef(values[..., k].ravel(), target.ravel())[0, 1] for k in range(4)]
    np.testing.assert_allclose(r, expected, rtol=1e-12)
    assert r[2] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="entries"):
        unit_correlations(values, target[:5])


def test_heatmaps_one_panel_per_key(lstm, x):
    tr = lstm_gate_trace(lstm, x[:, 0])
    fig = plot_gate_heatmaps(tr, tokens="abcdefg", keys=("i", "f", "c"))
    panels = [ax for ax in fig.axes if ax.get_ylabel() == "unit"]
    assert len(panels) == 3
    assert [t.get_text() for t in panels[-1].get_xticklabels()] == list("abcdefg")
    assert panels[0].images[0].get_array().shape == (H, T)
    np.testing.assert_allclose(panels[2].images[0].get_array(), tr["c"].T)
    matplotlib.pyplot.close(fig)
    fig = plot_gate_heatmaps(tr, keys=("f", "c"), row_scale=True)       # rows of c scaled to max |c| = 1
    f_panel, c_panel = [ax for ax in fig.axes if ax.get_ylabel() == "unit"]
    np.testing.assert_allclose(f_panel.images[0].get_array(), tr["f"].T)   # gates are never rescaled
    np.testing.assert_allclose(np.abs(c_panel.images[0].get_array()).max(axis=1), 1.0)
    np.testing.assert_allclose(c_panel.images[0].get_array() * np.abs(tr["c"]).max(axis=0)[:, None], tr["c"].T)
    matplotlib.pyplot.close(fig)
