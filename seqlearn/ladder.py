"""The LSTM layer written the slow way, then made faster one change at a time (the ladder of the book's
chapter "Making it fast", notebooks/15_making_it_fast.ipynb).

Each rung computes exactly what ``torch.nn.LSTM`` computes for one layer and one direction from a
zero state, from torch.nn's weights ``w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H,)``, and returns the
output (T, B, H); ``tests/test_bench.py`` checks values and gradients against torch.nn in float64.
``python -m seqlearn.bench --ladder`` times them; ``seqlearn.torch.LSTM`` is the rung after the last.

Each rung adds one change to the one before:

    per_gate     eight small matrix products per step (one per gate and input); x[t] indexed in the loop
    fused_gates  two products per step: x_t W_ih^T and h W_hh^T give all four gates at once
    unbind       x.unbind(0) instead of x[t]: each x[t] costs a (T, B, I) gradient in backward, O(T^2)
    hoisted      x W_ih^T for all steps in one GEMM before the loop, b_ih + b_hh added once

After them come seqlearn.torch.LSTM's two loops: ``layers.py`` (W_hh's gradient in one product after
the loop) and ``fast.py`` (in-place inference, a hand-written backward). ``indexed`` is ``hoisted``
with gi[t] instead of the unbound views: the trap the order of the rungs avoids, kept to measure it.

Beyond the ladder: ``scripted`` (the ``hoisted`` loop compiled by TorchScript), ``compiled_cell`` and
``compiled_layer`` (torch.compile of the step or of the whole unrolled loop), and
``bidirectional_batched``, which runs both directions of a BiLSTM in one batched product per step.

The ladder retraces, for teaching, what PyTorch's own RNN benchmarks (``benchmarks/fastrnns`` in the
PyTorch repository) compare: their "premul" LSTM is the ``hoisted`` rung.
"""
import warnings
from typing import List

import torch
import torch.nn.functional as nnf


def per_gate(x, w_ih, w_hh, b_ih, b_hh):
    """Rung 0: the equations as written, one matrix product per gate and per input."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    W_i, W_h = w_ih.split(H), w_hh.split(H)      # (H, I) and (H, H) blocks in the order i, f, g, o
    b_i, b_h = b_ih.split(H), b_hh.split(H)
    h = c = x.new_zeros(B, H)
    outs = []
    for t in range(T):
        a = [x[t] @ W_i[k].T + b_i[k] + h @ W_h[k].T + b_h[k] for k in range(4)]   # 8 GEMMs
        i, f, g, o = torch.sigmoid(a[0]), torch.sigmoid(a[1]), torch.tanh(a[2]), torch.sigmoid(a[3])
        c = f * c + i * g                         # c_t = f ⊙ c_{t-1} + i ⊙ g
        h = o * torch.tanh(c)                     # h_t = o ⊙ tanh(c_t)
        outs.append(h)
    return torch.stack(outs)


def cell(a, c):
    """The LSTM's elementwise part: pre-activations a (B, 4H) and c (B, H) -> (h_new, c_new)."""
    i, f, g, o = a.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def fused_gates(x, w_ih, w_hh, b_ih, b_hh):
    """Rung 1: all four gates from one product with W_ih and one with W_hh per step."""
    h = c = x.new_zeros(x.shape[1], w_hh.shape[1])
    outs = []
    for t in range(x.shape[0]):
        h, c = cell(nnf.linear(x[t], w_ih, b_ih) + nnf.linear(h, w_hh, b_hh), c)   # (B, 4H)
        outs.append(h)
    return torch.stack(outs)


def unbind(x, w_ih, w_hh, b_ih, b_hh):
    """Rung 2: as rung 1, with the input split into T views once (its backward is linear in T)."""
    h = c = x.new_zeros(x.shape[1], w_hh.shape[1])
    outs = []
    for x_t in x.unbind(0):
        h, c = cell(nnf.linear(x_t, w_ih, b_ih) + nnf.linear(h, w_hh, b_hh), c)
        outs.append(h)
    return torch.stack(outs)


