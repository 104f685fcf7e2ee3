"""seqlearn.gradients: the state-only BPTT against seqlearn.numpy's backward, torch autograd and the
explicit product of step Jacobians."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
from seqlearn import gradients as G

T, H = 12, 6


def _sequence(nonlinearity, radius=1.3, seed=0):
    """W_hh, the input gi (T, 1, H) and the states (T + 1, 1, H) of one random sequence."""
    rng = np.random.default_rng(seed)
    w = G.recurrent_weights(H, radius, rng)
    gi = rng.standard_normal((T, 1, H))
    return w, gi, G.run(w, gi, nonlinearity)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_run_matches_seqlearn_numpy_forward(nonlinearity):
    w, gi, hs = _sequence(nonlinearity)
    model = snp.RNN(H, H, nonlinearity=nonlinearity, bias=False)
    model.load_state_dict({"weight_ih_l0": np.eye(H), "weight_hh_l0": w})   # gi_t = x_t W_ih^T = x_t
    out, h_n = model(gi)
    np.testing.assert_allclose(hs[1:], out, rtol=0, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_backprop_matches_seqlearn_numpy_backward(nonlinearity):
    """A loss on the last output only: dL/dh_0 is grad_hx, dL/da_t = dL/dh_t * act'(a_t) is grad_input."""
    w, gi, hs = _sequence(nonlinearity)
    model = snp.RNN(H, H, nonlinearity=nonlinearity, bias=False)
    model.load_state_dict({"weight_ih_l0": np.eye(H), "weight_hh_l0": w})
    model(gi)
    u = np.random.default_rng(1).standard_normal((1, H))                      # L = u . h_T
    grad_output = np.zeros((T, 1, H))
    grad_output[-1] = u
    grad_input, grad_hx = model.backward(grad_output)
    grads = G.backprop_states(w, hs, u, nonlinearity)
    np.testing.assert_allclose(grads[0], grad_hx[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(grads[1:] * G.slope(hs[1:], nonlinearity), grad_input, rtol=0, atol=1e-13)


def _torch_jacobians(w, gi, nonlinearity):
    """dh_T/dh_t for t = 0..T by torch autograd (float64): torch.nn.RNN, or a plain loop for 'linear'."""
    x, wt = torch.tensor(gi[:, 0]), torch.tensor(w)
    rnn = None
    if nonlinearity != "linear":
        rnn = torch.nn.RNN(H, H, nonlinearity=nonlinearity, bias=False).double()
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.eye(H, dtype=torch.float64))      # gi_t = x_t
            rnn.weight_hh_l0.copy_(wt)

    def last_state(xs, h):
        """The state after running the inputs xs (S, H) from h (H,)."""
        if len(xs) == 0:
            return h
        if rnn is not None:
            return rnn(xs, h[None])[1][0]
        for x_t in xs:
            h = x_t + h @ wt.T
        return h

    h0 = torch.zeros(H, dtype=torch.float64)
    states = [last_state(x[:t], h0).detach() for t in range(T + 1)]
    return np.stack([torch.autograd.functional.jacobian(lambda h: last_state(x[t:], h), states[t]).numpy()
                     for t in range(T + 1)])


@pytest.mark.parametrize("nonlinearity", G.NONLINEARITIES)
def test_jacobians_match_torch_autograd(nonlinearity):
    w, gi, hs = _sequence(nonlinearity)
    ours = G.backprop_states(w, hs, np.eye(H), nonlinearity)                  # ours[t] = dh_T/dh_t
    ref = _torch_jacobians(w, gi, nonlinearity)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * max(1, np.abs(ref).max()))


@pytest.mark.parametrize("nonlinearity", G.NONLINEARITIES)
def test_backprop_is_the_product_of_step_jacobians(nonlinearity):
    w, gi, hs = _sequence(nonlinearity)
    J = G.step_jacobians(w, hs[:, 0], nonlinearity)                           # J[t-1] = dh_t/dh_{t-1}
    ours = G.backprop_states(w, hs, np.eye(H), nonlinearity)
    product = np.eye(H)
    for t in range(T, 0, -1):                                                 # dh_T/dh_{t-1} = (dh_T/dh_t) J_t
        product = product @ J[t - 1]
        np.testing.assert_allclose(ours[t - 1], product, rtol=1e-12, atol=1e-14)


def test_step_jacobian_matches_finite_differences():
    w, gi, hs = _sequence("tanh")
    J = G.step_jacobians(w, hs[:, 0], "tanh")
    t, eps = 5, 1e-6
    fd = np.empty((H, H))
    for l in range(H):
        e = np.zeros(H)
        e[l] = eps
        plus = np.tanh(gi[t - 1, 0] + (hs[t - 1, 0] + e) @ w.T)
        minus = np.tanh(gi[t - 1, 0] + (hs[t - 1, 0] - e) @ w.T)
        fd[:, l] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(J[t - 1], fd, rtol=0, atol=1e-9)


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("radius", [0.5, 1.0, 2.5])
def test_recurrent_weights_have_the_requested_spectral_radius(kind, radius):
    w = G.recurrent_weights(20, radius, np.random.default_rng(3), kind)
    assert np.isclose(np.abs(np.linalg.eigvals(w)).max(), radius, rtol=1e-10)
    singular = np.linalg.svd(w, compute_uv=False)
    if kind == "orthogonal":
        np.testing.assert_allclose(singular, radius, rtol=1e-10)
    else:
        assert singular[0] > radius                                           # non-normal: ||W|| > rho(W)


@pytest.mark.parametrize("radius", [0.7, 1.0, 1.3])
def test_linear_orthogonal_norms_are_powers_of_the_radius(radius):
    norms = G.gradient_norm_vs_distance(radius, 40, "linear", hidden_size=10, seed=2)
    np.testing.assert_allclose(norms, radius ** np.arange(41), rtol=1e-10)
    assert np.isclose(G.growth_per_step(norms), radius, rtol=1e-10)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5, 3.0])
def test_a_slope_at_most_one_keeps_the_norm_below_the_linear_bound(nonlinearity, radius):
    """||dh_T/dh_t|| <= prod_k ||diag(act')|| ||W_hh|| <= radius^k for an orthogonal W_hh."""
    norms = G.gradient_norm_vs_distance(radius, 60, nonlinearity, hidden_size=16, seed=4)
    assert norms[0] == pytest.approx(1.0)
    assert np.all(norms <= radius ** np.arange(61) * (1 + 1e-10))


def test_gradient_norm_vs_distance_is_deterministic_given_a_seed():
    a = G.gradient_norm_vs_distance(1.1, 50, "tanh", seed=7)
    b = G.gradient_norm_vs_distance(1.1, 50, "tanh", seed=7)
    c = G.gradient_norm_vs_distance(1.1, 50, "tanh", seed=8)
    assert a.shape == (51,) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_growth_per_step_reads_a_geometric_sequence():
    assert G.growth_per_step(0.8 ** np.arange(30)) == pytest.approx(0.8)
    assert G.growth_per_step(np.r_[1.0, 0.5, np.zeros(20)], skip=1) == 0.0


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        G.gradient_norm_vs_distance(1.0, 5, "sigmoid")
    with pytest.raises(ValueError, match="kind must be"):
        G.recurrent_weights(4, 1.0, 0, kind="uniform")


def test_works_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "from seqlearn.gradients import gradient_norm_vs_distance as g\n"
            "assert g(0.9, 10, 'tanh', hidden_size=4).shape == (11,)")
    subprocess.run([sys.executable, "-c", code], check=True)
