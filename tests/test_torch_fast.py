"""seqlearn.torch's fast paths (fast.py) give layers.py's numbers, and torch.nn's, in float64.

fast.py has two kinds of loop: inference (no gradient wanted), and training (under autograd, with a
hand-written backward), each for the RNN, the vanilla LSTM and torch's GRU. Each test runs the fast path, the plain path
(fast.ENABLED = False) and torch.nn on the same weights and inputs.
"""
import itertools

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils._python_dispatch import TorchDispatchMode

import seqlearn.torch as st
from seqlearn.torch import fast

f64 = torch.float64
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
SHAPES = list(itertools.product([1, 2], [False, True], [True, False], [False, True]))   # L, bi, bias, batch_first


def pair(kind, **options):
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(4, 5, dtype=f64, **options)
    ours = getattr(st, kind)(4, 5, dtype=f64, **options)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def flat(result):
    out, state = result
    return [out, *(state if isinstance(state, tuple) else (state,))]


def initial(kind, L, D, B):
    h0 = torch.randn(L * D, B, 5, dtype=f64, requires_grad=True)
    return (h0, torch.randn_like(h0).requires_grad_()) if kind == "LSTM" else h0


def run_all(kind, options, L, bi, bias, batch_first, grad):
    """[(output, states...), grads] of torch.nn, the fast path and the plain path."""
    ref, ours = pair(kind, num_layers=L, bidirectional=bi, bias=bias, batch_first=batch_first, **options)
    x = torch.randn(3, 6, 4, dtype=f64, requires_grad=grad)
    hx = initial(kind, L, 2 if bi else 1, 3 if batch_first else 6)
    leaves = [x, *(hx if isinstance(hx, tuple) else (hx,))]
    results = []
    for model, enabled in [(ref, True), (ours, True), (ours, False)]:
        fast.ENABLED = enabled
        try:
            with torch.set_grad_enabled(grad):
                outs = flat(model(x, hx))
            grads = []
            if grad:
                cotangents = [torch.ones_like(o).mul_(torch.arange(o.numel(), dtype=f64).view_as(o).sin())
                              for o in outs]
                grads = torch.autograd.grad(outs, leaves + list(model.parameters()), cotangents)
        finally:
            fast.ENABLED = True
        results.append(([o.detach() for o in outs], grads))
    return results


