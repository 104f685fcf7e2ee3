"""seqlearn.torch has torch.nn.RNNBase's attributes and behaves as torch.nn does where torch's own tests look:
repr, all_weights, initial states, repeated backward, weight norm, saving, devices, dtypes, dropout.
"""
import copy
import io
import itertools

import pytest
import torch

import seqlearn.torch as st
from conftest import KINDS, flat, max_diff

f64 = torch.float64
CONFIGS = [dict(zip(["num_layers", "bias", "batch_first", "dropout", "bidirectional"], values))
           for values in itertools.product([1, 2], [True, False], [False, True], [0.0, 0.25], [False, True])]


def pair(kind, **kw):
    ref = getattr(torch.nn, kind)(3, 5, **kw)
    ours = getattr(st, kind)(3, 5, **kw)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


@pytest.mark.filterwarnings("ignore:dropout option adds dropout")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_repr_and_attributes_equal_torch_nn(kind, config):
    ref, ours = pair(kind, **config)
    assert repr(ours) == repr(ref)
    for name in ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                 "bidirectional", "proj_size", "_flat_weights_names", "_all_weights"]:
        assert getattr(ours, name) == getattr(ref, name), name
        assert type(getattr(ours, name)) is type(getattr(ref, name)), name
    assert [[p.shape for p in group] for group in ours.all_weights] == [[p.shape for p in g] for g in ref.all_weights]
    assert all(p is getattr(ours, n) for p, n in zip(ours._flat_weights, ours._flat_weights_names))


@pytest.mark.parametrize("kw", [{"proj_size": 2}, {"proj_size": 3, "num_layers": 2, "bidirectional": True},
                                {"proj_size": 1, "bias": False}])
def test_lstm_projection_repr_and_attributes(kw):
    ref, ours = pair("LSTM", **kw)
    assert repr(ours) == repr(ref)
    assert ours._all_weights == ref._all_weights
    assert [[p.shape for p in g] for g in ours.all_weights] == [[p.shape for p in g] for g in ref.all_weights]


def test_nonlinearity_attribute_and_seqlearn_options_in_repr():
    assert st.RNN(3, 5).nonlinearity == "tanh" and st.RNN(3, 5, nonlinearity="relu").nonlinearity == "relu"
    assert repr(st.RNN(3, 5, nonlinearity="relu")) == repr(torch.nn.RNN(3, 5, nonlinearity="relu"))
    assert repr(st.GRU(3, 5, reset_after=False)) == "GRU(3, 5, reset_after=False)"      # not a torch.nn option


@pytest.mark.parametrize("kind", KINDS)
def test_zero_initial_state_equals_none(kind):
    ours = getattr(st, kind)(3, 5, 2, dtype=f64)
    x = torch.randn(6, 4, 3, dtype=f64)
    h = torch.zeros(2, 4, 5, dtype=f64)
    assert max_diff(flat(ours(x, (h, h) if kind == "LSTM" else h)), flat(ours(x))) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_backward_twice_with_retain_graph_gives_the_same_gradients(kind):
    ours = getattr(st, kind)(3, 5, 2, bidirectional=True, dtype=f64)
    out = ours(torch.randn(6, 4, 3, dtype=f64))[0].sum()
    grads = [torch.autograd.grad(out, list(ours.parameters()), retain_graph=True) for _ in range(3)]
    assert max_diff(grads[0], grads[2]) == 0 and max_diff(grads[0], grads[1]) == 0


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")
@pytest.mark.parametrize("kind,name", [("LSTM", "weight_hh_l0"), ("RNN", "weight_ih_l0"), ("GRU", "weight_hh_l0")])
def test_weight_norm_and_its_removal(kind, name):
    ours = getattr(st, kind)(3, 5, 2, dtype=f64)
    x = torch.randn(6, 4, 3, dtype=f64)
    expected = ours(x)[0]
    torch.nn.utils.weight_norm(ours, name=name)
    assert name not in dict(ours.named_parameters()) and sum(isinstance(p, torch.nn.Parameter)
                                                             for p in ours._flat_weights) == 7
    assert max_diff([ours(x)[0]], [expected]) < 1e-12
    torch.nn.utils.remove_weight_norm(ours, name=name)
    assert name in dict(ours.named_parameters())
    assert max_diff([ours(x)[0]], [expected]) < 1e-12


@pytest.mark.parametrize("name", ["weight_hh_l0", "weight_hr_l0"])
def test_parametrized_weight_norm_trains(name):
    """torch.nn.utils.parametrizations.weight_norm: same output, and gradients reach its g and v."""
    ours = st.LSTM(3, 5, proj_size=2, dtype=f64)
    x = torch.randn(6, 4, 3, dtype=f64)
    expected = ours(x)[0].detach()
    torch.nn.utils.parametrizations.weight_norm(ours, name=name)
    out = ours(x)[0]
    assert max_diff([out], [expected]) < 1e-12
    out.sum().backward()
    assert all(p.grad is not None for p in ours.parametrizations[name].parameters())


