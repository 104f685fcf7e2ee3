"""The sLSTM of xLSTM in both backends: stabiliser against naive, overflow, torch against the equations,
NumPy against torch (forward and hand-written BPTT), gradcheck, errors, CUDA."""
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from seqlearn._checks import InputError
from seqlearn.numpy import slstm as nps
from seqlearn.torch.slstm import SLSTM, slstm_step

I, H, T, B = 3, 4, 20, 2
MODES = [(s, f) for s in (True, False) for f in ("exp", "sigmoid")]
MODE_IDS = [f"{'stab' if s else 'naive'}-{f}" for s, f in MODES]


def make(stabilised=True, forget="exp", dtype=torch.float64, seed=0, **kw):
    torch.manual_seed(seed)
    return SLSTM(I, H, stabilised=stabilised, forget=forget, dtype=dtype, **kw)


def twin(model, **kw):
    """The same weights in a model with other options."""
    other = SLSTM(I, H, dtype=model.weight_ih.dtype, **kw)
    other.load_state_dict(model.state_dict())
    return other


def random_state(batch=B, seed=1, dtype=torch.float64):
    """(h_0, c_0, n_0, m_0) with n_0 > 0, as a state after a few steps would be."""
    g = torch.Generator().manual_seed(seed)
    h, c, m = (torch.randn(batch, H, generator=g, dtype=dtype) for _ in range(3))
    n = torch.rand(batch, H, generator=g, dtype=dtype) + 0.5
    return h, c, n, m


def params_of(model):
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


