"""Single-step cells: finite-difference gradient checks, and the Cho et al. GRU variant."""
import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
import seqlearn.torch as st
from conftest import B, H, I, flat, max_diff, to_numpy

CELLS = [("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
         ("GRU", {"reset_after": True}), ("GRU", {"reset_after": False})]
CELL_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru-torch", "gru-cho"]
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def random_cell(mode, rng):
    G = GATES[mode]
    params = {"weight_ih": rng.normal(size=(G * H, I)), "weight_hh": rng.normal(size=(G * H, H)) / 2,
              "bias_ih": rng.normal(size=G * H), "bias_hh": rng.normal(size=G * H)}
    state = tuple(rng.normal(size=(B, H)) for _ in range(2 if mode == "LSTM" else 1))
    return rng.normal(size=(B, I)), state, params


@pytest.mark.parametrize("mode,options", CELLS, ids=CELL_IDS)
def test_cell_backward_matches_finite_differences(mode, options):
    rng = np.random.default_rng(0)
    x, state, params = random_cell(mode, rng)
    new_state, cache = snp.cell_forward(mode, x, state, **params, **options)
    weights = [rng.normal(size=s.shape) for s in new_state]

    def loss(x, state, params):
        new, _ = snp.cell_forward(mode, x, state, **params, **options)
        return sum(float((n * w).sum()) for n, w in zip(new, weights))

    dx, dstate, grads = snp.cell_backward(weights, cache)
    # every input of the cell, perturbed one coordinate at a time (central differences)
    checks = [(x, dx)] + list(zip(state, dstate)) + [(params[k], grads[k]) for k in params]
    eps = 1e-6
    for value, analytic in checks:
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + eps
            up = loss(x, state, params)
            value[idx] = old - eps
            down = loss(x, state, params)
            value[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode,options", CELLS, ids=CELL_IDS)
def test_cell_matches_one_step_of_the_layer(mode, options):
    """A single cell step is the layer run on a sequence of length one."""
    rng = np.random.default_rng(1)
    model = getattr(snp, mode)(I, H, rng=rng, **options)
    x, state, _ = random_cell(mode, rng)
    p = model.state_dict()
    new, _ = snp.cell_forward(mode, x, state, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"],
                              p["bias_hh_l0"], **options)
    hx = tuple(s[None] for s in state) if mode == "LSTM" else state[0][None]
    out, hn = model(x[None], hx)
    assert max_diff([out[0]], [new[0]]) == 0


@pytest.mark.parametrize("bidirectional", [False, True])
def test_cho_gru_numpy_and_torch_agree(bidirectional):
    """torch.nn has no Cho et al. GRU: check our two implementations against each other, grads too."""
    ours = st.GRU(I, H, num_layers=2, bidirectional=bidirectional, reset_after=False).double()
    npm = snp.GRU(I, H, num_layers=2, bidirectional=bidirectional, reset_after=False)
    npm.load_state_dict(ours.state_dict())
    x = torch.randn(6, B, I, dtype=torch.float64, requires_grad=True)
    out, hn = ours(x)
    w_out, w_hn = torch.randn_like(out), torch.randn_like(hn)
    grads = torch.autograd.grad((out * w_out).sum() + (hn * w_hn).sum(), [x] + list(ours.parameters()))
    got = npm(to_numpy(x))
    assert max_diff(list(got), [out, hn]) < 1e-10
    gx, _ = npm.backward(to_numpy(w_out), to_numpy(w_hn))
    assert max_diff([gx] + list(npm.grads.values()), grads) < 1e-10


def test_cho_and_torch_variants_differ():
    """The two GRU variants are different functions of the same weights."""
    a = snp.GRU(I, H, rng=0)
    b = snp.GRU(I, H, rng=0, reset_after=False)
    x = np.random.default_rng(2).normal(size=(6, B, I))
    assert np.abs(a(x)[0] - b(x)[0]).max() > 1e-3


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_layer_backward_matches_finite_differences_with_lengths(mode):
    """The whole NumPy layer (2 layers, both directions, padded batch) against finite differences."""
    rng = np.random.default_rng(3)
    model = getattr(snp, mode)(3, 4, num_layers=2, bidirectional=True, rng=rng)
    x = rng.normal(size=(5, 3, 3))
    lengths = [5, 2, 4]
    w = rng.normal(size=(5, 3, 8))
    model(x, lengths=lengths)
    gx, _ = model.backward(w)
    eps, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = (model(x, lengths=lengths)[0] * w).sum()
        x[idx] = old - eps
        down = (model(x, lengths=lengths)[0] * w).sum()
        x[idx] = old
        numeric[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(gx, numeric, rtol=1e-6, atol=1e-8)
    assert np.all(gx[2:, 1] == 0)                 # padding steps get no gradient
