"""Batches of sequences of different lengths: padding, masks, packing from the inside, bucketing.

A batch of B sequences of lengths n_1, ..., n_B is stored as one padded tensor of T = max n_b steps
and the ``lengths``, which ``pack_padded_sequence`` wants as a 1-D int64 tensor on the CPU, whatever
device the data are on. Everything here returns lengths that way.
"""
from collections import namedtuple

import torch
from torch.nn.utils.rnn import pad_sequence

IGNORE_INDEX = -100                               # nn.CrossEntropyLoss's default ignore_index

Batch = namedtuple("Batch", ["x", "lengths", "y"])


def as_lengths(lengths):
    """Any list, array or tensor of lengths -> the 1-D int64 CPU tensor that packing wants."""
    lengths = torch.as_tensor(lengths).detach().cpu()
    if lengths.dim() != 1 or lengths.is_floating_point():
        raise ValueError(f"lengths must be a 1-D tensor of integers, got {lengths.dim()}-D {lengths.dtype}")
    return lengths.to(torch.int64)


def pad(sequences, padding_value=0, batch_first=True):
    """A list of B tensors (n_b, ...) -> (padded (B, T, ...) or (T, B, ...), lengths (B,) int64 CPU)."""
    if not sequences:
        raise ValueError("pad needs at least one sequence")
    lengths = as_lengths([len(s) for s in sequences])
    return pad_sequence(list(sequences), batch_first=batch_first, padding_value=padding_value), lengths


def lengths_mask(lengths, total_length=None, batch_first=True, device=None):
    """True at the real steps: (B, T) with batch_first (else (T, B)); T = max length unless given."""
    lengths = as_lengths(lengths)
    T = int(lengths.max()) if total_length is None else total_length
    mask = torch.arange(T)[None, :] < lengths[:, None]                    # (B, T)
    mask = mask if batch_first else mask.T
    return mask if device is None else mask.to(device)


def collate(batch, padding_value=0, target_padding=IGNORE_INDEX, batch_first=True):
    """A list of (sequence, target) pairs -> ``Batch(x, lengths, y)``, ready for a recurrent layer.

    sequence: a tensor (n_b, ...) or a list of ids; target: a label (a number or a 0-d tensor), or
    a sequence of n_b targets for a many-to-many task. x is padded with ``padding_value``, a
    sequence of targets with ``target_padding`` (the ``ignore_index`` of the cross-entropy, so
    padded steps add nothing to the loss); labels are stacked into (B,). lengths: int64 on the CPU.
    Use it as a DataLoader's ``collate_fn``.
    """
    seqs = [torch.as_tensor(s) for s, _ in batch]
    x, lengths = pad(seqs, padding_value, batch_first)
    targets = [torch.as_tensor(t) for _, t in batch]
    if all(t.dim() == 0 for t in targets):
        y = torch.stack(targets)
    else:
        for b, (t, n) in enumerate(zip(targets, lengths.tolist())):
            if t.dim() == 0 or len(t) != n:
                raise ValueError(f"sequence {b} has {n} steps but its target has shape {tuple(t.shape)}")
        y = pad_sequence(targets, batch_first=batch_first, padding_value=target_padding)
    return Batch(x, lengths, y)


def packed_layout(lengths):
    """Where ``pack_padded_sequence(x, lengths, enforce_sorted=False)`` puts each step.

    Returns a dict: ``sorted_indices`` (the batch rows by decreasing length, as ``torch.sort``
    orders them, which is what packing calls; rows of equal length come in the order that this
    unstable sort leaves them), ``unsorted_indices`` (its inverse: where each row went),
    ``batch_sizes`` (how many sequences have a step t, for t = 0, 1, ...) and ``rows``: the (b, t)
    of every row of ``data``, time-major, the longest sequence first at each step.
    """
    lengths = as_lengths(lengths)
    if len(lengths) == 0 or int(lengths.min()) < 1:
        raise ValueError(f"every length must be at least 1, got {lengths.tolist()}")
    order = torch.sort(lengths, descending=True).indices.tolist()
    inverse = [0] * len(order)
    for position, b in enumerate(order):
        inverse[b] = position                     # row b went to position inverse[b]
    n = lengths.tolist()
    batch_sizes = [sum(m > t for m in n) for t in range(max(n))]
    rows = [(b, t) for t, size in enumerate(batch_sizes) for b in order[:size]]
    return {"sorted_indices": order, "unsorted_indices": inverse, "batch_sizes": batch_sizes,
            "rows": rows}


