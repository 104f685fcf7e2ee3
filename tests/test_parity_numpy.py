"""seqlearn.numpy against torch.nn: forward and hand-written BPTT against autograd."""
import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from conftest import GRID, GRID_IDS, KINDS, build, flat, make_hx, make_input, max_diff, to_numpy


def torch_grads(ref, x, hx, lengths=None):
    """Run torch.nn with random output weights; return (outputs, weights, grads of input, h_0, params)."""
    x = x.clone().requires_grad_()
    hx_leaves = [t.clone().requires_grad_() for t in (hx if isinstance(hx, tuple) else (hx,))]
    hx_in = tuple(hx_leaves) if isinstance(hx, tuple) else hx_leaves[0]
    if lengths is None:
        outs = flat(ref(x, hx_in))
    else:
        out, hn = ref(pack_padded_sequence(x, lengths, enforce_sorted=False), hx_in)
        outs = flat((pad_packed_sequence(out, total_length=x.shape[0])[0], hn))
    weights = [torch.randn_like(o) for o in outs]
    loss = sum((o * w).sum() for o, w in zip(outs, weights))
    grads = torch.autograd.grad(loss, [x] + hx_leaves + list(ref.parameters()))
    return outs, weights, grads


def numpy_grads(npm, kind, x, hx, weights, lengths=None):
    out = npm(to_numpy(x), to_numpy(hx), lengths=lengths)
    w = [to_numpy(t) for t in weights]
    grad_hn = (w[1], w[2]) if kind == "LSTM" else w[1]
    grad_x, grad_hx = npm.backward(w[0], grad_hn)
    grad_hx = list(grad_hx) if kind == "LSTM" else [grad_hx]
    return flat(out), [grad_x] + grad_hx + list(npm.grads.values())


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,bias", GRID, ids=GRID_IDS)
def test_forward_and_backward_float64(kind, num_layers, bidirectional, batch_first, bias, given_hx):
    ref, _, npm = build(kind, num_layers=num_layers, bidirectional=bidirectional,
                        batch_first=batch_first, bias=bias)
    x = make_input(batch_first)
    hx = make_hx(kind, num_layers, bidirectional)
    outs, weights, grads = torch_grads(ref, x, hx)
    if not given_hx:                               # default h_0 = zeros: same as passing zeros
        hx_zero = tuple(torch.zeros_like(h) for h in hx) if kind == "LSTM" else torch.zeros_like(hx)
        outs, weights, grads = torch_grads(ref, x, hx_zero)
        hx = None
    got, got_grads = numpy_grads(npm, kind, x, hx, weights)
    assert [g.shape for g in got] == [tuple(o.shape) for o in outs]
    assert max_diff(got, outs) < 1e-10
    assert list(npm.grads) == [n for n, _ in ref.named_parameters()]
    assert max_diff(got_grads, grads) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_float32(kind, bidirectional):
    ref, _, npm = build(kind, dtype=torch.float32, num_layers=3, bidirectional=bidirectional)
    assert npm.dtype == np.float32               # float32 arrays loaded give a float32 model
    x = make_input(dtype=torch.float32)
    hx = make_hx(kind, 3, bidirectional, dtype=torch.float32)
    outs, weights, grads = torch_grads(ref, x, hx)
    got, got_grads = numpy_grads(npm, kind, x, hx, weights)
    assert all(g.dtype == np.float32 for g in got + got_grads)
    assert max_diff(got, outs) < 1e-5
    assert max_diff(got_grads, grads) < 1e-4


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched(kind, bidirectional):
    ref, _, npm = build(kind, num_layers=2, bidirectional=bidirectional)
    x = make_input(batched=False)
    hx = make_hx(kind, 2, bidirectional, batched=False)
    outs, weights, grads = torch_grads(ref, x, hx)
    got, got_grads = numpy_grads(npm, kind, x, hx, weights)
    assert [g.shape for g in got] == [tuple(o.shape) for o in outs]
    assert max_diff(got, outs) < 1e-10
    assert max_diff(got_grads, grads) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_lengths_match_pack_then_pad(kind, bidirectional, num_layers):
    """lengths= gives what pack -> torch.nn -> pad gives: zero padding, per-sequence h_n, reverse from each end."""
    ref, _, npm = build(kind, num_layers=num_layers, bidirectional=bidirectional)
    x = make_input()
    lengths = [3, 6, 1, 5]
    hx = make_hx(kind, num_layers, bidirectional)
    outs, weights, grads = torch_grads(ref, x, hx, lengths)
    got, got_grads = numpy_grads(npm, kind, x, hx, weights, lengths)
    assert np.all(got[0][3:, 0] == 0) and np.all(got[0][1:, 2] == 0)
    assert max_diff(got, outs) < 1e-10
    assert max_diff(got_grads, grads) < 1e-10


def test_lengths_with_batch_first():
    ref, _, npm = build("GRU", batch_first=True, bidirectional=True)
    x = make_input(batch_first=True)
    out, _ = ref(pack_padded_sequence(x, [2, 6, 4, 1], batch_first=True, enforce_sorted=False))
    out = pad_packed_sequence(out, batch_first=True, total_length=6)[0]
    assert max_diff([npm(to_numpy(x), lengths=[2, 6, 4, 1])[0]], [out]) < 1e-10


def test_state_dict_round_trip_into_torch():
    """NumPy weights load into torch.nn, which then computes what NumPy computes."""
    import seqlearn.numpy as snp
    npm = snp.LSTM(5, 7, num_layers=2, bidirectional=True, rng=0)
    ref = torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True).double()
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in npm.state_dict().items()})
    x = make_input()
    assert max_diff(flat(npm(to_numpy(x))), flat(ref(x))) < 1e-10
