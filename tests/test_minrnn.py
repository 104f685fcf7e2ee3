"""minGRU and minLSTM: the three modes agree, match the equations, train, and the NumPy twin's hand backward."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import seqlearn.numpy.minrnn as nmin
from seqlearn._checks import InputError
from seqlearn.torch.minrnn import MinGRU, MinLSTM, MinRNN, _coefficients
from seqlearn.train.models import SequenceModel

KINDS = ["minGRU", "minLSTM"]
MODES = ["sequential", "scan", "log"]
I, H, T, B = 3, 4, 7, 2
F64 = torch.float64


def build(kind, num_layers=1, mode="log", **kw):
    torch.manual_seed(0)
    return MinRNN(kind, I, H, num_layers, mode=mode, dtype=F64, **kw)


def same_weights(model, mode, **kw):
    """A copy of ``model`` in another mode (or with other options), sharing its state_dict."""
    other = MinRNN(model.kind, model.input_size, model.hidden_size, model.num_layers, mode=mode,
                   bias=model.bias, dtype=F64, **kw)
    other.load_state_dict(model.state_dict())
    return other


def positive_h0(num_layers, batched=True):
    return torch.rand((num_layers, B, H) if batched else (num_layers, H), dtype=F64) + 0.1


def close(x, y, tol=1e-12):
    torch.testing.assert_close(x, y, rtol=tol, atol=tol)


# ---- torch: the modes agree ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tf", "bf"])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_modes_agree(kind, num_layers, batch_first, with_h0):
    models = {m: build(kind, num_layers, m, batch_first=batch_first) for m in MODES}
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=F64)
    h0 = positive_h0(num_layers) if with_h0 else None
    ref_out, ref_hn = models["sequential"](x, h0)
    assert ref_out.shape == ((B, T, H) if batch_first else (T, B, H))
    assert ref_hn.shape == (num_layers, B, H)
    close(ref_hn[-1], ref_out[:, -1] if batch_first else ref_out[-1])
    for mode in ["scan", "log"]:
        out, hn = models[mode](x, h0)
        close(out, ref_out)
        close(hn, ref_hn)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_unbatched_input(kind, with_h0):
    h0 = positive_h0(2) if with_h0 else None
    x = torch.randn(T, B, I, dtype=F64)
    for mode in MODES:
        model = build(kind, 2, mode)
        batch_out, batch_hn = model(x, h0)
        out, hn = model(x[:, 1], None if h0 is None else h0[:, 1])
        assert out.shape == (T, H) and hn.shape == (2, H)
        close(out, batch_out[:, 1])
        close(hn, batch_hn[:, 1])


# ---- torch: an independent reference, written here from the module's equations ----------------------------
def reference(model, x, h0=None):
    """The module docstring's equations, one step at a time, for time-major x (T, B, I)."""
    def g(v):                                 # g(x) = x + 1/2 for x ≥ 0, σ(x) below
        return torch.where(v >= 0, v + 0.5, torch.sigmoid(v))

    inp, finals = x, []
    for layer in range(model.num_layers):
        W = getattr(model, f"weight_ih_l{layer}")
        bias = getattr(model, f"bias_ih_l{layer}", None)
        h = torch.zeros(x.shape[1], model.hidden_size, dtype=x.dtype) if h0 is None else h0[layer]
        outs = []
        for x_t in inp:
            k = x_t @ W.T + (0 if bias is None else bias)
            if model.kind == "minGRU":
                k_z, k_h = k.split(model.hidden_size, dim=-1)
                z = torch.sigmoid(k_z)
                cand = g(k_h) if model.positive else k_h
                h = (1 - z) * h + z * cand
            else:
                k_f, k_i, k_h = k.split(model.hidden_size, dim=-1)
                f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
                cand = g(k_h) if model.positive else k_h
                h = f / (f + i) * h + i / (f + i) * cand
            outs.append(h)
        inp = torch.stack(outs)
        finals.append(h)
    return inp, torch.stack(finals)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
def test_against_the_equations(kind, mode, num_layers, bias):
    model = build(kind, num_layers, mode, bias=bias)
    x = 2 * torch.randn(T, B, I, dtype=F64)   # wide enough that k_h takes both signs, both branches of g
    h0 = positive_h0(num_layers)
    for start in [None, h0]:
        out, hn = model(x, start)
        ref_out, ref_hn = reference(model, x, start)
        close(out, ref_out)
        close(hn, ref_hn)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["sequential", "scan"])
