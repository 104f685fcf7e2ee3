"""Higher-order gradients of seqlearn.torch, in float64: gradcheck and gradgradcheck over the parity grid,
Hessian-vector products and gradient penalties against torch.nn, torch.func, forward-mode AD.

The RNN and the LSTM run their loop on a detached W_hh and form dW_hh in one product after it (the
fast path: _FastPath and _DeferredWeightGrad in seqlearn/torch/layers.py). These tests are what
shows that the result stays exact at every order, and that ordinary training still takes the fast path.
"""
import gc

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from torch.autograd import gradcheck, gradgradcheck
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence
from torch.utils._python_dispatch import TorchDispatchMode

import seqlearn.torch as st
from conftest import GRID, GRID_IDS, KINDS

I, H, T, B = 2, 3, 3, 2          # small: gradgradcheck differentiates numerically, one input at a time
f64 = torch.float64


def pair(kind, **kw):
    """torch.nn and seqlearn.torch models with the same random weights, in float64."""
    ref = getattr(torch.nn, kind)(I, H, dtype=f64, **kw)
    ours = getattr(st, kind)(I, H, dtype=f64, **kw)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def leaves(kind, num_layers=1, bidirectional=False, batch_first=False, proj_size=0):
    """Input and initial states that require grad: [x, h_0] or [x, h_0, c_0]."""
    LD = num_layers * (2 if bidirectional else 1)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=f64, requires_grad=True)
    states = [torch.randn(LD, B, proj_size or H, dtype=f64, requires_grad=True)]
    if kind == "LSTM":
        states.append(torch.randn(LD, B, H, dtype=f64, requires_grad=True))
    return [x] + states


def as_function(model, kind, n_leaves):
    """fn(x[, h_0[, c_0]], *params) -> (output, h_n[, c_n]); gradcheck perturbs the parameters in place."""
    def fn(x, *rest):
        states = rest[:n_leaves - 1]
        out, hn = model(x, (tuple(states) if kind == "LSTM" else states[0]) if states else None)
        return (out,) + (tuple(hn) if kind == "LSTM" else (hn,))
    return fn


def flat_function(model, kind, n_leaves):
    """fn(x, h_0[, c_0], theta) with all parameters in one vector theta, so that gradcheck's fast mode
    perturbs four tensors instead of one per parameter; returns (fn, theta)."""
    names, shapes = zip(*[(n, p.shape) for n, p in model.named_parameters()])
    sizes = [s.numel() for s in shapes]
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).requires_grad_()

    def fn(x, *rest):
        *states, vector = rest
        params = {n: v.view(s) for n, v, s in zip(names, vector.split(sizes), shapes)}
        hx = (tuple(states) if kind == "LSTM" else states[0]) if states else None
        out, hn = torch.func.functional_call(model, params, (x, hx))
        out = out.data if isinstance(out, PackedSequence) else out
        return (out,) + (tuple(hn) if kind == "LSTM" else (hn,))
    return fn, theta


PROJECTED = [("LSTM", 2, True, False, True, 2), ("LSTM", 3, False, True, False, 1)]      # + proj_size


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,bias,proj_size",
                         [g + (0,) for g in GRID] + PROJECTED,
                         ids=GRID_IDS + [f"LSTM-L{p[1]}-proj{p[5]}" for p in PROJECTED])
def test_gradcheck_and_gradgradcheck_on_the_parity_grid(kind, num_layers, bidirectional, batch_first, bias,
                                                       proj_size):
    """Input, initial states and every parameter at once (fast mode: random projections of the Jacobians)."""
    _, ours = pair(kind, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias,
                   **({"proj_size": proj_size} if proj_size else {}))
    inputs = leaves(kind, num_layers, bidirectional, batch_first, proj_size)
    fn, theta = flat_function(ours, kind, len(inputs))
    assert gradcheck(fn, inputs + [theta], fast_mode=True)
    assert gradgradcheck(fn, inputs + [theta], fast_mode=True)