def test_deleted_weight_can_be_put_back():
    ours = st.LSTM(3, 5, 2)
    x = torch.randn(6, 4, 3)
    expected, weight = ours(x)[0], ours.weight_hh_l0
    del ours.weight_hh_l0
    assert not hasattr(ours, "weight_hh_l0") and ours._flat_weights[1] is None
    ours.weight_hh_l0 = weight
    assert torch.equal(ours(x)[0], expected)


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_deepcopy(kind):
    """A whole module through torch.save/torch.load (weights_only=False, as for torch.nn's modules),
    a state_dict with the default weights_only=True, and copy.deepcopy: all give the same outputs."""
    ours = getattr(st, kind)(3, 5, 2, dropout=0.3, dtype=f64).eval()
    x = torch.randn(6, 4, 3, dtype=f64)
    buf = io.BytesIO()
    torch.save(ours, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    buf = io.BytesIO()
    torch.save(ours.state_dict(), buf)
    buf.seek(0)
    fresh = getattr(st, kind)(3, 5, 2, dropout=0.3, dtype=f64).eval()
    fresh.load_state_dict(torch.load(buf))
    for other in (loaded, fresh, copy.deepcopy(ours)):
        assert max_diff(flat(other(x)), flat(ours(x))) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_factory_kwargs_meta_device_and_to_empty(kind):
    assert all(p.dtype == f64 for p in getattr(st, kind)(3, 5, 2, dtype=f64).parameters())
    with torch.device("meta"):
        m = getattr(st, kind)(3, 5, 2)
    assert all(p.is_meta for p in m.parameters())
    m.to_empty(device="cpu")
    m.reset_parameters()
    assert all(p.device.type == "cpu" and p.abs().max() <= 1 / 5 ** 0.5 for p in m.parameters())


@pytest.mark.parametrize("kind", KINDS)
def test_non_contiguous_input_and_state(kind):
    ours = getattr(st, kind)(3, 5, 2, dtype=f64)
    x = torch.randn(6, 4, 6, dtype=f64)[..., ::2]
    h = torch.randn(2, 4, 10, dtype=f64)[..., ::2]
    assert not x.is_contiguous() and not h.is_contiguous()
    hx, hx_c = ((h, h), (h.contiguous(),) * 2) if kind == "LSTM" else (h, h.contiguous())
    assert max_diff(flat(ours(x, hx)), flat(ours(x.contiguous(), hx_c))) < 1e-14      # BLAS round-off


def test_changing_dropout_after_construction_takes_effect():
    ours = st.RNN(10, 50, 2, nonlinearity="relu", dtype=f64).train()
    x = torch.rand(3, 2, 10, dtype=f64)
    for p in (0.0, 0.5, 1.0):
        ours.dropout = p
        a, b = ours(x)[0], ours(x)[0]
        assert torch.equal(a, b) == (p in (0.0, 1.0))
    ours.eval()
    ours.dropout = 0.5
    assert torch.equal(ours(x)[0], ours(x)[0])


def test_dropout_one_zeroes_the_upper_layers_input():
    """Dropout sits between layers: with p = 1 the second layer (no biases) sees zeros and outputs zeros."""
    ours = st.RNN(4, 6, 2, bias=False, dropout=1.0, dtype=f64).train()
    with torch.no_grad():
        out, h_n = ours(torch.rand(5, 3, 4, dtype=f64))
    assert float(out.abs().max()) == 0 and float(h_n[0].abs().max()) > 0


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])                  # the kinds with the deferred dW_hh
@pytest.mark.parametrize("use_reentrant", [False, True])
def test_activation_checkpointing_gives_torch_nn_gradients(kind, use_reentrant):
    """torch.utils.checkpoint recomputes the forward pass during backward; the gradients stay exact."""
    grads = []
    for model in pair(kind, num_layers=2, bidirectional=True):
        model.double()
        x = torch.linspace(-1, 1, 6 * 4 * 3, dtype=f64).reshape(6, 4, 3).requires_grad_()
        out = torch.utils.checkpoint.checkpoint(lambda inp: model(inp)[0], x, use_reentrant=use_reentrant)
        out.pow(2).sum().backward()
        grads.append([x.grad] + [p.grad for p in model.parameters()])
    assert max_diff(grads[1], grads[0]) < 1e-12


@pytest.mark.parametrize("kind", KINDS)
def test_autocast_lets_a_bfloat16_input_meet_float32_weights(kind):
    """As torch.nn: inside torch.autocast the input's dtype may differ from the weights'."""
    ref, ours = pair(kind)
    x = torch.randn(6, 4, 3).to(torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected, got = ref(x)[0], ours(x)[0]
    assert got.dtype == expected.dtype == torch.bfloat16
    assert float((got - expected).detach().float().abs().max()) < 3e-2      # bfloat16 keeps ~3 digits
    with pytest.raises(st.InputError, match="input has dtype torch.bfloat16"):
        ours(x)                                                             # outside autocast: refused
