"""Side by side with torch.nn: every case that torch.nn refuses, seqlearn refuses with an exception of
the same type (or a subclass); every case torch.nn accepts, seqlearn accepts with the same shapes.

The cases follow the kinds that torch's own suites check for these modules (constructor arguments,
input rank and feature size, h_0/c_0 shapes, batched against unbatched, dtypes, empty sequences and
batches, packed input, proj_size); the few places where seqlearn deliberately differs are listed and
tested on their own below.
"""
import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import seqlearn.numpy as snp
import seqlearn.torch as st

# torch.nn warns that its oneDNN kernels lack projections, then computes them; not our concern
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

KINDS = ["RNN", "LSTM", "GRU"]
z = torch.zeros

# (name, constructor args, constructor kwargs)
CONSTRUCTOR_CASES = [
    ("hidden_size=0", (10, 0, 1), {}), ("num_layers=0", (10, 10, 0), {}), ("input_size=0", (0, 5), {}),
    ("input_size=-1", (-1, 5), {}), ("input_size float", (3.0, 5), {}), ("input_size str", ("10", 5), {}),
    ("hidden_size float", (3, 5.0), {}), ("hidden_size=-2", (3, -2), {}), ("num_layers float", (3, 5, 2.0), {}),
    ("bias=0", (3, 5), {"bias": 0}), ("bias=1", (3, 5), {"bias": 1}), ("bias str", (3, 5), {"bias": "True"}),
    ("batch_first=0", (3, 5), {"batch_first": 0}), ("batch_first str", (3, 5), {"batch_first": "False"}),
    ("dropout=2", (3, 5), {"dropout": 2}), ("dropout=-0.1", (3, 5), {"dropout": -0.1}),
    ("dropout=True", (3, 5), {"dropout": True}), ("dropout str", (3, 5), {"dropout": "0.1"}),
    ("dropout=1", (3, 5, 2), {"dropout": 1}), ("typo batch_frist", (3, 5), {"batch_frist": True}),
    ("proj_size=0", (3, 5), {"proj_size": 0}), ("proj_size=2", (3, 5), {"proj_size": 2}),
    ("proj_size=hidden", (3, 5), {"proj_size": 5}), ("proj_size=-1", (3, 5), {"proj_size": -1}),
    ("nonlinearity relu", (3, 5), {"nonlinearity": "relu"}), ("dtype float64", (3, 5), {"dtype": torch.float64}),
    ("all positional", (3, 5, 2, True, True, 0.0, True), {}),
]


def _hx(kind, shape, c_shape=None, **kw):
    h = z(*shape, **kw)
    return (h, z(*(c_shape or shape), **kw)) if kind == "LSTM" else h


# (name, constructor kwargs, function of kind -> forward args); the model is Kind(3, 5, **kwargs)
FORWARD_CASES = [
    ("ok", {}, lambda k: (z(6, 4, 3),)),
    ("ok with hx", {"num_layers": 2}, lambda k: (z(6, 4, 3), _hx(k, (2, 4, 5)))),
    ("rank 4", {}, lambda k: (z(1, 6, 4, 3),)), ("rank 1", {}, lambda k: (z(3),)),
    ("feature size", {}, lambda k: (z(6, 4, 7),)), ("feature size, batch_first", {"batch_first": True}, lambda k: (z(4, 6, 7),)),
    ("input batch != hx batch", {"num_layers": 2}, lambda k: (z(6, 7, 3), _hx(k, (2, 4, 5)))),
    ("hx batch", {"num_layers": 2}, lambda k: (z(6, 4, 3), _hx(k, (2, 7, 5)))),
    ("hx layers", {"num_layers": 2}, lambda k: (z(6, 4, 3), _hx(k, (7, 4, 5)))),
    ("hx size", {"num_layers": 2}, lambda k: (z(6, 4, 3), _hx(k, (2, 4, 7)))),
    ("hx directions", {"bidirectional": True}, lambda k: (z(6, 4, 3), _hx(k, (1, 4, 5)))),
    ("c_0 only wrong", {}, lambda k: (z(6, 4, 3), _hx(k, (1, 4, 5), (1, 4, 6)))),
    ("hx 2-D for batched input", {}, lambda k: (z(6, 4, 3), _hx(k, (1, 5)))),
    ("hx 3-D for unbatched input", {}, lambda k: (z(6, 3), _hx(k, (1, 1, 5)))),
    ("unbatched with hx", {"num_layers": 2}, lambda k: (z(6, 3), _hx(k, (2, 5)))),
    ("input dtype", {}, lambda k: (z(6, 4, 3, dtype=torch.float64),)),
    ("integer input", {}, lambda k: (z(6, 4, 3, dtype=torch.long),)),
    ("hx dtype", {}, lambda k: (z(6, 4, 3), _hx(k, (1, 4, 5), dtype=torch.float64))),
    ("empty sequence", {}, lambda k: (z(0, 4, 3),)), ("empty sequence, unbatched", {}, lambda k: (z(0, 3),)),
    ("empty sequence, batch_first", {"batch_first": True}, lambda k: (z(4, 0, 3),)),
    ("empty batch", {}, lambda k: (z(6, 0, 3),)), ("empty batch, batch_first", {"batch_first": True}, lambda k: (z(0, 6, 3),)),
    ("empty batch with hx", {"num_layers": 2, "bidirectional": True}, lambda k: (z(6, 0, 3), _hx(k, (4, 0, 5)))),
    ("packed", {}, lambda k: (pack_padded_sequence(z(6, 2, 3), [6, 3]),)),
    ("packed, hx batch", {}, lambda k: (pack_padded_sequence(z(6, 2, 3), [6, 3]), _hx(k, (1, 3, 5)))),
    ("packed, feature size", {}, lambda k: (pack_padded_sequence(z(6, 2, 4), [6, 3]),)),
]
LSTM_PROJ_CASES = [  # torch's projection checks: h_0 has proj_size features, c_0 hidden_size
    ("proj ok", lambda: (z(6, 4, 3), (z(2, 4, 2), z(2, 4, 5)))),
    ("proj h_0 of hidden_size", lambda: (z(6, 4, 3), (z(2, 4, 5), z(2, 4, 5)))),
    ("proj c_0 of proj_size", lambda: (z(6, 4, 3), (z(2, 4, 2), z(2, 4, 2)))),
    ("proj h_0 layers", lambda: (z(6, 4, 3), (z(5, 4, 2), z(2, 4, 5)))),
    ("proj batch", lambda: (z(6, 7, 3), (z(2, 4, 2), z(2, 4, 5)))),
]