def hoisted(x, w_ih, w_hh, b_ih, b_hh):
    """Rung 3: the input projection of every step in one GEMM before the loop, biases added once."""
    gi = nnf.linear(x, w_ih, b_ih + b_hh).unbind(0)   # (T, B, 4H), split into T views
    h = c = x.new_zeros(x.shape[1], w_hh.shape[1])
    outs = []
    for gi_t in gi:
        h, c = cell(gi_t + h @ w_hh.T, c)
        outs.append(h)
    return torch.stack(outs)


def indexed(x, w_ih, w_hh, b_ih, b_hh):
    """``hoisted`` with gi[t] in the loop: in backward each gi[t] makes a full (T, B, 4H) gradient."""
    gi = nnf.linear(x, w_ih, b_ih + b_hh)
    h = c = x.new_zeros(x.shape[1], w_hh.shape[1])
    outs = []
    for t in range(x.shape[0]):
        h, c = cell(gi[t] + h @ w_hh.T, c)
        outs.append(h)
    return torch.stack(outs)


def _hoisted_typed(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                   b_hh: torch.Tensor) -> torch.Tensor:
    """``hoisted`` with type annotations and the cell inlined, as TorchScript wants it."""
    gi = nnf.linear(x, w_ih, b_ih + b_hh).unbind(0)
    h = torch.zeros(x.shape[1], w_hh.shape[1], dtype=x.dtype, device=x.device)
    c = torch.zeros_like(h)
    outs: List[torch.Tensor] = []
    for gi_t in gi:
        i, f, g, o = (gi_t + h @ w_hh.t()).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs)


def scripted():
    """The ``hoisted`` rung compiled by TorchScript (the loop stays a loop: compiling takes milliseconds).

    torch 2.13 deprecates TorchScript in favour of torch.compile; it stays here as a data point.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", DeprecationWarning)
        return torch.jit.script(_hoisted_typed)


def compiled_cell(**options):
    """The ``hoisted`` rung with its elementwise cell compiled by torch.compile (fused into one kernel)."""
    fast_cell = torch.compile(cell, **options)

    def layer(x, w_ih, w_hh, b_ih, b_hh):
        gi = nnf.linear(x, w_ih, b_ih + b_hh).unbind(0)
        h = c = x.new_zeros(x.shape[1], w_hh.shape[1])
        outs = []
        for gi_t in gi:
            h, c = fast_cell(gi_t + h @ w_hh.T, c)
            outs.append(h)
        return torch.stack(outs)
    return layer


def compiled_layer(**options):
    """torch.compile of the whole ``hoisted`` layer: the T-step loop is unrolled into one graph."""
    return torch.compile(hoisted, **options)


def bidirectional_batched(x, forward_weights, reverse_weights):
    """A BiLSTM layer (output (T, B, 2H)) with both directions in one batched product per step.

    The reverse direction reads the sequence backwards, so its projections are flipped in time
    and step t of the loop advances the forward cell at time t and the reverse cell at T-1-t.
    """
    (wf_ih, wf_hh, bf_ih, bf_hh), (wr_ih, wr_hh, br_ih, br_hh) = forward_weights, reverse_weights
    H = wf_hh.shape[1]
    gi = nnf.linear(x, torch.cat([wf_ih, wr_ih]), torch.cat([bf_ih + bf_hh, br_ih + br_hh]))  # one GEMM
    gi_f, gi_r = gi.split(4 * H, dim=2)           # (T, B, 4H) each
    gi = torch.stack([gi_f, gi_r.flip(0)], dim=1).unbind(0)    # T x (2, B, 4H)
    w_hh_t = torch.stack([wf_hh.T, wr_hh.T])      # (2, H, 4H)
    h = c = x.new_zeros(2 * x.shape[1], H)        # both directions' states stacked: (2B, H)
    outs = []
    for gi_t in gi:
        a = torch.baddbmm(gi_t, h.view(2, -1, H), w_hh_t)      # (2, B, 4H): one batched GEMM
        h, c = cell(a.view(-1, 4 * H), c)
        outs.append(h.view(2, -1, H))
    out = torch.stack(outs)                       # (T, 2, B, H)
    return torch.cat([out[:, 0], out[:, 1].flip(0)], dim=2)


RUNGS = {"per_gate": per_gate, "fused_gates": fused_gates, "unbind": unbind, "hoisted": hoisted}
