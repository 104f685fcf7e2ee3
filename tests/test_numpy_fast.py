"""seqlearn.numpy's fast LSTM loop (fast.py) gives layers.py's numbers, and torch.nn's, in float64.

Each test runs the same model with the fast path and with the plain path (``fast.ENABLED = False``),
forward and backward, and compares every output, final state and gradient; the torch.nn tests load the
same weights into torch.nn.LSTM and compare with autograd.
"""
import itertools

import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
from seqlearn.numpy import fast

I, H, T = 4, 5, 6
# num_layers x bidirectional x batch_first x bias x (h_0, c_0) given x grad of (h_n, c_n) given
GRID = list(itertools.product([1, 2], [False, True], [False, True], [True, False], [False, True], [False, True]))
GRID_IDS = [f"L{L}-{'bi' if bi else 'uni'}-{'bf' if bf else 'tf'}-{'bias' if bias else 'nobias'}"
            f"-{'hx' if hx else 'nohx'}-{'ghn' if ghn else 'noghn'}" for L, bi, bf, bias, hx, ghn in GRID]


def problem(L=1, bi=False, batch_first=False, bias=True, given_hx=True, given_ghn=True, B=3, batched=True,
            steps=T, dtype=np.float64, seed=0):
    """A model and (x, hx, grad_output, grad_hn) for it, random, in the model's layout."""
    rng = np.random.default_rng(seed)
    model = snp.LSTM(I, H, L, bias=bias, batch_first=batch_first, bidirectional=bi, rng=rng, dtype=dtype)
    D = 2 if bi else 1
    seq = ((B, steps) if batch_first else (steps, B)) if batched else (steps,)
    state = (L * D, B, H) if batched else (L * D, H)
    x = rng.standard_normal(seq + (I,)).astype(dtype)
    hx = tuple(rng.standard_normal(state).astype(dtype) for _ in range(2)) if given_hx else None
    grad_out = rng.standard_normal(seq + (D * H,)).astype(dtype)
    grad_hn = tuple(rng.standard_normal(state).astype(dtype) for _ in range(2)) if given_ghn else None
    return model, (x, hx, grad_out, grad_hn)


def run(model, x, hx, grad_out, grad_hn, enabled=True):
    """[output, h_n, c_n, grad input, grad h_0, grad c_0, parameter grads...] with the fast path on or off."""
    fast.ENABLED = enabled
    try:
        out, (h_n, c_n) = model(x, hx)
        grad_x, (grad_h0, grad_c0) = model.backward(grad_out, grad_hn)
    finally:
        fast.ENABLED = True
    return [out, h_n, c_n, grad_x, grad_h0, grad_c0, *model.grads.values()]


def rel_diff(got, expected):
    """Largest |got - expected| over the arrays, relative to the largest |expected| of each array."""
    return max(float(np.max(np.abs(np.asarray(g) - np.asarray(e))) / max(float(np.max(np.abs(e))), 1e-300))
               for g, e in zip(got, expected))


def tapes(model):
    return [caches for _, layer_tapes in model._tape["layers"] for _, _, caches in layer_tapes]


@pytest.mark.parametrize("L,bi,batch_first,bias,given_hx,given_ghn", GRID, ids=GRID_IDS)
def test_fast_path_is_the_plain_path_in_float64(L, bi, batch_first, bias, given_hx, given_ghn):
    model, data = problem(L, bi, batch_first, bias, given_hx, given_ghn)
    got = run(model, *data)
    assert all(isinstance(t, fast.Tape) for t in tapes(model))          # the fast loop ran, every layer and direction
    grad_names = list(model.grads)
    expected = run(model, *data, enabled=False)
    assert not any(isinstance(t, fast.Tape) for t in tapes(model))
    assert list(model.grads) == grad_names == [name for name, _ in model._shapes()]
    assert [g.shape for g in got] == [e.shape for e in expected]
    assert all(g.dtype == np.float64 for g in got)
    assert rel_diff(got, expected) < 1e-12


@pytest.mark.parametrize("case", [dict(batched=False), dict(batched=False, L=2, bi=True), dict(B=1),
                                  dict(B=1, L=2, bi=True, batch_first=True), dict(B=0), dict(steps=2)],
                         ids=["unbatched", "unbatched-L2-bi", "B1", "B1-L2-bi-bf", "B0", "T2"])