# ---- 1. the stabiliser is a change of units: same h, c scaled by exp(-m)
@pytest.mark.parametrize("forget", ["exp", "sigmoid"])
def test_stabilised_equals_naive(forget):
    stab = make(True, forget)
    naive = twin(stab, stabilised=False, forget=forget)
    x = 1.5 * torch.randn(T, B, I, dtype=torch.float64)
    with torch.no_grad():
        out_s, (_, c_s, n_s, m_s) = stab(x)
        out_n, (_, c_n, n_n, m_n) = naive(x)
        assert m_s.abs().max() > 0.5              # the stabiliser did move away from 0
        assert torch.equal(m_n, torch.zeros_like(m_n))
        torch.testing.assert_close(out_s, out_n, rtol=0, atol=1e-12)
        torch.testing.assert_close(c_s, c_n * torch.exp(-m_s), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(n_s, n_n * torch.exp(-m_s), rtol=1e-12, atol=1e-12)
        # and at every step, through slstm_step
        s_state = n_state = tuple(torch.zeros(B, H, dtype=torch.float64) for _ in range(4))
        gx = x @ stab.weight_ih.T + stab.bias
        for t in range(T):
            s_state = slstm_step(gx[t] + s_state[0] @ stab.weight_hh.T, s_state, True, forget)
            n_state = slstm_step(gx[t] + n_state[0] @ stab.weight_hh.T, n_state, False, forget)
            torch.testing.assert_close(s_state[1], n_state[1] * torch.exp(-s_state[3]), rtol=1e-12, atol=1e-12)
            torch.testing.assert_close(s_state[0], n_state[0], rtol=0, atol=1e-12)


def test_stabilised_gates_never_exceed_one():
    model = make()
    x = 3 * torch.randn(T, B, I, dtype=torch.float64)
    state = tuple(torch.zeros(B, H, dtype=torch.float64) for _ in range(4))
    with torch.no_grad():
        for t in range(T):
            a = x[t] @ model.weight_ih.T + model.bias + state[0] @ model.weight_hh.T
            a_i, a_f = a[:, :H], a[:, H:2 * H]
            m_new = slstm_step(a, state, True, "exp")[3]
            i, f = torch.exp(a_i - m_new), torch.exp(a_f + state[3] - m_new)
            assert i.max() <= 1 and f.max() <= 1
            assert torch.equal(torch.maximum(i, f), torch.ones_like(i))      # one of them is exactly 1
            state = slstm_step(a, state, True, "exp")


# ---- 2. overflow: where exp runs out of range, and what the stabiliser does about it
def test_exp_overflow_thresholds():
    assert math.log(torch.finfo(torch.float32).max) == pytest.approx(88.72, abs=0.01)
    assert math.log(torch.finfo(torch.float64).max) == pytest.approx(709.78, abs=0.01)
    for dtype, below, above in [(torch.float32, 88.7, 88.8), (torch.float64, 709.7, 709.8)]:
        assert torch.isfinite(torch.exp(torch.tensor(below, dtype=dtype)))
        assert torch.isinf(torch.exp(torch.tensor(above, dtype=dtype)))


def with_input_bias(model, shift, dtype):
    """A copy in ``dtype`` whose input-gate bias is raised by ``shift``, so ĩ ≈ shift."""
    other = twin(model, stabilised=model.stabilised, forget=model.forget).to(dtype)
    with torch.no_grad():
        other.bias[:H] += shift
    return other


@pytest.mark.parametrize("forget", ["exp", "sigmoid"])
@pytest.mark.parametrize("dtype,shift", [(torch.float32, 100.0), (torch.float32, 800.0), (torch.float64, 800.0)],
                         ids=["f32-100", "f32-800", "f64-800"])
def test_overflow(forget, dtype, shift):
    base = make(True, forget)
    x = torch.randn(8, B, I, dtype=torch.float64)
    # Raising every ĩ by the same amount multiplies the naive c and n by e^shift and leaves h alone, so the
    # model without the shift, where nothing overflows, is the float64 reference.
    with torch.no_grad():
        reference = twin(base, stabilised=False, forget=forget)(x)[0]
        naive = with_input_bias(twin(base, stabilised=False, forget=forget), shift, dtype)
        out_naive = naive(x.to(dtype))[0]
        assert not torch.isfinite(out_naive).any()              # exp(ĩ) = inf, so h = inf / inf = nan
        stab = with_input_bias(base, shift, dtype)
        out, (_, c, n, m) = stab(x.to(dtype))
        assert torch.isfinite(out).all() and torch.isfinite(c).all() and torch.isfinite(n).all()
        assert m.min() > shift - 10                             # the size of ĩ went into m
        # float32 keeps ĩ - m_t to about shift * 6e-8
        atol = 1e-12 if dtype == torch.float64 else 2e-6 * shift / 100
        torch.testing.assert_close(out.double(), reference, rtol=0, atol=atol)


def test_float64_naive_survives_what_float32_does_not():
    base = make(False, "exp")
    x = torch.randn(8, B, I, dtype=torch.float64)
    with torch.no_grad():
        out64 = with_input_bias(base, 100.0, torch.float64)(x)[0]
        out32 = with_input_bias(base, 100.0, torch.float32)(x.float())[0]
        torch.testing.assert_close(out64, base(x)[0], rtol=0, atol=1e-12)
        assert torch.isnan(out32).all()


# ---- 3. torch against the equations written out, one number at a time
def sig(v):
    return 1 / (1 + math.exp(-v))


def plain_slstm(x, w_ih, w_hh, b, stabilised, forget):
    """The equations as plain Python loops over floats: x is T lists of B lists of I numbers."""
    batch = len(x[0])
    h, c, n, m = ([[0.0] * H for _ in range(batch)] for _ in range(4))
    outputs = []
    for x_t in x:
        out_t = []
        for k in range(batch):
            a = [b[r] + sum(w_ih[r][j] * x_t[k][j] for j in range(I)) + sum(w_hh[r][j] * h[k][j] for j in range(H))
                 for r in range(4 * H)]
            for u in range(H):
                ai, af, az = a[u], a[H + u], a[2 * H + u]
                log_f = af if forget == "exp" else math.log(sig(af))
                if stabilised:
                    m_new = max(log_f + m[k][u], ai)
                    i, f = math.exp(ai - m_new), math.exp(log_f + m[k][u] - m_new)
                    m[k][u] = m_new
                else:
                    i, f = math.exp(ai), math.exp(log_f)
                c[k][u] = f * c[k][u] + i * math.tanh(az)
                n[k][u] = f * n[k][u] + i
            h[k] = [sig(a[3 * H + u]) * c[k][u] / n[k][u] for u in range(H)]
            out_t.append(h[k])
        outputs.append(out_t)
    return tuple(torch.tensor(v, dtype=torch.float64) for v in (outputs, c, n, m))


@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_torch_against_plain_loops(stabilised, forget):
    model = make(stabilised, forget)
    x = 1.5 * torch.randn(6, B, I, dtype=torch.float64)
    with torch.no_grad():
        out, (h, c, n, m) = model(x)
    ref_out, ref_c, ref_n, ref_m = plain_slstm(x.tolist(), model.weight_ih.tolist(), model.weight_hh.tolist(),
                                               model.bias.tolist(), stabilised, forget)
    torch.testing.assert_close(out, ref_out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h, ref_out[-1], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close((c, n, m), (ref_c, ref_n, ref_m), rtol=1e-12, atol=1e-12)


def test_layouts_batch_first_and_unbatched():
    model = make()
    bf = twin(model, batch_first=True)
    x = torch.randn(5, B, I, dtype=torch.float64)
    state = random_state()
    with torch.no_grad():
        out, final = model(x, state)
        out_bf, final_bf = bf(x.transpose(0, 1), state)
        out_one, final_one = model(x[:, 1], tuple(s[1] for s in state))
    torch.testing.assert_close(out_bf, out.transpose(0, 1), rtol=0, atol=0)
    torch.testing.assert_close(final_bf, final, rtol=0, atol=0)
    assert out_one.shape == (5, H) and all(s.shape == (H,) for s in final_one)
    torch.testing.assert_close(out_one, out[:, 1], rtol=0, atol=1e-15)
    torch.testing.assert_close(final_one, tuple(s[1] for s in final), rtol=0, atol=1e-15)


def test_parameters_and_initialisation():
    model = SLSTM(I, 50)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {"weight_ih": (200, I), "weight_hh": (200, 50), "bias": (200,)}
    k = 1 / math.sqrt(50)
    for p in model.parameters():
        assert p.dtype == torch.float32 and p.abs().max() <= k and p.abs().max() > 0.9 * k
    assert repr(SLSTM(2, 3, forget="sigmoid", stabilised=False)) == "SLSTM(2, 3, stabilised=False, forget='sigmoid')"


# ---- 4. NumPy forward against torch
@pytest.mark.parametrize("given_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_numpy_forward_equals_torch(stabilised, forget, given_state):
    model = make(stabilised, forget)
    x = 1.5 * torch.randn(T, B, I, dtype=torch.float64)
    state = random_state() if given_state else None
    with torch.no_grad():
        out, final = model(x, state)
    np_state = None if state is None else tuple(s.numpy() for s in state)
    got, got_final, caches = nps.slstm_forward(x.numpy(), params_of(model), np_state, stabilised, forget)
    assert got.shape == (T, B, H) and len(caches) == T
    np.testing.assert_allclose(got, out.numpy(), rtol=0, atol=1e-12)
    for g, f in zip(got_final, final):
        np.testing.assert_allclose(g, f.numpy(), rtol=1e-12, atol=1e-12)


# ---- 5. hand-written BPTT against autograd (m not detached) and finite differences
def torch_gradients(model, x, state, weight):
    """Gradients of sum(output * weight) for x, the parameters and h_0, c_0, n_0 (m_0 a constant)."""
    x = x.clone().requires_grad_()
    h0, c0, n0, m0 = (s.clone() for s in state)
    leaves = [h0.requires_grad_(), c0.requires_grad_(), n0.requires_grad_()]
    out, _ = model(x, (h0, c0, n0, m0))
    loss = (out * weight).sum()
    return torch.autograd.grad(loss, [x, *model.parameters(), *leaves])


def numpy_gradients(model, x, state, weight, stabilised, forget):
    params = params_of(model)
    _, _, caches = nps.slstm_forward(x.numpy(), params, tuple(s.numpy() for s in state), stabilised, forget)
    dx, grads, dstate0 = nps.slstm_backward(weight.numpy(), caches, params)
    assert list(grads) == list(params)
    return [dx, *grads.values(), *dstate0]


@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_numpy_backward_equals_autograd(stabilised, forget):
    model = make(stabilised, forget)
    x = 1.5 * torch.randn(T, B, I, dtype=torch.float64)
    state, weight = random_state(), torch.randn(T, B, H, dtype=torch.float64)
    expected = torch_gradients(model, x, state, weight)
    got = numpy_gradients(model, x, state, weight, stabilised, forget)
    names = ["x", "weight_ih", "weight_hh", "bias", "h_0", "c_0", "n_0"]
    for name, g, e in zip(names, got, expected):
        assert g.shape == tuple(e.shape), name
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)
        assert np.abs(g).max() > 1e-6, name       # a gradient that is really there


def step_with_given_m(gates, state, m_new, forget="exp"):
    """The stabilised step with m_t given instead of computed: any m_t is allowed, h should not notice."""
    c, n, m = state[1:]
    a_i, a_f, a_z, a_o = gates.chunk(4, dim=1)
    log_f = a_f if forget == "exp" else torch.nn.functional.logsigmoid(a_f)
    i, f = torch.exp(a_i - m_new), torch.exp(log_f + m - m_new)
    c_new, n_new = f * c + i * torch.tanh(a_z), f * n + i
    return torch.sigmoid(a_o) * c_new / n_new, c_new, n_new, m_new


@pytest.mark.parametrize("forget", ["exp", "sigmoid"])
def test_h_ignores_m_and_so_does_the_gradient(forget):
    """Run the recursion with m_t = the max (autograd through it), with the same m_t as constants, and with
    random m_t: the same h, and the same gradients, which is why the NumPy backward may hold m constant."""
    model = make(True, forget)
    x = 2 * torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(T, B, H, dtype=torch.float64)
    zeros = tuple(torch.zeros(B, H, dtype=torch.float64) for _ in range(4))

    def gx(t, s):
        return x[t] @ model.weight_ih.T + model.bias + s[0] @ model.weight_hh.T

    s, outs, ms = zeros, [], []
    for t in range(T):
        s = slstm_step(gx(t, s), s, True, forget)
        outs.append(s[0])
        ms.append(s[3].detach())
    runs = {"max": torch.stack(outs)}
    for name, m_seq in [("constant", ms), ("random", [10 * torch.randn(B, H, dtype=torch.float64) for _ in ms])]:
        s, outs = zeros, []
        for t in range(T):
            s = step_with_given_m(gx(t, s), s, m_seq[t], forget)
            outs.append(s[0])
        runs[name] = torch.stack(outs)
    grads = {name: torch.autograd.grad((out * weight).sum(), [x, *model.parameters()])
             for name, out in runs.items()}
    for name in ("constant", "random"):
        torch.testing.assert_close(runs[name], runs["max"], rtol=0, atol=1e-12)
        for g, g_max in zip(grads[name], grads["max"]):
            torch.testing.assert_close(g, g_max, rtol=1e-10, atol=1e-12)


def test_chunked_backward_equals_whole():
    """Backward over two halves, the second handing (dh, dc, dn) to the first, equals backward over the whole."""
    model = make(True, "exp")
    params = params_of(model)
    rng = np.random.default_rng(0)
    x, weight = 1.5 * rng.standard_normal((T, B, I)), rng.standard_normal((T, B, H))
    _, _, caches = nps.slstm_forward(x, params)
    dx, grads, d0 = nps.slstm_backward(weight, caches, params)
    _, mid, caches1 = nps.slstm_forward(x[:T // 2], params)
    _, _, caches2 = nps.slstm_forward(x[T // 2:], params, mid)
    dx2, grads2, dmid = nps.slstm_backward(weight[T // 2:], caches2, params)
    dx1, grads1, d01 = nps.slstm_backward(weight[:T // 2], caches1, params, dmid)
    np.testing.assert_allclose(np.concatenate([dx1, dx2]), dx, rtol=1e-10, atol=1e-12)
    for name in params:
        np.testing.assert_allclose(grads1[name] + grads2[name], grads[name], rtol=1e-10, atol=1e-12)
    for a, b in zip(d01, d0):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_numpy_backward_finite_differences(stabilised, forget):
    model = make(stabilised, forget)
    params = params_of(model)
    rng = np.random.default_rng(3)
    x = 1.5 * rng.standard_normal((8, B, I))
    weight = rng.standard_normal((8, B, H))
    state = tuple(s.numpy() for s in random_state())

    def loss(x, params, state):
        return (nps.slstm_forward(x, params, state, stabilised, forget)[0] * weight).sum()

    _, _, caches = nps.slstm_forward(x, params, state, stabilised, forget)
    dx, grads, (dh0, dc0, dn0) = nps.slstm_backward(weight, caches, params)
    checks = [("weight_ih", (1, 2), grads["weight_ih"]), ("weight_hh", (H + 1, 3), grads["weight_hh"]),
              ("bias", (2 * H,), grads["bias"]), ("bias", (3 * H + 2,), grads["bias"]),
              ("x", (3, 1, 0), dx), ("c_0", (0, 1), dc0), ("n_0", (1, 2), dn0), ("h_0", (1, 0), dh0)]
    eps = 1e-6
    for what, index, analytic in checks:
        numeric = []
        for sign in (1, -1):
            p = {k: v.copy() for k, v in params.items()}
            xx, ss = x.copy(), [s.copy() for s in state]
            target = xx if what == "x" else ss[["h_0", "c_0", "n_0"].index(what)] if what.endswith("_0") else p[what]
            target[index] += sign * eps
            numeric.append(loss(xx, p, tuple(ss)))
        assert (numeric[0] - numeric[1]) / (2 * eps) == pytest.approx(analytic[index], rel=1e-6, abs=1e-8), what


# ---- 6. gradcheck
@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_gradcheck(stabilised, forget):
    torch.manual_seed(0)
    model = SLSTM(2, 3, stabilised=stabilised, forget=forget, dtype=torch.float64)
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    h0, c0 = (torch.randn(2, 3, dtype=torch.float64, requires_grad=True) for _ in range(2))
    n0 = (torch.rand(2, 3, dtype=torch.float64) + 0.5).requires_grad_()
    m0 = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    names = [name for name, _ in model.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]

    def run(x, h0, c0, n0, m0, *params):
        out, (_, c, n, _) = torch.func.functional_call(model, dict(zip(names, params)), (x, (h0, c0, n0, m0)))
        return out, c, n

    assert torch.autograd.gradcheck(run, (x, h0, c0, n0, m0, *params))


# ---- 7. bad input
def test_bad_input_raises():
    model = make()
    x = torch.randn(5, B, I, dtype=torch.float64)
    with pytest.raises(InputError, match="input_size=3, got 4"):
        model(torch.randn(5, B, 4, dtype=torch.float64))
    with pytest.raises(InputError, match=r"c_0 has the wrong shape: expected \(2, 4\), got \(2, 5\)"):
        model(x, tuple(torch.ones(B, size, dtype=torch.float64) for size in (H, 5, H, H)))
    with pytest.raises(InputError, match="tuple"):
        model(x, random_state()[:2])
    with pytest.raises(InputError, match="input has dtype torch.float32"):
        model(x.float())
    with pytest.raises(InputError, match="forget must be 'exp' or 'sigmoid', got 'relu'"):
        SLSTM(I, H, forget="relu")
    with pytest.raises(InputError, match="relu"):
        slstm_step(torch.zeros(B, 4 * H), random_state(), forget="relu")
    with pytest.raises(TypeError):
        SLSTM(I, H, stabilised=1)
    params = params_of(model)
    with pytest.raises(InputError, match="input_size=3, got 4"):
        nps.slstm_forward(np.zeros((5, B, 4)), params)
    with pytest.raises(InputError, match="3-D"):
        nps.slstm_forward(np.zeros((5, I)), params)
    with pytest.raises(InputError, match=r"n_0 has the wrong shape"):
        nps.slstm_forward(np.zeros((5, B, I)), params, (np.zeros((B, H)),) * 2 + (np.zeros((3, H)), np.zeros((B, H))))
    with pytest.raises(InputError, match="relu"):
        nps.slstm_forward(np.zeros((5, B, I)), params, forget="relu")


# ---- 8. the NumPy backend stays NumPy
def test_numpy_module_imports_no_torch():
    code = "import sys, seqlearn.numpy.slstm; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- 9. CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("stabilised,forget", MODES, ids=MODE_IDS)
def test_cuda_matches_cpu(stabilised, forget):
    model = make(stabilised, forget)
    x = 1.5 * torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    state = random_state()
    out, final = model(x, state)
    out.sum().backward()
    gpu = twin(model, stabilised=stabilised, forget=forget).cuda()
    x_gpu = x.detach().cuda().requires_grad_()
    out_gpu, final_gpu = gpu(x_gpu, tuple(s.cuda() for s in state))
    assert out_gpu.device.type == "cuda" and all(s.device.type == "cuda" for s in final_gpu)
    out_gpu.sum().backward()
    torch.testing.assert_close(out_gpu.cpu(), out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(tuple(s.cpu() for s in final_gpu), final, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(x_gpu.grad.cpu(), x.grad, rtol=1e-10, atol=1e-12)
    for p, q in zip(gpu.parameters(), model.parameters()):
        torch.testing.assert_close(p.grad.cpu(), q.grad, rtol=1e-10, atol=1e-12)