def masked_mean(values, mask, per="token"):
    """The mean of ``values`` (B, T) over the real steps of ``mask`` (B, T).

    per="token": every real step counts once, sum(values * mask) / sum(mask), so a long sequence
    weighs more than a short one. per="sequence": each sequence's own mean first, then the mean
    over the B sequences, so every sequence weighs the same.
    """
    mask = mask.to(values.dtype)
    if per == "token":
        return (values * mask).sum() / mask.sum()
    if per == "sequence":
        return ((values * mask).sum(1) / mask.sum(1)).mean()
    raise ValueError(f"per must be 'token' or 'sequence', got {per!r}")


class BucketBatchSampler(torch.utils.data.Sampler):
    """Mini-batches of similar lengths: less padding, still shuffled.

    Every epoch the indices are shuffled and cut into pools of ``pool`` batches; each pool is
    sorted by length and cut into batches of ``batch_size``; then the order of all the batches is
    shuffled. pool=1 gives plain shuffled batches, a pool as large as the data set fully sorted
    ones. Yields int64 index tensors; pass it to a DataLoader as ``batch_sampler`` or to
    ``seqlearn.train.fit`` as ``batches``. ``generator`` makes the shuffles repeat.
    """

    def __init__(self, lengths, batch_size, pool=50, generator=None, drop_last=False):
        self.lengths = as_lengths(lengths)
        if batch_size < 1 or pool < 1:
            raise ValueError(f"batch_size and pool must be at least 1, got {batch_size} and {pool}")
        self.batch_size, self.pool, self.generator, self.drop_last = batch_size, pool, generator, drop_last

    def __iter__(self):
        perm = torch.randperm(len(self.lengths), generator=self.generator)
        batches = []
        for chunk in perm.split(self.batch_size * self.pool):
            order = torch.sort(self.lengths[chunk], descending=True, stable=True).indices
            batches += [b for b in chunk[order].split(self.batch_size)
                        if len(b) == self.batch_size or not self.drop_last]
        for i in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[i]

    def __len__(self):
        n, size = len(self.lengths), self.batch_size * self.pool
        full, rest = divmod(n, size)
        per_pool = size // self.batch_size
        last = rest // self.batch_size if self.drop_last else -(-rest // self.batch_size)
        return full * per_pool + last


def padding_cost(lengths, batches):
    """Steps a padded run computes and how many of them are padding, for ``batches`` of indices.

    Returns a dict: ``real`` (the sum of the lengths), ``padded`` (sum over batches of
    batch size x longest length in the batch) and ``fraction`` of the padded steps that are padding.
    """
    lengths = as_lengths(lengths)
    real = padded = 0
    for idx in batches:
        part = lengths[torch.as_tensor(idx)]
        real += int(part.sum())
        padded += len(part) * int(part.max())
    return {"real": real, "padded": padded, "fraction": 1 - real / padded}


def stream_batches(stream, batch_size, chunk):
    """Cut one long stream of ids into B parallel streams and chunks for truncated BPTT.

    stream (N,) -> yields (x, y) pairs of shape (B, k): row b of each chunk continues row b of the
    previous one, so a state carried from chunk to chunk belongs to the same text; y is x shifted by
    one step (the next id). The last partial chunk is shorter; the tail that does not fill B rows
    is dropped.
    """
    stream = torch.as_tensor(stream)
    per_row = (len(stream) - 1) // batch_size
    if per_row < 1:
        raise ValueError(f"a stream of {len(stream)} ids is too short for {batch_size} rows")
    rows = stream[:batch_size * per_row + 1]
    x = rows[:-1].view(batch_size, per_row)
    y = rows[1:].view(batch_size, per_row)
    for start in range(0, per_row, chunk):
        yield x[:, start:start + chunk], y[:, start:start + chunk]
