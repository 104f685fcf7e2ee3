"""seqlearn.train.initialise and graph_nodes, and fit's per-step gradient record (chapter 8)."""
import pytest
import torch
from torch import nn

import seqlearn.torch as st
from seqlearn.train import SequenceModel, fit, graph_nodes, initialise


@pytest.mark.parametrize("make", [nn.LSTM, nn.GRU, nn.RNN, st.LSTM, st.GRU])
def test_orthogonal_blocks(make):
    core = make(3, 5, num_layers=2, bidirectional=True)
    initialise(core, orthogonal=True, generator=torch.Generator().manual_seed(0))
    for name, p in core.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.detach().double().split(5):
                assert torch.allclose(block @ block.T, torch.eye(5, dtype=torch.float64), atol=1e-6)


def test_orthogonal_is_seeded():
    a = initialise(nn.GRU(2, 4), orthogonal=True, generator=torch.Generator().manual_seed(1))
    b = initialise(nn.GRU(2, 4), orthogonal=True, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a.weight_hh_l0, b.weight_hh_l0)


def test_forget_bias_sets_only_the_forget_rows():
    core = nn.LSTM(2, 4)
    before = {k: v.detach().clone() for k, v in core.named_parameters()}
    initialise(core, forget_bias=1.0)
    assert torch.equal(core.bias_ih_l0[4:8] + core.bias_hh_l0[4:8], torch.ones(4))
    for name in ("bias_ih_l0", "bias_hh_l0"):
        kept = torch.cat([before[name][:4], before[name][8:]])
        assert torch.equal(torch.cat([getattr(core, name)[:4], getattr(core, name)[8:]]), kept)
    assert torch.equal(core.weight_hh_l0, before["weight_hh_l0"])


def test_initialise_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="forget gate"):
        initialise(nn.GRU(2, 3), forget_bias=1.0)
    with pytest.raises(ValueError, match="RNN, LSTM and GRU"):
        initialise(nn.Linear(2, 3), orthogonal=True)


def test_graph_nodes_counts_the_graph():
    w = torch.ones(3, requires_grad=True)
    assert graph_nodes(w) == 0
    one = graph_nodes(w * 2)                      # MulBackward, AccumulateGrad
    assert one == 2
    h = w
    for _ in range(4):
        h = torch.tanh(h * 2)
    assert graph_nodes(h) == 1 + 2 * 4           # the leaf's node, then mul and tanh per step
    assert graph_nodes(h.detach()) == 0


def test_fit_records_the_largest_gradient_component():
    torch.manual_seed(0)
    model = SequenceModel(nn.GRU(1, 3, batch_first=True), 1)
    x, y = torch.randn(8, 5, 1), torch.randn(8)

    def loss(out, t):
        return nn.functional.mse_loss(out.squeeze(-1), t)

    hist = fit(model, loss, x, y, epochs=2, batch_size=4, clip_value=1e-4,
               generator=torch.Generator().manual_seed(0))
    assert len(hist["grad_max"]) == len(hist["grad_norm"]) == 4
    assert all(0 < m <= n for m, n in zip(hist["grad_max"], hist["grad_norm"]))
    assert hist["clipped"] == [m > 1e-4 for m in hist["grad_max"]]


def test_saved_bytes_grows_with_the_graph():
    from seqlearn.train import saved_bytes
    w = torch.ones(1000, requires_grad=True)
    assert saved_bytes(w) == 0
    h, sizes = w, []
    for _ in range(3):
        h = torch.tanh(h * 2)                     # tanh saves its result: 4000 bytes a step
        sizes.append(saved_bytes(h))
    assert sizes[1] - sizes[0] == sizes[2] - sizes[1] >= 4000
    assert saved_bytes(h.detach()) == 0
