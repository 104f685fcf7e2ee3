"""seqlearn.torch against torch.nn: forward (and autograd backward) to machine precision."""
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from conftest import GRID, GRID_IDS, KINDS, build, flat, make_hx, make_input, max_diff


@pytest.mark.parametrize("given_hx", [False, True], ids=["default_hx", "given_hx"])
@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,bias", GRID, ids=GRID_IDS)
def test_forward_float64(kind, num_layers, bidirectional, batch_first, bias, given_hx):
    ref, ours, _ = build(kind, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=batch_first, bias=bias)
    x = make_input(batch_first)
    hx = make_hx(kind, num_layers, bidirectional) if given_hx else None
    expected, got = flat(ref(x, hx)), flat(ours(x, hx))
    assert [t.shape for t in got] == [t.shape for t in expected]
    assert max_diff(got, expected) < 1e-10


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,bias", GRID, ids=GRID_IDS)
def test_backward_float64(kind, num_layers, bidirectional, batch_first, bias):
    """Autograd through our loop gives torch.nn's gradients for input, h_0 and every parameter."""
    ref, ours, _ = build(kind, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=batch_first, bias=bias)
    x = make_input(batch_first).requires_grad_()
    hx = make_hx(kind, num_layers, bidirectional)
    leaves = [x] + (list(hx) if kind == "LSTM" else [hx])
    for t in leaves[1:]:
        t.requires_grad_()
    grads = []
    for model in (ref, ours):
        outs = flat(model(x, hx))
        weights = [torch.randn_like(o) for o in outs] if not grads else weights
        loss = sum((o * w).sum() for o, w in zip(outs, weights))
        grads.append(torch.autograd.grad(loss, leaves + list(model.parameters())))
    assert max_diff(grads[1], grads[0]) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_forward_float32(kind, bidirectional):
    ref, ours, _ = build(kind, dtype=torch.float32, num_layers=3, bidirectional=bidirectional)
    x = make_input(dtype=torch.float32)
    hx = make_hx(kind, 3, bidirectional, dtype=torch.float32)
    got = flat(ours(x, hx))
    assert all(t.dtype == torch.float32 for t in got)
    assert max_diff(got, flat(ref(x, hx))) < 1e-5


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("given_hx", [False, True])
def test_unbatched(kind, bidirectional, given_hx):
    ref, ours, _ = build(kind, num_layers=2, bidirectional=bidirectional)
    x = make_input(batched=False)
    hx = make_hx(kind, 2, bidirectional, batched=False) if given_hx else None
    expected, got = flat(ref(x, hx)), flat(ours(x, hx))
    assert [t.shape for t in got] == [t.shape for t in expected]
    assert max_diff(got, expected) < 1e-10


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_packed_unsorted(kind, bidirectional, num_layers):
    """Packed in, packed out: same data, batch sizes and index permutations; h_n per sequence."""
    ref, ours, _ = build(kind, num_layers=num_layers, bidirectional=bidirectional)
    x = make_input()
    packed = pack_padded_sequence(x, [3, 6, 1, 5], enforce_sorted=False)
    hx = make_hx(kind, num_layers, bidirectional)
    (out_r, hn_r), (out_o, hn_o) = ref(packed, hx), ours(packed, hx)
    assert torch.equal(out_o.batch_sizes, out_r.batch_sizes)
    assert torch.equal(out_o.sorted_indices, out_r.sorted_indices)
    assert torch.equal(out_o.unsorted_indices, out_r.unsorted_indices)
    assert max_diff(flat((out_o.data, hn_o)), flat((out_r.data, hn_r))) < 1e-10


def test_dropout_between_layers_matches_torch_in_eval_and_is_active_in_train():
    ref, ours, _ = build("LSTM", num_layers=2, dropout=0.5)
    x = make_input()
    ref.eval(), ours.eval()
    assert max_diff(flat(ours(x)), flat(ref(x))) < 1e-10
    ours.train()
    a, b = ours(x)[0], ours(x)[0]
    assert not torch.allclose(a, b)               # a new dropout mask on each call


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        build("LSTM", num_layers=1, dropout=0.5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cuda_parity(kind, bidirectional):
    """On a GPU: our loop on CUDA tensors against torch.nn (cuDNN) in float64, packed input too."""
    ref, ours, _ = build(kind, num_layers=2, bidirectional=bidirectional)
    ref, ours = ref.cuda(), ours.cuda()
    x = make_input().cuda()
    hx = make_hx(kind, 2, bidirectional)
    hx = tuple(h.cuda() for h in hx) if kind == "LSTM" else hx.cuda()
    assert max_diff(flat(ours(x, hx)), flat(ref(x, hx))) < 1e-10
    packed = pack_padded_sequence(x, [3, 6, 1, 5], enforce_sorted=False)
    (out_r, hn_r), (out_o, hn_o) = ref(packed, hx), ours(packed, hx)
    assert out_o.data.is_cuda
    assert max_diff(flat((out_o.data, hn_o)), flat((out_r.data, hn_r))) < 1e-10
