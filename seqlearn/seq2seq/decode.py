"""Writing an output with a trained Seq2Seq: greedy decoding and beam search.

Both stop a hypothesis at EOS. Greedy takes the most probable token at every step; beam search
keeps the ``beam_size`` best prefixes by total log-probability and, among the finished ones,
returns the best by log p / length**alpha (alpha = 0: the raw sum, which favours short outputs;
alpha = 1: the mean log-probability per token; Wu et al. 2016 discuss the choice).
"""
import torch

from .batch import EOS, PAD, SOS


@torch.no_grad()
def greedy(model, src, lengths, max_len=20):
    """Token ids (B, L) ending in EOS then PAD, and attention weights (B, L, S) or None."""
    memory, mask, state = model.encode(src, lengths)
    prepared = model.decoder.prepare(memory)
    B = src.shape[0]
    y = torch.full((B,), SOS, dtype=torch.long, device=src.device)
    done = torch.zeros(B, dtype=torch.bool, device=src.device)
    tokens, weights = [], []
    for _ in range(max_len):
        logits, state, w = model.decoder(y, state, memory, mask, prepared)
        y = logits.argmax(-1).masked_fill(done, PAD)                     # (B,)
        tokens.append(y)
        weights.append(w)
        done |= y == EOS
        if done.all():
            break
    attn = None if weights[0] is None else torch.stack(weights, 1)
    return torch.stack(tokens, 1), attn


def _expand(state, k):
    if isinstance(state, tuple):
        return tuple(s.expand(k, -1).contiguous() for s in state)
    return state.expand(k, -1).contiguous()


def _select(state, rows):
    return tuple(s[rows] for s in state) if isinstance(state, tuple) else state[rows]


@torch.no_grad()
def beam_search(model, src, length, beam_size=5, max_len=20, alpha=1.0):
    """The best output of one source (S,) int64: (token ids ending in EOS, its score, its log p).

    Each step extends every live prefix by every token and keeps the 2·beam_size best by total
    log-probability; those of the best beam_size that end in EOS are finished, and the best
    beam_size of the rest live on.
    The search stops when beam_size hypotheses have finished or after max_len steps (then the live
    ones count as finished). With beam_size=1 this is greedy decoding.
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1; got {beam_size}")
    memory, mask, state = model.encode(src[None], torch.as_tensor(length).reshape(1))
    prepared = model.decoder.prepare(memory)
    prefixes = [[]]
    logp = torch.zeros(1, dtype=memory.dtype, device=src.device)                          # (k,)
    finished = []                                                       # (score, log p, ids)
    for step in range(max_len):
        k = len(prefixes)
        args = [memory.expand(k, -1, -1), mask.expand(k, -1)]
        if prepared is not None:
            args.append(prepared.expand(k, -1, -1))
        y = torch.tensor([p[-1] if p else SOS for p in prefixes], device=src.device)
        logits, state, _ = model.decoder(y, state if step else _expand(state, k), *args)
        total = (logp[:, None] + logits.log_softmax(-1)).flatten()     # (k·V,)
        best = total.topk(min(2 * beam_size, total.numel()))
        V = logits.shape[-1]
        keep, new_logp = [], []
        for rank, (value, index) in enumerate(zip(best.values.tolist(), best.indices.tolist())):
            row, token = divmod(index, V)
            ids = prefixes[row] + [token]
            if token == EOS:
                if rank < beam_size:                # an EOS outside the best k is dropped
                    finished.append((value / len(ids) ** alpha, value, ids))
            elif len(keep) < beam_size:
                keep.append((row, ids))
                new_logp.append(value)
        if len(finished) >= beam_size or not keep:
            break
        rows = torch.tensor([r for r, _ in keep], device=src.device)
        state, prefixes = _select(state, rows), [ids for _, ids in keep]
        logp = torch.tensor(new_logp, dtype=memory.dtype, device=src.device)
    else:
        finished += [(v / len(p) ** alpha, v, p) for v, p in zip(logp.tolist(), prefixes)]
    score, total, ids = max(finished, key=lambda f: f[0])
    return ids, score, total
