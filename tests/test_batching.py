"""Padding, masks, packing from the inside, masked losses, bucketing and stream batches."""
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence

from seqlearn import batching

LENGTHS = [4, 7, 2, 7, 1]                         # unsorted, with a tie


def sequences(lengths, features=3):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(n, features, generator=g) for n in lengths]


def test_pad_gives_cpu_int64_lengths_and_zeros_past_each_end():
    x, lengths = batching.pad(sequences(LENGTHS))
    assert x.shape == (5, 7, 3) and lengths.dtype == torch.int64 and lengths.device.type == "cpu"
    assert lengths.tolist() == LENGTHS
    for b, n in enumerate(LENGTHS):
        assert torch.all(x[b, n:] == 0) and torch.all(x[b, :n] != 0)
    tm, _ = batching.pad(sequences(LENGTHS), batch_first=False)
    assert torch.equal(tm.transpose(0, 1), x)


def test_as_lengths_refuses_floats_and_matrices():
    assert batching.as_lengths(torch.tensor([3, 1], dtype=torch.int32)).dtype == torch.int64
    with pytest.raises(ValueError, match="integers"):
        batching.as_lengths(torch.tensor([3.0, 1.0]))
    with pytest.raises(ValueError, match="1-D"):
        batching.as_lengths([[3, 1]])


def test_mask_marks_the_real_steps_in_both_layouts():
    mask = batching.lengths_mask(LENGTHS)
    assert mask.shape == (5, 7) and mask.sum(1).tolist() == LENGTHS
    assert mask[2].tolist() == [True, True] + [False] * 5
    assert torch.equal(batching.lengths_mask(LENGTHS, batch_first=False), mask.T)
    assert batching.lengths_mask(LENGTHS, total_length=9).shape == (5, 9)


def test_collate_pads_labels_and_per_step_targets():
    seqs = [[5, 6, 7], [8], [9, 10]]
    labels = batching.collate([(s, torch.tensor(k)) for k, s in enumerate(seqs)])
    assert labels.x.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert labels.lengths.tolist() == [3, 1, 2] and labels.y.tolist() == [0, 1, 2]
    tagged = batching.collate([(s, [1] * len(s)) for s in seqs])
    assert tagged.y.tolist() == [[1, 1, 1], [1, -100, -100], [1, 1, -100]]
    with pytest.raises(ValueError, match="sequence 1 has 1 steps but its target has shape"):
        batching.collate([(seqs[0], [1, 1, 1]), (seqs[1], [1, 1])])


def test_collate_works_as_a_dataloader_collate_fn():
    data = [(torch.arange(1, n + 1), n % 2) for n in LENGTHS]
    loader = torch.utils.data.DataLoader(data, batch_size=2, collate_fn=batching.collate)
    first = next(iter(loader))
    assert first.x.shape == (2, 7) and first.lengths.tolist() == [4, 7] and first.y.tolist() == [0, 1]


@pytest.mark.parametrize("lengths", [LENGTHS, [3, 3, 3], [1], [2, 5, 5, 1, 5, 2, 2, 3] * 3])
def test_packed_layout_is_what_pack_padded_sequence_builds(lengths):
    B, T = len(lengths), max(lengths)
    x = torch.arange(T * B, dtype=torch.float64).view(T, B, 1)      # x[t, b] = t * B + b
    packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    layout = batching.packed_layout(lengths)
    assert layout["sorted_indices"] == packed.sorted_indices.tolist()
    assert layout["unsorted_indices"] == packed.unsorted_indices.tolist()
    assert layout["batch_sizes"] == packed.batch_sizes.tolist()
    assert [t * B + b for b, t in layout["rows"]] == packed.data[:, 0].long().tolist()


def test_packed_layout_matches_pack_sequence_too_and_refuses_empty_sequences():
    seqs = sequences(LENGTHS, features=1)
    packed = pack_sequence(seqs, enforce_sorted=False)
    rows = batching.packed_layout(LENGTHS)["rows"]
    assert torch.equal(torch.stack([seqs[b][t] for b, t in rows]), packed.data)
    with pytest.raises(ValueError, match="at least 1"):
        batching.packed_layout([3, 0])


def test_masked_means_per_token_and_per_sequence():
    values = torch.tensor([[1.0, 1.0, 1.0, 1.0], [4.0, 9.0, 9.0, 9.0]])
    mask = batching.lengths_mask([4, 1])
    # per token: (1 + 1 + 1 + 1 + 4) / 5; per sequence: (1 + 4) / 2
    assert batching.masked_mean(values, mask, per="token").item() == pytest.approx(8 / 5)
    assert batching.masked_mean(values, mask, per="sequence").item() == pytest.approx(5 / 2)
    with pytest.raises(ValueError, match="per must be"):
        batching.masked_mean(values, mask, per="batch")


def test_masked_token_mean_is_cross_entropy_with_ignore_index():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(3, 5, 4, generator=g)                      # (B, T, C)
    target = torch.randint(0, 4, (3, 5), generator=g)
    mask = batching.lengths_mask([5, 2, 3])
    per_step = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none")
    ignored = target.masked_fill(~mask, batching.IGNORE_INDEX)
    want = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ignored)
    assert torch.allclose(batching.masked_mean(per_step, mask), want, rtol=0, atol=1e-6)


def test_bucket_sampler_covers_every_index_once_and_cuts_padding():
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 40, (1000,), generator=g)
    sampler = batching.BucketBatchSampler(lengths, 32, pool=20, generator=torch.Generator().manual_seed(1))
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(torch.cat(batches).tolist()) == list(range(1000))
    plain = list(torch.randperm(1000, generator=torch.Generator().manual_seed(1)).split(32))
    bucketed, random = batching.padding_cost(lengths, batches), batching.padding_cost(lengths, plain)
    assert bucketed["real"] == random["real"] == int(lengths.sum())
    assert bucketed["fraction"] < random["fraction"] / 3
    again = list(batching.BucketBatchSampler(lengths, 32, pool=20, generator=torch.Generator().manual_seed(1)))
    assert all(torch.equal(a, b) for a, b in zip(batches, again))           # seeded: it repeats


@pytest.mark.parametrize("n,batch,pool,drop", [(100, 8, 3, False), (100, 8, 3, True), (7, 8, 2, False),
                                               (64, 8, 1, True)])
def test_bucket_sampler_length_counts_its_batches(n, batch, pool, drop):
    sampler = batching.BucketBatchSampler(torch.ones(n, dtype=torch.int64), batch, pool=pool, drop_last=drop)
    batches = list(sampler)
    assert len(sampler) == len(batches)
    assert all(len(b) == batch for b in batches) or not drop


def test_padding_cost_counts_the_padded_steps():
    cost = batching.padding_cost([4, 7, 2, 7, 1], [[0, 1], [2, 3, 4]])
    assert cost == {"real": 21, "padded": 2 * 7 + 3 * 7, "fraction": 1 - 21 / 35}


def test_stream_batches_continue_each_row_and_shift_targets_by_one():
    stream = torch.arange(103)
    chunks = list(batching.stream_batches(stream, batch_size=4, chunk=10))
    assert [tuple(x.shape) for x, _ in chunks] == [(4, 10)] * 2 + [(4, 5)]
    rows = torch.cat([x for x, _ in chunks], dim=1)                   # (4, 25)
    assert torch.equal(rows[1], torch.arange(25, 50))                  # row 1 runs on, chunk to chunk
    for x, y in chunks:
        assert torch.equal(y, x + 1)
    with pytest.raises(ValueError, match="too short"):
        list(batching.stream_batches(torch.arange(4), batch_size=4, chunk=2))