def outcome(fn):
    """('ok', shapes) or ('error', exception)."""
    try:
        out = fn()
    except Exception as e:              # noqa: BLE001 - comparing which exception each library raises
        return "error", e
    leaves = [out] if isinstance(out, torch.nn.Module) else [t for t in torch.utils._pytree.tree_leaves(out)]
    return "ok", [tuple(t.shape) for t in leaves if isinstance(t, torch.Tensor)]


def assert_alike(theirs, ours):
    assert theirs[0] == ours[0], f"torch.nn: {theirs}, seqlearn: {ours}"
    if theirs[0] == "error":
        assert isinstance(ours[1], type(theirs[1])), f"torch.nn raised {theirs[1]!r}, seqlearn {ours[1]!r}"
    else:
        assert theirs[1] == ours[1]


def build(lib, kind, args, kwargs):
    if kind != "RNN" and "nonlinearity" in kwargs:
        kwargs = dict(kwargs, nonlinearity=None)       # a keyword the GRU and LSTM do not take, in both
    return getattr(lib, kind)(*args, **kwargs)


@pytest.mark.filterwarnings("ignore:dropout option adds dropout")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,args,kwargs", CONSTRUCTOR_CASES, ids=[c[0] for c in CONSTRUCTOR_CASES])
def test_constructor_like_torch(kind, name, args, kwargs):
    assert_alike(outcome(lambda: build(torch.nn, kind, args, kwargs)), outcome(lambda: build(st, kind, args, kwargs)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,kwargs,inputs", FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
def test_forward_like_torch(kind, name, kwargs, inputs):
    torch.manual_seed(0)
    ref, ours = getattr(torch.nn, kind)(3, 5, **kwargs), getattr(st, kind)(3, 5, **kwargs)
    assert_alike(outcome(lambda: ref(*inputs(kind))), outcome(lambda: ours(*inputs(kind))))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,kwargs,inputs", [c for c in FORWARD_CASES if "packed" not in c[0]],
                         ids=[c[0] for c in FORWARD_CASES if "packed" not in c[0]])
def test_numpy_forward_like_torch(kind, name, kwargs, inputs):
    """The NumPy twin, in float32 like the torch.nn model, takes and refuses the same inputs as arrays."""
    args = inputs(kind)
    theirs = outcome(lambda: getattr(torch.nn, kind)(3, 5, **kwargs)(*args))
    arrays = [tuple(t.numpy() for t in a) if isinstance(a, tuple) else a.numpy() for a in args]
    npm = getattr(snp, kind)(3, 5, **kwargs).astype(np.float32)
    try:
        ours = "ok", [a.shape for a in _flat(npm(*arrays))]
    except Exception as e:              # noqa: BLE001
        ours = "error", e
    assert_alike(theirs, ours)


def _flat(out):
    output, hn = out
    return [output] + (list(hn) if isinstance(hn, tuple) else [hn])


@pytest.mark.parametrize("name,inputs", LSTM_PROJ_CASES, ids=[c[0] for c in LSTM_PROJ_CASES])
def test_lstm_projection_checks_like_torch(name, inputs):
    ref, ours = torch.nn.LSTM(3, 5, 2, proj_size=2), st.LSTM(3, 5, 2, proj_size=2)
    assert_alike(outcome(lambda: ref(*inputs())), outcome(lambda: ours(*inputs())))


# ---- where seqlearn deliberately differs from torch.nn 2.13
def test_switches_must_be_bools_bidirectional_too():
    """torch.nn checks bias and batch_first but takes bidirectional='False' as True; seqlearn refuses it."""
    torch.nn.LSTM(3, 5, bidirectional="False")
    for lib in (st, snp):
        with pytest.raises(TypeError, match="bidirectional should be of type bool, got: str"):
            lib.LSTM(3, 5, bidirectional="False")


def test_sizes_take_numpy_integers_but_not_bools():
    """torch.nn refuses np.int64(5) and lets the LSTM take hidden_size=True; seqlearn does the opposite."""
    for lib in (st, snp):
        assert lib.GRU(np.int64(3), np.int64(5)).hidden_size == 5
        assert type(lib.GRU(np.int64(3), np.int64(5)).hidden_size) is int
        with pytest.raises(TypeError, match="hidden_size should be of type int, got: bool"):
            lib.LSTM(3, True)


def test_lstm_state_that_is_not_a_pair_is_an_input_error():
    """torch.nn fails with an IndexError deep inside; seqlearn says what it wants."""
    with pytest.raises(IndexError):
        torch.nn.LSTM(3, 5)(z(6, 4, 3), z(1, 4, 5))
    with pytest.raises(st.InputError, match=r"pair \(h_0, c_0\)"):
        st.LSTM(3, 5)(z(6, 4, 3), z(1, 4, 5))