def test_not_positive_candidate_is_k_h(kind, mode):
    model = build(kind, 2, mode, positive=False)
    x = torch.randn(T, B, I, dtype=F64)
    h0 = torch.randn(2, B, H, dtype=F64)      # either sign is fine outside log space
    out, hn = model(x, h0)
    ref_out, ref_hn = reference(model, x, h0)
    close(out, ref_out)
    close(hn, ref_hn)
    assert (out < 0).any()                    # h̃ = k_h takes negative values, g never would


@pytest.mark.parametrize("mode", MODES)
def test_minlstm_gates_are_normalised(mode):
    """f' + i' = 1: a state equal to a constant candidate stays there, whatever f and i do."""
    k = torch.randn(T, B, 3 * H, dtype=F64)
    log_a, log_w, _ = _coefficients("minLSTM", k)
    close(log_a.exp() + log_w.exp(), torch.ones(T, B, H, dtype=F64))
    model = build("minLSTM", 1, mode)
    with torch.no_grad():                     # k_h = 0.3 at every step, so h̃ = g(0.3) = 0.8
        model.weight_ih_l0[2 * H:] = 0
        model.bias_ih_l0[2 * H:] = 0.3
    out, _ = model(torch.randn(T, B, I, dtype=F64), torch.full((1, B, H), 0.8, dtype=F64))
    close(out, torch.full_like(out, 0.8))


# ---- torch: gradients ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_gradcheck(kind, mode):
    model = build(kind, 2, mode)
    names = [n for n, _ in model.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]
    x = torch.randn(4, 2, I, dtype=F64, requires_grad=True)
    h0 = (torch.rand(2, 2, H, dtype=F64) + 0.5).requires_grad_()

    def fn(x, h0, *ps):
        out, hn = torch.func.functional_call(model, dict(zip(names, ps)), (x, h0))
        return out, hn

    assert torch.autograd.gradcheck(fn, (x, h0, *params))


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_agree_across_modes_at_k_h_zero(kind):
    """Zero inputs (padding, say) without biases give k_h = 0 exactly, where g has a kink: every mode
    must take the same (right-hand) derivative there, g'(0) = 1, (log g)'(0) = 2."""
    grads = []
    for mode in MODES:
        model = build(kind, 2, mode, bias=False)
        x = torch.zeros(T, B, I, dtype=F64, requires_grad=True)
        out, hn = model(x)
        (out.sum() + hn.sum()).backward()
        grads.append([x.grad] + [p.grad for p in model.parameters()])
        _, _, cache = nmin.min_rnn_forward(kind, x.detach().numpy(), numpy_params(model), 2, mode=mode)
        dx, dparams, _ = nmin.min_rnn_backward(np.ones(out.shape), np.ones(hn.shape), cache)
        grads.append([torch.tensor(dx)] + [torch.tensor(v) for v in dparams.values()])
    for other in grads[1:]:
        for got, want in zip(other, grads[0]):
            close(got, want)


# ---- torch: errors ------------------------------------------------------------------------------------------
def test_bad_input_raises():
    model = build("minGRU", 2, "log")
    x = torch.randn(T, B, I, dtype=F64)
    with pytest.raises(InputError, match="feature size"):
        model(torch.randn(T, B, I + 1, dtype=F64))
    with pytest.raises(InputError, match="at least one time step"):
        model(x[:0])
    with pytest.raises(InputError, match="h0 has the wrong shape"):
        model(x, positive_h0(1))
    with pytest.raises(InputError, match="h0 has the wrong shape"):
        model(x, positive_h0(2, batched=False))
    with pytest.raises(InputError, match="positive h0"):
        model(x, -positive_h0(2))
    with pytest.raises(InputError, match="positive h0"):
        model(x, torch.zeros(2, B, H, dtype=F64))
    same_weights(model, "scan")(x, -positive_h0(2))    # fine outside log space
    with pytest.raises(ValueError, match="positive=True"):
        MinGRU(I, H, mode="log", positive=False)
    with pytest.raises(ValueError, match="mode must be one of"):
        MinLSTM(I, H, mode="parallel")
    with pytest.raises(ValueError, match="kind"):
        MinRNN("minRNN", I, H)
    with pytest.raises(ValueError, match="hidden_size"):
        MinGRU(I, 0)


