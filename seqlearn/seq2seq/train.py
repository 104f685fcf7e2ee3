"""Training a Seq2Seq with a masked loss, and scoring its outputs.

The loss is the cross-entropy of every real target step (``ignore_index=PAD``), averaged over
those steps only: a padded step neither adds to the loss nor dilutes it. Scores are computed on
decoded outputs: exact match (every digit and the end in the right place) and token accuracy (the
share of target positions, EOS included, where the output has the right token).
"""
import numpy as np
import torch
import torch.nn.functional as F

from .batch import PAD, batches, make_batch
from .decode import beam_search, greedy


def masked_loss(logits, targets):
    """Mean cross-entropy over the real steps: logits (B, T, V), targets (B, T) with PAD."""
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=PAD)


def linear_decay(start=1.0, end=0.0):
    """A schedule for scheduled sampling: the teacher-forcing probability at progress 0..1."""
    return lambda progress: start + (end - start) * progress


def fit(model, pairs, vocabs, *, epochs=8, lr=3e-3, batch_size=64, teacher_forcing=1.0, seed=0,
        clip=1.0, device=None):
    """Train ``model`` on ``pairs`` with Adam; return the mean training loss of every epoch.

    teacher_forcing: a probability, or a function of the progress (0 at the start, 1 at the end)
    that returns one, as ``linear_decay`` makes. seed fixes the batch order and the coins.
    """
    device = device or next(model.parameters()).device
    order, coins = (torch.Generator().manual_seed(seed + k) for k in (0, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-len(pairs) // batch_size)
    history, step = [], 0
    model.train()
    for _ in range(epochs):
        losses = []
        for batch in batches(pairs, *vocabs, batch_size, generator=order):
            p = teacher_forcing(step / steps) if callable(teacher_forcing) else teacher_forcing
            logits, _ = model(batch.to(device), teacher_forcing=p, generator=coins)
            loss = masked_loss(logits, batch.tgt_out.to(device))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimiser.step()
            losses.append(loss.item())
            step += 1
        history.append(float(np.mean(losses)))
    model.eval()
    return history


def decode_all(model, pairs, vocabs, *, beam_size=None, alpha=1.0, batch_size=256, max_len=20):
    """The decoded target tokens of every pair's source (greedy, or beam search of beam_size)."""
    src_vocab, tgt_vocab = vocabs
    device = next(model.parameters()).device
    model.eval()
    out = []
    for k in range(0, len(pairs), batch_size):
        batch = make_batch(pairs[k:k + batch_size], src_vocab, tgt_vocab).to(device)
        if beam_size is None:
            ids, _ = greedy(model, batch.src, batch.src_lengths, max_len)
            out += [tgt_vocab.decode(row) for row in ids.tolist()]
        else:
            for src, n in zip(batch.src, batch.src_lengths):
                ids, _, _ = beam_search(model, src[:n], n, beam_size, max_len, alpha)
                out.append(tgt_vocab.decode(ids))
    return out


def token_accuracy(predicted, target):
    """Share of the target's positions, EOS included, where ``predicted`` has the same token."""
    want, got = list(target) + ["<eos>"], list(predicted) + ["<eos>"]
    return sum(a == b for a, b in zip(want, got)) / len(want)


def scores(predicted, pairs):
    """Exact match and mean token accuracy of decoded outputs against the pairs' targets."""
    if len(predicted) != len(pairs):
        raise ValueError(f"{len(predicted)} outputs for {len(pairs)} pairs")
    exact = np.mean([tuple(p) == tuple(t) for p, (_, t) in zip(predicted, pairs)])
    token = np.mean([token_accuracy(p, t) for p, (_, t) in zip(predicted, pairs)])
    return {"exact": float(exact), "token": float(token), "n": len(pairs)}


@torch.no_grad()
def teacher_forced_accuracy(model, pairs, vocabs, batch_size=256):
    """Next-token accuracy when every step reads the true previous token (real steps only)."""
    device = next(model.parameters()).device
    model.eval()
    right = total = 0
    for k in range(0, len(pairs), batch_size):
        batch = make_batch(pairs[k:k + batch_size], *vocabs).to(device)
        logits, _ = model(batch)
        real = batch.tgt_out != PAD
        right += int(((logits.argmax(-1) == batch.tgt_out) & real).sum())
        total += int(real.sum())
    return right / total
