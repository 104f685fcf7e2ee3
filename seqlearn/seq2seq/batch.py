"""Token ids, padded batches and the masks that go with them.

Every vocabulary here starts with the same four specials, so that id 0 is padding everywhere:
``nn.Embedding(..., padding_idx=PAD)`` keeps its row at zero and out of the gradient, and
``cross_entropy(..., ignore_index=PAD)`` keeps padded targets out of the loss.
"""
from dataclasses import dataclass

import torch

from ..batching import pad

PAD, SOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<sos>", "<eos>", "<unk>")


class Vocab:
    """A token <-> id map whose first ids are SPECIALS; unknown tokens map to UNK."""

    def __init__(self, tokens):
        self.itos = list(SPECIALS) + sorted(set(tokens) - set(SPECIALS))
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, tokens):
        return [self.stoi.get(t, UNK) for t in tokens]

    def decode(self, ids):
        """Tokens of ``ids`` up to the first EOS, specials dropped."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i >= len(SPECIALS):
                out.append(self.itos[i])
        return tuple(out)

    @classmethod
    def for_pairs(cls, pairs):
        """The source and the target vocabularies of (source, target) pairs."""
        return cls(w for s, _ in pairs for w in s), cls(w for _, t in pairs for w in t)


@dataclass
class Batch:
    """A batch of pairs as tensors, batch first.

    src (B, S) int64 padded with PAD, src_lengths (B,) int64 on the CPU (what packing wants);
    tgt_in (B, T) = SOS y_1 ... y_n, the decoder's inputs under teacher forcing; tgt_out (B, T) =
    y_1 ... y_n EOS, the targets, both padded with PAD so that tgt_out != PAD marks the real steps.
    """
    src: torch.Tensor
    src_lengths: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor

    @property
    def src_mask(self):
        """(B, S) bool, True at real source tokens: what attention must not look past."""
        return self.src != PAD

    def to(self, device):
        return Batch(self.src.to(device), self.src_lengths, self.tgt_in.to(device), self.tgt_out.to(device))


def make_batch(pairs, src_vocab, tgt_vocab):
    """The Batch of a list of (source tokens, target tokens) pairs."""
    if not pairs:
        raise ValueError("make_batch needs at least one pair; got none")
    src = [src_vocab.encode(s) for s, _ in pairs]
    if min(map(len, src)) == 0:
        raise ValueError("every source needs at least one token; got an empty one")
    tgt = [tgt_vocab.encode(t) for _, t in pairs]
    src, lengths = pad([torch.tensor(s) for s in src], padding_value=PAD)
    tgt_in, _ = pad([torch.tensor([SOS] + t) for t in tgt], padding_value=PAD)
    tgt_out, _ = pad([torch.tensor(t + [EOS]) for t in tgt], padding_value=PAD)
    return Batch(src, lengths, tgt_in, tgt_out)


def batches(pairs, src_vocab, tgt_vocab, batch_size, *, generator=None):
    """Batches of ``pairs`` in a random order (seeded by ``generator``), or in order without one."""
    order = (torch.randperm(len(pairs), generator=generator) if generator is not None
             else torch.arange(len(pairs)))
    for k in range(0, len(pairs), batch_size):
        yield make_batch([pairs[int(i)] for i in order[k:k + batch_size]], src_vocab, tgt_vocab)