def test_fast_path_is_the_plain_path_for_small_shapes(case):
    model, data = problem(**case)
    got = run(model, *data)
    assert all(isinstance(t, fast.Tape) for t in tapes(model))
    expected = run(model, *data, enabled=False)
    assert [g.shape for g in got] == [e.shape for e in expected]
    if case.get("B") != 0:
        assert rel_diff(got, expected) < 1e-12


def test_one_step_and_padded_batches_take_the_plain_path():
    model, (x, hx, grad_out, grad_hn) = problem(steps=1)
    model(x, hx)
    assert not any(isinstance(t, fast.Tape) for t in tapes(model))     # T = 1: the cell, bit for bit
    model, (x, hx, grad_out, grad_hn) = problem()
    model(x, hx, lengths=[6, 3, 5])
    assert not any(isinstance(t, fast.Tape) for t in tapes(model))
    model = snp.LSTM(I, H, proj_size=2, rng=0)
    model(x)
    assert not any(isinstance(t, fast.Tape) for t in tapes(model))
    model = snp.GRU(I, H, rng=0)
    model(x)
    assert not any(isinstance(t, fast.Tape) for t in tapes(model))


@pytest.mark.parametrize("L,bi,batch_first,bias", [(1, False, False, True), (2, True, False, True),
                                                   (2, False, True, False), (1, True, True, False)])
def test_fast_path_matches_torch_nn_in_float64(L, bi, batch_first, bias):
    model, (x, hx, grad_out, grad_hn) = problem(L, bi, batch_first, bias)
    ref = torch.nn.LSTM(I, H, L, bias=bias, batch_first=batch_first, bidirectional=bi, dtype=torch.float64)
    model.load_state_dict(ref.state_dict())
    xt = torch.tensor(x, requires_grad=True)
    hxt = tuple(torch.tensor(s, requires_grad=True) for s in hx)
    out, (h_n, c_n) = ref(xt, hxt)
    loss = sum((o * torch.tensor(w)).sum() for o, w in zip((out, h_n, c_n), (grad_out, *grad_hn)))
    grads = torch.autograd.grad(loss, [xt, *hxt, *ref.parameters()])
    expected = [out.detach(), h_n.detach(), c_n.detach(), *grads]
    got = run(model, x, hx, grad_out, grad_hn)
    assert isinstance(tapes(model)[0], fast.Tape)
    assert rel_diff(got, [e.numpy() for e in expected]) < 1e-10


def test_float32_stays_float32_and_close():
    model, data = problem(L=2, bi=True, dtype=np.float32)
    got = run(model, *data)
    assert all(isinstance(t, fast.Tape) for t in tapes(model))
    assert all(g.dtype == np.float32 for g in got)
    double = snp.LSTM(I, H, 2, bidirectional=True)
    double.load_state_dict({k: v.astype(np.float64) for k, v in model.state_dict().items()})
    as64 = [tuple(a.astype(np.float64) for a in d) if isinstance(d, tuple) else d.astype(np.float64) for d in data]
    expected = run(double, *as64, enabled=False)
    assert rel_diff(got, expected) < 1e-5


def test_tape_keeps_what_the_plain_caches_keep():
    """7H numbers per step and sequence (gates, c_{t-1}, tanh(c_t), h_{t-1}) besides the layer's input."""
    B = 3
    sizes = {}
    for enabled in (True, False):
        fast.ENABLED = enabled
        try:
            model = snp.LSTM(I, H, rng=0)
            for steps in (10, 20):
                model(np.zeros((steps, B, I)))
                sizes[enabled, steps] = sum(a.nbytes for a in model.saved_arrays())
        finally:
            fast.ENABLED = True
    assert sizes[True, 10] == 8 * (10 * B * I + 10 * B * 7 * H)
    assert sizes[True, 20] - sizes[True, 10] == sizes[False, 20] - sizes[False, 10] == 8 * 10 * B * (I + 7 * H)


def test_reused_scratch_arrays_never_alias_results():
    """Outputs and gradients of one call stay as they were after the next call, which reuses the scratch."""
    model, data = problem(L=2, bi=True)
    first = [a.copy() for a in run(model, *data)]
    kept = run(model, *data)
    _, other = problem(L=2, bi=True, seed=1)
    run(model, *other)
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))


def test_backward_can_run_twice_on_one_tape():
    model, (x, hx, grad_out, grad_hn) = problem(L=2, bi=True)
    model(x, hx)
    once = model.backward(grad_out, grad_hn)[0], dict(model.grads)
    twice = model.backward(grad_out, grad_hn)[0], dict(model.grads)
    assert np.array_equal(once[0], twice[0])
    assert all(np.array_equal(once[1][k], twice[1][k]) for k in once[1])