@pytest.mark.parametrize("kind,options", [(k, {}) for k in KINDS] + [("LSTM", {"proj_size": 2}),
                         ("RNN", {"nonlinearity": "relu"}), ("GRU", {"reset_after": False})])
def test_full_gradgradcheck(kind, options):
    """Every entry of the Jacobians of the gradient, for one layer (slow mode)."""
    ours = pair(kind, **options)[1] if "reset_after" not in options else st.GRU(I, H, dtype=f64, **options)
    inputs = leaves(kind, proj_size=options.get("proj_size", 0))
    fn = as_function(ours, kind, len(inputs))
    inputs += list(ours.parameters())
    assert gradcheck(fn, inputs, fast_mode=False, check_batched_grad=True)
    assert gradgradcheck(fn, inputs, fast_mode=False)


@pytest.mark.parametrize("kind", KINDS)
def test_gradgradcheck_with_packed_input(kind):
    _, ours = pair(kind, num_layers=2, bidirectional=True)
    x = torch.randn(4, 3, I, dtype=f64, requires_grad=True)
    fn, theta = flat_function(ours, kind, 1)

    def packed(x, theta):
        return fn(pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False), theta)
    assert gradcheck(packed, [x, theta], fast_mode=True)
    assert gradgradcheck(packed, [x, theta], fast_mode=True)


@pytest.mark.parametrize("kind", KINDS)
def test_gradgradcheck_with_one_parameter_at_a_time(kind):
    """As torch's module tests do: each parameter alone with the input, the others frozen."""
    _, ours = pair(kind)
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    params = list(ours.parameters())
    fn = as_function(ours, kind, 1)
    for p in params:
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
        assert gradgradcheck(fn, [x] + params, fast_mode=True)
        p.requires_grad_(False)


