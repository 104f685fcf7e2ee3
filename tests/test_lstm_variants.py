"""The LSTM ablations of Greff et al. (2017) in seqlearn.torch.LSTM(variant=...).

Where a variant is a special case of the full cell, torch.nn.LSTM with chosen weights computes it:
a gate whose rows are zero and whose bias is 40 is sigmoid(40) = 1 in float64 (NIG, NFG, NOG), and
an input gate whose rows are minus the forget gate's is sigmoid(-a_f) = 1 - f (CIFG). NOAF is no
special case; a loop written here from its equation checks it, and gradcheck its gradients.
"""
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import seqlearn.torch as st
from seqlearn.torch.lstm import VARIANTS, unused_rows

I, H, T, B = 3, 5, 7, 4
f64 = torch.float64


def pair(variant, **kwargs):
    """torch.nn.LSTM set up to compute ``variant``, and seqlearn's variant with the same weights."""
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, dtype=f64, **kwargs)
    ours = st.LSTM(I, H, dtype=f64, variant=variant, **kwargs)
    ours.load_state_dict(ref.state_dict())
    gate = {"NIG": 0, "NFG": 1, "NOG": 3}.get(variant)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if gate is not None:
                p[gate * H:(gate + 1) * H] = 40.0 if name.startswith("bias_ih") else 0.0
            elif variant == "CIFG":
                p[:H] = -p[H:2 * H]
    return ref, ours


@pytest.mark.parametrize("variant", ["NIG", "NFG", "NOG", "CIFG"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_special_cases_match_torch_nn(variant, bidirectional):
    ref, ours = pair(variant, num_layers=2, bidirectional=bidirectional)
    x = torch.randn(T, B, I, dtype=f64)
    (out_r, (h_r, c_r)), (out_o, (h_o, c_o)) = ref(x), ours(x)
    for got, want in [(out_o, out_r), (h_o, h_r), (c_o, c_r)]:
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-13)


def noaf_reference(x, model):
    """h_t = o ⊙ c_t, written out for one layer, one direction."""
    W, U = model.weight_ih_l0, model.weight_hh_l0
    b = model.bias_ih_l0 + model.bias_hh_l0
    h = c = torch.zeros(x.shape[1], H, dtype=f64)
    outs = []
    for x_t in x:
        a = x_t @ W.T + h @ U.T + b
        i, f, g, o = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H]), torch.tanh(a[:, 2 * H:3 * H]), \
            torch.sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * c
        outs.append(h)
    return torch.stack(outs), h, c


def test_noaf_follows_its_equation():
    torch.manual_seed(1)
    model = st.LSTM(I, H, dtype=f64, variant="NOAF")
    x = torch.randn(T, B, I, dtype=f64)
    out, (h_n, c_n) = model(x)
    want = noaf_reference(x, model)
    for got, ref in zip([out, h_n[0], c_n[0]], want):
        torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-13)
    vanilla = st.LSTM(I, H, dtype=f64)
    vanilla.load_state_dict(model.state_dict())
    assert (out - vanilla(x)[0]).abs().max() > 1e-3          # the variant is not the full cell


@pytest.mark.parametrize("variant", VARIANTS)
def test_gradients_against_finite_differences(variant):
    torch.manual_seed(2)
    model = st.LSTM(2, 3, dtype=f64, variant=variant)
    x = torch.randn(4, 2, 2, dtype=f64, requires_grad=True)
    params = tuple(model.parameters())

    def run(x, *weights):
        named = dict(zip([n for n, _ in model.named_parameters()], weights))
        out, (h, c) = torch.func.functional_call(model, named, (x,))
        return out.sum() + c.sum()

    assert torch.autograd.gradcheck(run, (x, *params))


@pytest.mark.parametrize("variant", ["NIG", "NFG", "NOG", "CIFG"])
def test_dropped_rows_get_no_gradient_and_are_counted(variant):
    torch.manual_seed(3)
    model = st.LSTM(I, H, num_layers=2, bidirectional=True, dtype=f64, variant=variant)
    out, _ = model(torch.randn(T, B, I, dtype=f64))
    out.square().sum().backward()
    rows = unused_rows(variant, H)
    for name, p in model.named_parameters():
        assert torch.count_nonzero(p.grad[rows.start:rows.stop]) == 0, name
        kept = torch.ones(p.shape[0], dtype=torch.bool)
        kept[rows.start:rows.stop] = False
        assert torch.count_nonzero(p.grad[kept]) > 0, name
    expected = sum(len(rows) * (p.shape[1] if p.dim() == 2 else 1) for p in model.parameters())
    assert model.unused_parameters() == expected > 0
    assert st.LSTM(I, H, variant="NOAF").unused_parameters() == st.LSTM(I, H).unused_parameters() == 0


def test_variant_runs_packed_sequences():
    """A packed batch gives each sequence what it gets alone (the option reaches every path)."""
    torch.manual_seed(4)
    model = st.LSTM(I, H, dtype=f64, variant="NOAF", bidirectional=True)
    x = torch.randn(T, B, I, dtype=f64)
    lengths = torch.tensor([7, 5, 3, 1])
    out, _ = pad_packed_sequence(model(pack_padded_sequence(x, lengths))[0])
    for b, n in enumerate(lengths):
        alone, _ = model(x[:n, b:b + 1])
        torch.testing.assert_close(out[:n, b:b + 1], alone, rtol=1e-12, atol=1e-13)


def test_default_is_vanilla_and_repr_shows_a_variant():
    torch.manual_seed(5)
    ref = torch.nn.LSTM(I, H, dtype=f64)
    ours = st.LSTM(I, H, dtype=f64, variant="vanilla")
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(T, B, I, dtype=f64)
    torch.testing.assert_close(ours(x)[0], ref(x)[0], rtol=1e-12, atol=1e-13)
    assert repr(ours) == "LSTM(3, 5)"
    assert repr(st.LSTM(I, H, variant="CIFG")) == "LSTM(3, 5, variant='CIFG')"


def test_unknown_variant_names_the_choices():
    with pytest.raises(ValueError, match=r"variant must be one of vanilla, NIG, NFG, NOG, NOAF, CIFG; got 'NP'"):
        st.LSTM(I, H, variant="NP")