# ---- torch: inside the chapters' SequenceModel --------------------------------------------------------------
@pytest.mark.parametrize("core", [MinGRU, MinLSTM])
@pytest.mark.parametrize("many_to_one", [True, False])
def test_inside_sequence_model(core, many_to_one):
    torch.manual_seed(0)
    model = SequenceModel(core(I, H, batch_first=True), 3, many_to_one=many_to_one)
    x = torch.randn(B, T, I)
    y = model(x)
    assert y.shape == ((B, 3) if many_to_one else (B, T, 3))
    y.square().mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


# ---- NumPy twin: forward and the hand-written backward ----------------------------------------------------
def numpy_params(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
def test_numpy_forward_equals_torch(kind, mode, num_layers, bias):
    model = build(kind, num_layers, mode, bias=bias)
    x = 2 * torch.randn(T, B, I, dtype=F64)
    for h0 in [None, positive_h0(num_layers)]:
        out, hn = model(x, h0)
        n_out, n_hn, _ = nmin.min_rnn_forward(kind, x.numpy(), numpy_params(model), num_layers,
                                              None if h0 is None else h0.numpy(), mode=mode)
        np.testing.assert_allclose(n_out, out.detach().numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(n_hn, hn.detach().numpy(), rtol=1e-12, atol=1e-13)


def torch_and_numpy_grads(kind, mode, num_layers, bias, positive, with_h0):
    model = build(kind, num_layers, mode, bias=bias, positive=positive)
    x = (2 * torch.randn(T, B, I, dtype=F64)).requires_grad_()
    h0 = None
    if with_h0:
        h0 = (positive_h0(num_layers) if positive else torch.randn(num_layers, B, H, dtype=F64)).requires_grad_()
    out, hn = model(x, h0)
    dout, dhn = torch.randn_like(out), torch.randn_like(hn)
    ((out * dout).sum() + (hn * dhn).sum()).backward()
    expected = {"x": x.grad, "h0": None if h0 is None else h0.grad}
    expected.update({n: p.grad for n, p in model.named_parameters()})
    params = numpy_params(model)
    _, _, cache = nmin.min_rnn_forward(kind, x.detach().numpy(), params, num_layers,
                                       None if h0 is None else h0.detach().numpy(), mode=mode, positive=positive)
    dx, grads, dh0 = nmin.min_rnn_backward(dout.numpy(), dhn.numpy(), cache)
    return expected, dict(grads, x=dx, h0=dh0), params, (x, h0, dout, dhn)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_numpy_backward_equals_autograd(kind, mode, num_layers, with_h0):
    expected, got, params, _ = torch_and_numpy_grads(kind, mode, num_layers, True, True, with_h0)
    assert list(got)[:len(params)] == list(params)                 # keyed and ordered like the state_dict
    assert (got["h0"] is None) == (not with_h0)
    for name, want in expected.items():
        if want is None:
            continue
        np.testing.assert_allclose(got[name], want.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_backward_without_bias_or_positivity(kind):
    expected, got, params, _ = torch_and_numpy_grads(kind, "scan", 2, False, False, True)
    assert set(params) == {"weight_ih_l0", "weight_ih_l1"}
    for name, want in expected.items():
        np.testing.assert_allclose(got[name], want.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_numpy_backward_with_only_one_of_the_gradients():
    model = build("minGRU", 2, "log")
    x = torch.randn(T, B, I, dtype=F64)
    out, hn, cache = nmin.min_rnn_forward("minGRU", x.numpy(), numpy_params(model), 2)
    ones_out = nmin.min_rnn_backward(np.ones_like(out), None, cache)
    ones_hn = nmin.min_rnn_backward(None, np.ones_like(hn), cache)
    both = nmin.min_rnn_backward(np.ones_like(out), np.ones_like(hn), cache)
    np.testing.assert_allclose(ones_out[0] + ones_hn[0], both[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_backward_finite_differences(kind):
    _, got, params, (x, h0, dout, dhn) = torch_and_numpy_grads(kind, "log", 2, True, True, True)
    x, h0, dout, dhn = (v.detach().numpy() for v in (x, h0, dout, dhn))

    def loss(x, params, h0):
        out, hn, _ = nmin.min_rnn_forward(kind, x, params, 2, h0)
        return float(np.sum(out * dout) + np.sum(hn * dhn))

    eps = 1e-6
    entries = [("x", (0, 0, 0)), ("x", (T - 1, 1, 2)), ("h0", (0, 1, 3)), ("h0", (1, 0, 0)),
               ("weight_ih_l0", (0, 0)), ("weight_ih_l0", (2 * H - 1, 2)), ("weight_ih_l1", (H + 1, 3)),
               ("bias_ih_l0", (H,)), ("bias_ih_l1", (0,))]
    for name, index in entries:
        def shifted(delta, name=name, index=index):
            xs, hs, ps = x.copy(), h0.copy(), {k: v.copy() for k, v in params.items()}
            {"x": xs, "h0": hs}.get(name, ps.get(name))[index] += delta
            return loss(xs, ps, hs)

        numeric = (shifted(eps) - shifted(-eps)) / (2 * eps)
        assert abs(numeric - got[name][index]) < 1e-7 * max(1.0, abs(numeric)), (name, index)


@pytest.mark.parametrize("fn, grad", [(nmin.g, nmin.g_grad), (nmin.log_g, nmin.log_g_grad)])
def test_numpy_candidate_and_its_derivative(fn, grad):
    from seqlearn.torch.minrnn import g, log_g
    # within ±20: torch's softplus returns x itself above its threshold of 20, dropping log1p(e^-x) ≈ 2e-9
    v = np.concatenate([np.linspace(-20, -1e-3, 50), np.linspace(0, 20, 50)])
    t = torch.tensor(v, requires_grad=True)
    out = (g if fn is nmin.g else log_g)(t)
    out.sum().backward()
    np.testing.assert_allclose(fn(v), out.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(grad(v), t.grad.numpy(), rtol=1e-12)
    assert np.all(nmin.g(v) > 0)
    far = np.array([-40.0, -800.0])           # log σ(x) = x - log(1 + e^x), without overflow or underflow
    np.testing.assert_allclose(nmin.log_g(far), far - np.log1p(np.exp(far)), rtol=1e-15)
    assert nmin.g(far)[0] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-14)


def test_numpy_bad_input_raises():
    params = numpy_params(build("minLSTM", 2))
    x = np.random.default_rng(0).standard_normal((T, B, I))
    with pytest.raises(InputError, match="feature size"):
        nmin.min_rnn_forward("minLSTM", x[..., :2], params, 2)
    with pytest.raises(InputError, match="3-D"):
        nmin.min_rnn_forward("minLSTM", x[:, 0], params, 2)
    with pytest.raises(InputError, match="at least one time step"):
        nmin.min_rnn_forward("minLSTM", x[:0], params, 2)
    with pytest.raises(InputError, match="h0 has the wrong shape"):
        nmin.min_rnn_forward("minLSTM", x, params, 2, np.ones((1, B, H)))
    with pytest.raises(InputError, match="positive h0"):
        nmin.min_rnn_forward("minLSTM", x, params, 2, np.zeros((2, B, H)))
    nmin.min_rnn_forward("minLSTM", x, params, 2, -np.ones((2, B, H)), mode="scan")
    with pytest.raises(ValueError, match="positive=True"):
        nmin.min_rnn_forward("minLSTM", x, params, 2, mode="log", positive=False)
    with pytest.raises(ValueError, match="mode"):
        nmin.min_rnn_forward("minLSTM", x, params, 2, mode="fast")
    with pytest.raises(InputError, match="weight_ih_l0"):      # a minGRU's 2H rows, run as a minLSTM
        nmin.min_rnn_forward("minLSTM", x, numpy_params(build("minGRU", 2)), 2)
    with pytest.raises(InputError, match="weight_ih_l1"):      # 3H = 12 rows read as 2 blocks of 6
        nmin.min_rnn_forward("minGRU", x, params, 2)


def test_numpy_modules_import_no_torch():
    code = "import seqlearn.numpy.minrnn, seqlearn.numpy.scan, sys; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- CUDA ---------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("kind", KINDS)
def test_cuda_matches_cpu(kind):
    x, h0 = torch.randn(T, B, I, dtype=F64), positive_h0(2)
    for mode in MODES:
        model = build(kind, 2, mode)
        out, hn = model(x, h0)
        cuda = same_weights(model, mode).cuda()
        out_c, hn_c = cuda(x.cuda(), h0.cuda())
        assert out_c.is_cuda
        close(out_c.cpu(), out, 1e-10)
        close(hn_c.cpu(), hn, 1e-10)
        out_c.sum().backward()
        assert all(torch.isfinite(p.grad).all() for p in cuda.parameters())