def loss_of(model, x):
    out, hn = model(x)
    hn = hn if isinstance(hn, tuple) else (hn,)
    return (out.sin() * out).sum() + sum((h ** 3).sum() for h in hn)


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,bias", GRID, ids=GRID_IDS)
def test_hessian_vector_product_matches_torch_nn(kind, num_layers, bidirectional, batch_first, bias):
    """H v with respect to the parameters, allow_unused=True: real values, torch.nn's, never None."""
    models = pair(kind, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    x = leaves(kind, num_layers, bidirectional, batch_first)[0]
    v = [torch.randn_like(p) for p in models[0].parameters()]
    products = []
    for model in models:
        params = list(model.parameters())
        grads = torch.autograd.grad(loss_of(model, x), params, create_graph=True)
        products.append(torch.autograd.grad(grads, params, v, allow_unused=True))
    assert all(p is not None for p in products[1])
    assert max(float((a - b).abs().max()) for a, b in zip(*products)) < 1e-10
    assert any(float(p.abs().max()) > 1e-3 for p in products[1])      # the check compares something


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradient_penalty_and_third_order_match_torch_nn(kind, bidirectional):
    """A gradient penalty |d out / d x|^2 and its derivative along v (third order) for input and parameters."""
    results = []
    for model in pair(kind, num_layers=2, bidirectional=bidirectional):
        x = torch.linspace(-1, 1, T * B * I, dtype=f64).reshape(T, B, I).requires_grad_()
        (gx,) = torch.autograd.grad(loss_of(model, x), x, create_graph=True)
        penalty = (gx ** 2).sum()
        grads = torch.autograd.grad(penalty, [x] + list(model.parameters()), create_graph=True)
        third = torch.autograd.grad(sum((g * g.detach().sin()).sum() for g in grads), [x] + list(model.parameters()))
        results.append(list(grads) + list(third))
    assert max(float((a - b).detach().abs().max()) for a, b in zip(*results)) < 1e-9


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")      # inside torch.func.hessian
@pytest.mark.parametrize("kind", KINDS)
def test_torch_func_grad_and_hessian_match_torch_nn(kind):
    results = []
    for model in pair(kind, bidirectional=True):
        params = {k: v.detach() for k, v in model.named_parameters()}
        x = torch.randn(T, B, I, dtype=f64, generator=torch.Generator().manual_seed(0))

        def loss(p, name=None, w=None):
            return loss_of(lambda inp: torch.func.functional_call(model, {**p, **({name: w} if name else {})}, (inp,)), x)
        grad = torch.func.grad(loss)(params)
        hess = torch.func.hessian(lambda w: loss(params, "weight_hh_l0", w))(params["weight_hh_l0"])
        results.append(list(grad.values()) + [hess])
    assert max(float((a - b).abs().max()) for a, b in zip(*results)) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
def test_vmap_over_sequences_equals_one_at_a_time(kind):
    """torch.func.vmap runs the plain loop (torch.nn's fused kernels have no batching rule)."""
    _, ours = pair(kind, num_layers=2)
    x = torch.randn(4, T, I, dtype=f64)                  # 4 unbatched sequences
    got = torch.func.vmap(lambda seq: ours(seq)[0])(x)
    assert torch.allclose(got, torch.stack([ours(seq)[0] for seq in x]), atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tangent_on", ["input", "weight_hh_l0"])
def test_forward_mode_ad_matches_torch_nn(kind, tangent_on):
    """Tangents on the input (the fast path stays on: identity jvps) or on W_hh (the plain path)."""
    tangents = []
    for model in pair(kind, num_layers=2, bidirectional=True):
        x = torch.randn(T, B, I, dtype=f64, generator=torch.Generator().manual_seed(1))
        params = dict(model.named_parameters())
        with fwAD.dual_level():
            if tangent_on == "input":
                out = model(fwAD.make_dual(x, torch.ones_like(x)))[0]
            else:
                w = params["weight_hh_l0"].detach()
                dual = fwAD.make_dual(w, torch.ones_like(w))
                out = torch.func.functional_call(model, {**params, "weight_hh_l0": dual}, (x,))[0]
            tangents.append(fwAD.unpack_dual(out).tangent.detach())
    assert float(tangents[1].abs().max()) > 1e-3
    assert float((tangents[0] - tangents[1]).abs().max()) < 1e-12


class WeightGradProducts(TorchDispatchMode):
    """Counts the matrix products that produce a (G*H, H) matrix: the shape of dW_hh."""
    def __init__(self, shape):
        super().__init__()
        self.shape, self.count = shape, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func.overloadpacket is torch.ops.aten.mm and tuple(out.shape) == self.shape:
            self.count += 1
        return out


@pytest.mark.parametrize("kind,G", [("RNN", 1), ("LSTM", 4)])
def test_first_order_backward_keeps_one_product_for_dW_hh(kind, G):
    """An ordinary backward forms dW_hh in ONE product; a backward that builds a graph (plain autograd), one
    per step."""
    model = getattr(st, kind)(I, H, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)
    counts = []
    for create_graph in (False, True):
        loss = model(x)[0].pow(2).sum()
        with WeightGradProducts((G * H, H)) as counter:
            torch.autograd.grad(loss, [x, model.weight_hh_l0], create_graph=create_graph)
        counts.append(counter.count)
    assert counts == [1, T]


def live_tensors():
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) in (torch.Tensor, torch.nn.Parameter))


@pytest.mark.parametrize("create_graph", [False, True])
def test_no_reference_cycle_keeps_the_graph_alive(create_graph):
    """The states the fast path keeps for backward are released with the graph (no leak per call)."""
    model = st.LSTM(I, H, num_layers=2, bidirectional=True, dtype=f64)
    x = torch.randn(T, B, I, dtype=f64, requires_grad=True)

    def step():
        grads = torch.autograd.grad(loss_of(model, x), list(model.parameters()), create_graph=create_graph)
        if create_graph:
            torch.autograd.grad(sum(g.sum() for g in grads), x)
    step()
    before = live_tensors()
    for _ in range(3):
        step()
    assert live_tensors() == before