@pytest.mark.parametrize("kind,options", KINDS)
@pytest.mark.parametrize("L,bi,bias,batch_first", SHAPES)
def test_inference_matches_torch_nn_and_the_plain_loop(kind, options, L, bi, bias, batch_first):
    (ref, _), (fast_out, _), (plain_out, _) = run_all(kind, options, L, bi, bias, batch_first, grad=False)
    for a, b, c in zip(ref, fast_out, plain_out):
        torch.testing.assert_close(b, a, rtol=1e-12, atol=1e-13)
        torch.testing.assert_close(b, c, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind,options", KINDS)
@pytest.mark.parametrize("L,bi,bias,batch_first", SHAPES)
def test_training_matches_torch_nn_and_the_plain_loop(kind, options, L, bi, bias, batch_first):
    """Under autograd each cell runs its layer Function; every output and every gradient must agree."""
    (ref, ref_g), (fast_out, fast_g), (plain_out, plain_g) = run_all(kind, options, L, bi, bias, batch_first,
                                                                     grad=True)
    for a, b, c in zip(ref + list(ref_g), fast_out + list(fast_g), plain_out + list(plain_g)):
        torch.testing.assert_close(b, a, rtol=1e-11, atol=1e-12)
        torch.testing.assert_close(b, c, rtol=1e-11, atol=1e-12)


def test_which_path_runs():
    """path() picks inference without gradients, a whole-layer Function under autograd, and layers.py's
    loop for what fast.py leaves out."""
    x = torch.randn(3, 2, 4, dtype=f64)
    for kind, _ in KINDS:
        _, ours = pair(kind)
        w = ours._weights(0, 0)
        state = tuple(torch.zeros(2, 5, dtype=f64) for _ in range(ours.num_state))
        with torch.no_grad():
            assert fast.path(ours, x, state, w, None) is fast.inference
        training = {"LSTM": fast.lstm_training, "GRU": fast.gru_training}.get(kind, fast.rnn_training)
        assert fast.path(ours, x, state, w, None) is training
        assert fast.path(ours, x, state, w, torch.ones(3, 2, 1, dtype=torch.bool)) is None   # padding
        fast.ENABLED = False
        try:
            with torch.no_grad():
                assert fast.path(ours, x, state, w, None) is None
        finally:
            fast.ENABLED = True
    for model in [st.LSTM(4, 5, proj_size=2, dtype=f64), st.LSTM(4, 5, variant="CIFG", dtype=f64),
                  st.GRU(4, 5, reset_after=False, dtype=f64)]:
        state = (torch.zeros(2, model.proj_size or 5, dtype=f64), torch.zeros(2, 5, dtype=f64))[:model.num_state]
        with torch.no_grad():
            assert fast.path(model, x, state, model._weights(0, 0), None) is None


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_the_layer_is_one_autograd_node(kind):
    _, ours = pair(kind)
    out, _ = ours(torch.randn(3, 2, 4, dtype=f64, requires_grad=True))
    assert type(out.grad_fn).__name__ == f"_{kind}LayerBackward"


@pytest.mark.parametrize("kind,used", [("LSTM", "output"), ("LSTM", "h_n"), ("LSTM", "c_n"), ("GRU", "output"),
                                       ("GRU", "h_n"), ("RNN", "output"), ("RNN", "h_n")])
def test_gradient_of_one_output_only(kind, used):
    """A loss that reads only one of (output, h_n, c_n): the others' gradients are zeros, not errors."""
    ref, ours = pair(kind, num_layers=2, bidirectional=True)
    x = torch.randn(4, 3, 4, dtype=f64, requires_grad=True)
    got = []
    for model in (ref, ours):
        out, state = model(x)
        h_n, c_n = state if kind == "LSTM" else (state, None)
        loss = {"output": out, "h_n": h_n, "c_n": c_n}[used].pow(2).sum()
        got.append(torch.autograd.grad(loss, [x] + list(model.parameters())))
    for a, b in zip(*got):
        torch.testing.assert_close(b, a, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_backward_twice_with_retain_graph_and_create_graph(kind):
    """retain_graph: the hand-written backward runs twice; create_graph: the plain loop's, exact."""
    ref, ours = pair(kind)
    x = torch.randn(5, 2, 4, dtype=f64, requires_grad=True)
    for model in (ref, ours):
        out, _ = model(x)
        (g1,) = torch.autograd.grad(out.sum(), x, retain_graph=True)
        (g2,) = torch.autograd.grad(out.sum(), x, create_graph=True)
        torch.testing.assert_close(g1, g2)
        (gg,) = torch.autograd.grad(g2.pow(2).sum(), x)
        model.result = (g1, gg)
    for a, b in zip(ref.result, ours.result):
        torch.testing.assert_close(b, a, rtol=1e-10, atol=1e-12)


def test_inference_leaves_the_initial_state_alone():
    """The in-place loop writes into its own buffers, never into h_0 or c_0."""
    _, ours = pair("LSTM")
    h0, c0 = torch.randn(1, 2, 5, dtype=f64), torch.randn(1, 2, 5, dtype=f64)
    before = (h0.clone(), c0.clone())
    with torch.no_grad():
        ours(torch.randn(3, 2, 4, dtype=f64), (h0, c0))
    assert torch.equal(h0, before[0]) and torch.equal(c0, before[1])


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")      # inside torch.nn's forward AD
def test_packed_forward_ad_and_vmap_take_the_plain_path():
    """Cases fast.py does not handle still give torch.nn's numbers (layers.py runs them)."""
    ref, ours = pair("LSTM")
    x = torch.randn(4, 3, 4, dtype=f64)
    packed = pack_padded_sequence(x, [4, 2, 1])
    with torch.no_grad():
        torch.testing.assert_close(ours(packed)[0].data, ref(packed)[0].data)
    tangent = torch.randn_like(x)
    with fwAD.dual_level():
        jvp = [fwAD.unpack_dual(m(fwAD.make_dual(x, tangent))[0]).tangent for m in (ref, ours)]
    torch.testing.assert_close(jvp[1], jvp[0])
    batched = torch.func.vmap(lambda xb: ours(xb)[0], in_dims=1, out_dims=1)(x)
    torch.testing.assert_close(batched, ref(x)[0].detach())


class _CountOperators(TorchDispatchMode):
    """Counts the ATen operators that run, below Python and autograd (the backward pass's too)."""

    def __enter__(self):
        self.calls = 0
        return super().__enter__()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def _calls_per_step(kind, backward):
    """ATen operators per time step of one layer's inference, or of its backward pass: T = 20 minus T = 10."""
    counts = []
    for T in (10, 20):
        torch.manual_seed(0)
        model = getattr(st, kind)(4, 5)
        x = torch.randn(T, 3, 4, requires_grad=backward)
        with _CountOperators() as counter:
            if backward:
                out, _ = model(x)
                counter.calls = 0                      # count the backward pass only
                out.backward(torch.ones_like(out))
            else:
                with torch.no_grad():
                    model(x)
        counts.append(counter.calls)
    assert (counts[1] - counts[0]) % 10 == 0, counts
    return (counts[1] - counts[0]) // 10


@pytest.mark.parametrize("kind,inference,backward", [("RNN", 2, 3), ("LSTM", 7, 6), ("GRU", 6, 4)])
def test_operators_per_step_are_those_the_docstring_and_chapter_15_state(kind, inference, backward):
    assert _calls_per_step(kind, backward=False) == inference
    assert _calls_per_step(kind, backward=True) == backward
