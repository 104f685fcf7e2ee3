"""A character-level language model in PyTorch: train it by truncated BPTT, measure it in bits, sample it.

``CharLM`` puts a one-hot input, a recurrent core (torch.nn's or seqlearn.torch's RNN, LSTM or GRU) and
a linear readout together; its state_dict keys (``core.*``, ``readout.*``) are those of the NumPy twin
``seqlearn.text.lm_numpy.CharLM``. ``train_tbptt`` runs truncated BPTT over a stream laid out by
``stream.batchify``, ``evaluate`` returns the loss of every character of a text, and ``sample``
generates text one character at a time, carrying the state.
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as nnf
from torch import nn

from ..utils import expected_parameters
from .stream import batchify, chunks, num_chunks


class CharLM(nn.Module):
    """ids (T, B) -> one-hot (T, B, V) -> core -> h (T, B, H) -> readout: logits (T, B, V)."""

    def __init__(self, core, vocab_size):
        super().__init__()
        if core.input_size != vocab_size or core.bidirectional or core.batch_first:
            raise ValueError("the core must be unidirectional, time-major, with input_size = vocab_size")
        w = core.weight_ih_l0
        self.core, self.vocab_size = core, vocab_size
        self.readout = nn.Linear(core.hidden_size, vocab_size, dtype=w.dtype, device=w.device)

    def forward(self, x, state=None):
        """x (T, B) character ids; state from the previous chunk (None: zeros). Returns (logits, state)."""
        onehot = nnf.one_hot(x, self.vocab_size).to(self.readout.weight.dtype)
        out, state = self.core(onehot, state)
        return self.readout(out), state


def char_lm(mode, vocab_size, hidden_size, num_layers=1, *, backend=nn, dtype=torch.float32, device=None):
    """A CharLM whose core is ``backend.RNN/LSTM/GRU`` (torch.nn or seqlearn.torch), on ``device``."""
    core = getattr(backend, mode)(vocab_size, hidden_size, num_layers, dtype=dtype, device=device)
    return CharLM(core, vocab_size)


def parameter_count(mode, vocab_size, hidden_size, num_layers=1):
    """Parameters of a CharLM: the core's (see expected_parameters) plus the readout's H·V + V."""
    return expected_parameters(mode, vocab_size, hidden_size, num_layers) + hidden_size * vocab_size + vocab_size


def hidden_for_budget(mode, vocab_size, budget, num_layers=1):
    """The hidden size whose CharLM has the parameter count closest to ``budget``."""
    sizes = range(1, 4096)
    return min(sizes, key=lambda H: abs(parameter_count(mode, vocab_size, H, num_layers) - budget))


def detach(state):
    """The state's values without their graph: h, or (h, c) for the LSTM."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_tbptt(model, data, *, k, lr, epochs=1, clip=None, val=None, val_batch=16, keep_best=False,
                optimizer="adam", decay=False):
    """Truncated BPTT over data (T, B) ids on the model's device: chunks of k steps, state carried.

    Per chunk: forward from the carried state, mean cross-entropy over the chunk's predictions,
    backward within the chunk (the carried state is detached), clip the global gradient norm to
    ``clip`` (None: no clipping), one step of Adam (``optimizer="adam"``) or Adagrad ("adagrad").
    decay: lower the learning rate linearly from ``lr`` to 0 over the whole run (constant when False).
    Each epoch starts from a zero state. val: validation ids (a 1-D array), evaluated after each epoch
    in bits per character with ``evaluate(..., batch=val_batch)``; keep_best: end with the epoch best
    on validation. Returns a history dict: per-chunk 'loss' (nats), per-epoch 'val_bpc', the
    training time of each epoch as 'seconds' (wall clock) and 'cpu_seconds' (this process's CPU time,
    which on a shared machine leaves out other programs' time slices), and 'best_epoch'.
    """
    if keep_best and val is None:
        raise ValueError("keep_best=True chooses the epoch on validation: pass val")
    make = {"adam": torch.optim.Adam, "adagrad": torch.optim.Adagrad}[optimizer]
    opt = make(model.parameters(), lr=lr, foreach=False)     # the single-tensor update the NumPy twin copies
    total, done = epochs * num_chunks(len(data), k), 0
    history = {"loss": [], "val_bpc": [], "seconds": [], "cpu_seconds": [], "best_epoch": epochs}
    best, best_state = math.inf, None
    for epoch in range(1, epochs + 1):
        model.train()
        state, start, cpu = None, time.perf_counter(), time.process_time()
        for x, y in chunks(data, k):
            logits, state = model(x, state)
            loss = nnf.cross_entropy(logits.reshape(-1, model.vocab_size), y.reshape(-1))
            opt.zero_grad()
            loss.backward()                                    # BPTT within this chunk only
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=False)
            opt.step()
            done += 1
            if decay:
                for group in opt.param_groups:
                    group["lr"] = lr * (1 - done / total)
            state = detach(state)                              # keep the value, cut the graph
            history["loss"].append(loss.item())
        history["seconds"].append(time.perf_counter() - start)
        history["cpu_seconds"].append(time.process_time() - cpu)
        if val is not None:
            history["val_bpc"].append(bits(evaluate(model, val, batch=val_batch)))
            if keep_best and history["val_bpc"][-1] < best:
                best, history["best_epoch"] = history["val_bpc"][-1], epoch
                best_state = {n: t.clone() for n, t in model.state_dict().items()}
    if keep_best and best_state is not None:                   # (None: every validation score was NaN)
        model.load_state_dict(best_state)
    return history


