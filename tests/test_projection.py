"""The LSTM with a projection layer (proj_size, Sak et al. 2014) against torch.nn.LSTM, both backends, float64.

h_t = (o_t ⊙ tanh(c_t)) W_hr^T has R < H features: h_0, h_n and the output carry R, c_0 and c_n carry H.
"""
import itertools

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import seqlearn.numpy as snp
import seqlearn.torch as st
from conftest import flat, max_diff, to_numpy
from seqlearn.utils import count_parameters, expected_parameters

# torch.nn warns that its oneDNN kernels lack projections, then computes them; not our concern
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

I, H, R, T, B = 5, 7, 3, 6, 4
f64 = torch.float64
GRID = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))   # layer 1 reads D*R
IDS = [f"L{n}-{'bi' if d else 'uni'}-{'bf' if bf else 'tf'}-{'bias' if b else 'nobias'}" for n, d, bf, b in GRID]


def build(**kw):
    ref = torch.nn.LSTM(I, H, proj_size=R, dtype=f64, **kw)
    ours = st.LSTM(I, H, proj_size=R, dtype=f64, **kw)
    ours.load_state_dict(ref.state_dict())
    npm = snp.LSTM(I, H, proj_size=R, **kw)
    npm.load_state_dict(ref.state_dict())
    return ref, ours, npm


def states(num_layers, bidirectional, requires_grad=False):
    LD = num_layers * (2 if bidirectional else 1)
    return (torch.randn(LD, B, R, dtype=f64, requires_grad=requires_grad),
            torch.randn(LD, B, H, dtype=f64, requires_grad=requires_grad))


def test_parameter_names_and_shapes_are_torch_nn_s():
    ref, ours, npm = build(num_layers=2, bidirectional=True)
    expected = [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == expected
    assert [(k, v.shape) for k, v in npm.state_dict().items()] == expected
    assert ("weight_hr_l1_reverse", (R, H)) in expected and ("weight_ih_l1", (4 * H, 2 * R)) in expected


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias", GRID, ids=IDS)
def test_torch_forward_and_backward(num_layers, bidirectional, batch_first, bias):
    ref, ours, _ = build(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=f64, requires_grad=True)
    hx = states(num_layers, bidirectional, requires_grad=True)
    results = []
    for model in (ref, ours):
        outs = flat(model(x, hx))
        weights = [torch.linspace(-1, 1, o.numel(), dtype=f64).view_as(o) for o in outs]
        loss = sum((o * w).sum() for o, w in zip(outs, weights))
        results.append(outs + list(torch.autograd.grad(loss, [x, *hx, *model.parameters()])))
    assert [r.shape for r in results[1]] == [r.shape for r in results[0]]
    assert max_diff(results[1], results[0]) < 1e-10


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias", GRID, ids=IDS)
@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
def test_numpy_forward_and_bptt(num_layers, bidirectional, batch_first, bias, given_hx):
    ref, _, npm = build(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=f64, requires_grad=True)
    hx = states(num_layers, bidirectional, requires_grad=True)
    outs = flat(ref(x, hx if given_hx else None))
    weights = [torch.randn_like(o) for o in outs]
    leaves = [x, *hx] if given_hx else [x]
    grads = torch.autograd.grad(sum((o * w).sum() for o, w in zip(outs, weights)), leaves + list(ref.parameters()))
    got = flat(npm(to_numpy(x), to_numpy(hx) if given_hx else None))
    grad_x, grad_hx = npm.backward(to_numpy(weights[0]), (to_numpy(weights[1]), to_numpy(weights[2])))
    got_grads = [grad_x] + (list(grad_hx) if given_hx else []) + list(npm.grads.values())
    assert [g.shape for g in got] == [tuple(o.shape) for o in outs]
    assert max_diff(got, outs) < 1e-10
    assert list(npm.grads) == [n for n, _ in ref.named_parameters()]
    assert max_diff(got_grads, grads) < 1e-10


@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_and_lengths(bidirectional):
    """PackedSequence in seqlearn.torch, lengths= in seqlearn.numpy: torch.nn's pack -> LSTM -> pad."""
    ref, ours, npm = build(num_layers=2, bidirectional=bidirectional)
    x = torch.randn(T, B, I, dtype=f64)
    lengths = [3, 6, 1, 5]
    hx = states(2, bidirectional)
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    (out_r, hn_r), (out_o, hn_o) = ref(packed, hx), ours(packed, hx)
    assert max_diff(flat((out_o.data, hn_o)), flat((out_r.data, hn_r))) < 1e-10
    padded = pad_packed_sequence(out_r, total_length=T)[0]
    assert max_diff(flat(npm(x.numpy(), to_numpy(hx), lengths=lengths)), flat((padded, hn_r))) < 1e-10


def test_unbatched():
    ref, ours, npm = build(num_layers=2, bidirectional=True)
    x = torch.randn(T, I, dtype=f64)
    hx = (torch.randn(4, R, dtype=f64), torch.randn(4, H, dtype=f64))
    expected = flat(ref(x, hx))
    assert max_diff(flat(ours(x, hx)), expected) < 1e-10
    assert max_diff(flat(npm(x.numpy(), to_numpy(hx))), expected) < 1e-10


def test_projected_step_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    gi, h, c = rng.normal(size=(B, 4 * H)), rng.normal(size=(B, R)), rng.normal(size=(B, H))
    w_hh, b_hh, w_hr = rng.normal(size=(4 * H, R)) / 2, rng.normal(size=4 * H), rng.normal(size=(R, H))
    (h_new, c_new), cache = snp.lstm_proj_step(gi, (h, c), w_hh, b_hh, w_hr)
    wh, wc = rng.normal(size=h_new.shape), rng.normal(size=c_new.shape)

    def loss():
        (h1, c1), _ = snp.lstm_proj_step(gi, (h, c), w_hh, b_hh, w_hr)
        return float((h1 * wh).sum() + (c1 * wc).sum())
    dgi, (dh, dc), dW_hh, db_hh, dW_hr = snp.lstm_proj_step_backward((wh, wc), cache, w_hh, w_hr)
    for value, analytic in [(gi, dgi), (h, dh), (c, dc), (w_hh, dW_hh), (b_hh, db_hh), (w_hr, dW_hr)]:
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + 1e-6
            up = loss()
            value[idx] = old - 1e-6
            numeric[idx] = (up - loss()) / 2e-6
            value[idx] = old
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_state_dict_round_trip_and_proj_size_zero_means_none():
    npm = snp.LSTM(I, H, proj_size=R, num_layers=2, rng=0)
    ref = torch.nn.LSTM(I, H, proj_size=R, num_layers=2, dtype=f64)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in npm.state_dict().items()})
    x = torch.randn(T, B, I, dtype=f64)
    assert max_diff(flat(npm(x.numpy())), flat(ref(x))) < 1e-10
    for lib in (st, snp):
        assert "weight_hr_l0" not in lib.LSTM(I, H, proj_size=0).state_dict()
    assert repr(snp.LSTM(I, H, proj_size=R)) == repr(torch.nn.LSTM(I, H, proj_size=R))


@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (2, True, True), (3, True, False)])
def test_parameter_count(num_layers, bidirectional, bias):
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, bias=bias, proj_size=R)
    want = count_parameters(torch.nn.LSTM(I, H, **kw))
    assert expected_parameters("LSTM", I, H, **kw) == want
    assert count_parameters(st.LSTM(I, H, **kw)) == count_parameters(snp.LSTM(I, H, **kw)) == want
