"""An empty batch (B = 0) runs forward and backward as in torch.nn, in both backends; T = 0 is refused."""
import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
import seqlearn.torch as st
from conftest import KINDS, flat, to_numpy
from seqlearn._checks import InputError

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
f64 = torch.float64
OPTIONS = [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True}, {"bias": False}]
CASES = [(kind, kw) for kind in KINDS for kw in OPTIONS] + [("LSTM", {"proj_size": 2, "num_layers": 2})]


@pytest.mark.parametrize("kind,kw", CASES, ids=[f"{k}-{kw}" for k, kw in CASES])
@pytest.mark.parametrize("given_hx", [False, True])
def test_empty_batch_forward_and_backward(kind, kw, given_hx):
    ref = getattr(torch.nn, kind)(3, 4, dtype=f64, **kw)
    ours = getattr(st, kind)(3, 4, dtype=f64, **kw)
    npm = getattr(snp, kind)(3, 4, **kw)
    ours.load_state_dict(ref.state_dict())
    npm.load_state_dict(ref.state_dict())
    LD = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    x = torch.zeros((0, 5, 3) if kw.get("batch_first") else (5, 0, 3), dtype=f64, requires_grad=True)
    h = torch.zeros(LD, 0, kw.get("proj_size") or 4, dtype=f64)
    hx = ((h, torch.zeros(LD, 0, 4, dtype=f64)) if kind == "LSTM" else h) if given_hx else None
    expected, got = flat(ref(x, hx)), flat(ours(x, hx))
    assert [t.shape for t in got] == [t.shape for t in expected]
    grads = [torch.autograd.grad(sum(o.sum() for o in outs), [x] + list(m.parameters()), allow_unused=True)
             for m, outs in ((ref, expected), (ours, got))]
    assert all(g is not None for g in grads[1])
    assert all(torch.equal(a, b) for a, b in zip(*grads))     # zeros of the right shapes, as torch.nn's
    np_out = flat(npm(to_numpy(x), to_numpy(hx)))
    assert [a.shape for a in np_out] == [tuple(t.shape) for t in expected]
    grad_x, _ = npm.backward(np.zeros(np_out[0].shape))
    assert grad_x.shape == tuple(x.shape)
    assert all(g.shape == p.shape and not g.any() for g, p in zip(npm.grads.values(), npm.params.values()))


@pytest.mark.parametrize("lib", [snp, st])
@pytest.mark.parametrize("shape,batch_first", [((0, 2, 3), False), ((2, 0, 3), True), ((0, 3), False)])
def test_empty_sequence_is_refused_like_torch(lib, shape, batch_first):
    x = np.zeros(shape) if lib is snp else torch.zeros(shape, dtype=f64)
    model = lib.GRU(3, 4, batch_first=batch_first)
    model = model if lib is snp else model.double()
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0 in RNN"):
        model(x)
    with pytest.raises(InputError, match=r"at least one time step, got shape"):
        model(x)