def bits(nll):
    """Mean negative log-likelihood in nats -> bits per character."""
    return float(np.mean(nll)) / math.log(2)


@torch.no_grad()
def evaluate(model, ids, batch=1, k=256):
    """-ln P(target) for the targets of ``ids`` (1-D), read as ``batch`` columns from a zero state each.

    With batch=1 the targets are ids[1:], every one predicted from all the text before it; with B
    columns they are the targets of ``batchify(ids, B)`` (each column starts afresh), in text order.
    Returns a NumPy array of nats.
    """
    model.eval()
    device = model.readout.weight.device
    data = torch.as_tensor(batchify(ids, batch), device=device)
    out, state = [], None
    for x, y in chunks(data, k):
        logits, state = model(x, state)
        out.append(nnf.cross_entropy(logits.reshape(-1, model.vocab_size), y.reshape(-1),
                                     reduction="none").reshape(y.shape))
    return torch.cat(out).T.reshape(-1).cpu().numpy()          # column after column: text order


@torch.no_grad()
def sample(model, vocab, prompt, length, *, temperature=1.0, top_k=None, greedy=False, generator=None):
    """Continue ``prompt`` by ``length`` characters, one at a time, carrying the state.

    Each step feeds one character and keeps only the state (h, and c for the LSTM): memory does not
    grow with the length. greedy: always the most likely character. Otherwise draw from
    softmax(logits / temperature), restricted to the ``top_k`` most likely characters when given; the
    draw uses ``generator`` (a CPU torch.Generator) and happens on the CPU, so it does not depend on
    the device. Returns the generated text (without the prompt).
    """
    model.eval()
    device = model.readout.weight.device
    logits, state = model(torch.as_tensor(vocab.encode(prompt), device=device)[:, None])
    out = []
    for _ in range(length):
        scores = logits[-1, 0].double().cpu()                  # (V,) scores of the next character
        if greedy:
            nxt = int(scores.argmax())
        else:
            scores = scores / temperature
            if top_k is not None:
                kth = torch.topk(scores, top_k).values[-1]
                scores = scores.masked_fill(scores < kth, -math.inf)
            nxt = int(torch.multinomial(torch.softmax(scores, 0), 1, generator=generator))
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]], device=device), state)
    return vocab.decode(out)
