"""SequenceModel's readout: the right step of each direction, for padded and packed batches.

The reference is always independent of the readout's own indexing: a sequence run alone, without
padding, or the final states h_n, which torch.nn computes at each direction's true end.
"""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

import seqlearn.torch as st
from seqlearn.train import SequenceModel, last_step

I, H, O = 3, 5, 2
CORES = {"torch.nn.LSTM": nn.LSTM, "torch.nn.GRU": nn.GRU, "seqlearn.torch.LSTM": st.LSTM,
         "seqlearn.torch.RNN": st.RNN}
LENGTHS = [5, 2, 4]                               # unsorted on purpose


def model(core, bidirectional, batch_first, many_to_one=True):
    torch.manual_seed(0)
    net = CORES[core](I, H, batch_first=batch_first, bidirectional=bidirectional, dtype=torch.float64)
    return SequenceModel(net, O, many_to_one=many_to_one)


def padded_batch(batch_first):
    x = torch.randn(len(LENGTHS), max(LENGTHS), I, dtype=torch.float64)     # (B, T, I)
    for b, n in enumerate(LENGTHS):
        x[b, n:] = 0.0
    return x if batch_first else x.transpose(0, 1)


def alone(m, x, b, n, batch_first):
    """Sequence b, cut at its length n, run on its own as a batch of one."""
    seq = x[b:b + 1, :n] if batch_first else x[:n, b:b + 1]
    return m(seq)[0]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("core", CORES)
def test_bidirectional_summary_is_forward_at_the_end_and_reverse_at_the_start(core, batch_first):
    m = model(core, True, batch_first)
    x = padded_batch(batch_first)                 # full length: no padding is read here
    _, state = m.core(x)
    h_n = state[0] if isinstance(state, tuple) else state
    expected = m.readout(torch.cat([h_n[-2], h_n[-1]], dim=1))
    assert torch.allclose(m(x), expected, rtol=0, atol=1e-12)
    out, _ = m.core(x)
    wrong = m.readout(out[:, -1] if batch_first else out[-1])                # the old readout
    assert (wrong - expected).abs().max() > 1e-3


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("core", CORES)
def test_padded_batch_with_lengths_matches_each_sequence_alone(core, batch_first, bidirectional):
    m = model(core, bidirectional, batch_first)
    x = padded_batch(batch_first)
    got = m(x, torch.tensor(LENGTHS))
    for b, n in enumerate(LENGTHS):
        assert torch.allclose(got[b], alone(m, x, b, n, batch_first), rtol=0, atol=1e-12)
    assert torch.allclose(m(x, LENGTHS), got, rtol=0, atol=0)                # a list will do


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("core", CORES)
def test_packed_input_matches_each_sequence_alone(core, bidirectional):
    m = model(core, bidirectional, batch_first=False)
    x = padded_batch(False)
    packed = pack_padded_sequence(x, torch.tensor(LENGTHS), enforce_sorted=False)
    got = m(packed)
    assert got.shape == (len(LENGTHS), O)
    for b, n in enumerate(LENGTHS):
        assert torch.allclose(got[b], alone(m, x, b, n, False), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="carries its lengths"):
        m(packed, LENGTHS)


@pytest.mark.parametrize("core", CORES)
def test_many_to_many_keeps_packing_and_zeroes_padding(core):
    m = model(core, True, batch_first=True, many_to_one=False)
    x = padded_batch(True)
    packed = pack_padded_sequence(x, torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False)
    y_packed = m(packed)
    assert isinstance(y_packed, PackedSequence)
    y, lengths = pad_packed_sequence(y_packed, batch_first=True)
    assert lengths.tolist() == LENGTHS
    y_lengths = m(x, LENGTHS)
    assert y_lengths.shape == (len(LENGTHS), max(LENGTHS), O)
    for b, n in enumerate(LENGTHS):
        seq = x[b:b + 1, :n]
        assert torch.allclose(y[b, :n], m(seq)[0], rtol=0, atol=1e-12)
        assert torch.allclose(y_lengths[b, :n], m(seq)[0], rtol=0, atol=1e-12)
        assert torch.all(y_lengths[b, n:] == 0)


@pytest.mark.parametrize("core", CORES)
def test_unidirectional_full_batch_reads_the_last_step_unchanged(core):
    m = model(core, False, batch_first=True)
    x = padded_batch(True)
    out, _ = m.core(x)
    assert torch.equal(m(x), m.readout(out[:, -1]))       # bit for bit what the chapters relied on


@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched_batch_first_input_reads_the_last_time_step(bidirectional):
    # torch returns (T, D*H) for an unbatched (T, I) input even with batch_first=True
    m = model("torch.nn.LSTM", bidirectional, batch_first=True)
    x = torch.randn(6, I, dtype=torch.float64)
    assert m(x).shape == (O,)
    assert torch.allclose(m(x), m(x[None])[0], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="lengths need a batch"):
        last_step(torch.zeros(6, 2 * H), [3])


def test_readout_width_follows_proj_size():
    core = nn.LSTM(I, H, proj_size=2, bidirectional=True, dtype=torch.float64)
    m = SequenceModel(core, O)
    assert m.readout.in_features == 4
    assert m(torch.randn(7, 3, I, dtype=torch.float64)).shape == (3, O)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
@pytest.mark.parametrize("bidirectional", [False, True])
def test_cuda_readout_with_lengths_matches_the_cpu(bidirectional):
    m = model("seqlearn.torch.LSTM", bidirectional, batch_first=True)
    x = padded_batch(True)
    expected = m(x, LENGTHS)
    m_gpu = m.cuda()
    got = m_gpu(x.cuda(), torch.tensor(LENGTHS))  # lengths may stay on the CPU
    assert got.is_cuda
    assert torch.allclose(got.cpu(), expected, rtol=0, atol=1e-10)
