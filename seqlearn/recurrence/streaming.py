"""One new token at a time: a recurrent state against attention over everything read so far.

    python -m seqlearn.recurrence.streaming --out seqlearn/results/recurrence_today/streaming.json

A recurrent layer carries a state of fixed size and spends the same work on every token. Causal
attention with a key/value cache keeps two vectors per token read, and the t-th token's query
reads all t of them. ``state_bytes`` counts what each must keep; ``time_per_token`` times one
step of each at a given context length, with the context already in memory (a cache filled with
random keys and values: the cost of a step does not depend on their values).
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as nnf
from torch import nn
from ..utils import run_record

CONTEXTS = (100, 1_000, 10_000, 100_000)


def state_bytes(kind, context, width, layers=1, bytes_per_number=4):
    """What one sequence must keep to take its next step: the state, or the key/value cache."""
    if kind in ("GRU", "minGRU"):
        per_layer = width                                 # h
    elif kind == "LSTM":
        per_layer = 2 * width                             # h and c
    elif kind == "attention":
        per_layer = 2 * context * width                   # a key and a value per token read
    else:
        raise ValueError(f"kind must be GRU, LSTM, minGRU or attention; got {kind!r}")
    return layers * per_layer * bytes_per_number


class _Attention(nn.Module):
    """One causal attention head with a cache: project x_t, append k_t and v_t, read all keys."""

    def __init__(self, width):
        super().__init__()
        self.qkv = nn.Linear(width, 3 * width)

    def step(self, x, keys, values, t):
        q, k, v = self.qkv(x).chunk(3, dim=-1)             # (B, W) each
        keys[:, t], values[:, t] = k, v                    # the cache grows by one token
        w = nnf.softmax(torch.einsum("bw,btw->bt", q, keys[:, :t + 1]) / math.sqrt(q.shape[-1]), dim=-1)
        return torch.einsum("bt,btw->bw", w, values[:, :t + 1])


def time_per_token(kind, context, width=256, batch=1, repeats=20, seed=0):
    """Median seconds of one step (no gradient) of ``kind`` with ``context`` tokens already read."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, width, generator=g)
    if kind == "attention":
        torch.manual_seed(seed)
        layer = _Attention(width)
        keys = torch.randn(batch, context + 1, width, generator=g)
        values = torch.randn(batch, context + 1, width, generator=g)

        def step():
            return layer.step(x, keys, values, context)
    else:
        from ..torch.minrnn import MinGRU
        torch.manual_seed(seed)
        cell = {"GRU": lambda: nn.GRUCell(width, width), "LSTM": lambda: nn.LSTMCell(width, width),
                "minGRU": lambda: MinGRU(width, width, mode="sequential")}[kind]()
        h = torch.rand(batch, width, generator=g) + 0.1

        def step():
            if kind == "minGRU":
                return cell(x[None], h[None])[0]
            return cell(x, (h, h) if kind == "LSTM" else h)
    times = []
    with torch.no_grad():
        step()
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(contexts=CONTEXTS, width=256, repeats=20):
    """Rows of (kind, context, bytes kept, seconds per token) for the GRU, minGRU and attention."""
    rows = []
    for context in contexts:
        for kind in ("GRU", "minGRU", "attention"):
            rows.append({"kind": kind, "context": context, "width": width,
                         "bytes": state_bytes(kind, context, width),
                         "seconds": time_per_token(kind, context, width, repeats=repeats)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the JSON file to write")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"rows": measure(),
              **run_record("seqlearn.recurrence.streaming", argv)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
