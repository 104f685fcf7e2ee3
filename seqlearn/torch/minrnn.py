"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): gates that read x_t only.

Take the GRU and the LSTM, and let the gates and the candidate see the input alone:

    minGRU:   z_t = σ(k_z),  h̃_t = g(k_h),   h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
    minLSTM:  f_t = σ(k_f),  i_t = σ(k_i),  h̃_t = g(k_h),
              f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t),   h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

with k = x_t W_ih^T + b_ih (blocks z, h for minGRU; f, i, h for minLSTM). Each is the linear
recurrence h_t = a_t ⊙ h_{t-1} + b_t of ``seqlearn.torch.scan`` with a_t, b_t known before the loop,
so training needs no step-by-step loop. ``g`` keeps the candidate positive, as the paper's log-space
version needs: g(x) = x + 1/2 for x ≥ 0 and σ(x) below (continuous at 0); ``positive=False`` uses
h̃_t = k_h instead and rules out mode="log".

Modes (same numbers, different schedules): "sequential" (the loop, what streaming inference runs),
"scan" (``linear_scan_tree``), "log" (``linear_scan_log``, the paper's parallel mode, the default).
Layers stack as torch.nn's do (``num_layers``); the names follow torch.nn: ``weight_ih_l{k}``,
``bias_ih_l{k}``. There is no ``weight_hh``: that is the point.
"""
import math

import torch
import torch.nn.functional as nnf
from torch import nn

from .._checks import InputError, check_input, check_state
from .scan import linear_scan_log, linear_scan_loop, linear_scan_tree

MODES = ("sequential", "scan", "log")


def g(x):
    """The positive candidate of Feng et al.: x + 1/2 for x ≥ 0, σ(x) for x < 0."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x):
    """log g(x), computed without forming g: log(x + 1/2) for x ≥ 0, -softplus(-x) below.

    The clamp only keeps the unused branch finite for x < 0; unlike relu, whose gradient at 0 is 0,
    it passes the gradient at x = 0, so (log g)'(0) = 2 = g'(0) / g(0), as in the other modes.
    """
    return torch.where(x >= 0, torch.log(x.clamp_min(0) + 0.5), -nnf.softplus(-x))


def _coefficients(kind, k):
    """log a, log w and k_h from the projections k (T, B, G*H); b = w ⊙ h̃."""
    blocks = k.chunk(2 if kind == "minGRU" else 3, dim=-1)
    k_h = blocks[-1]
    if kind == "minGRU":
        k_z = blocks[0]
        # log a = log(1 - z) = -softplus(k_z),  log w = log z = -softplus(-k_z)
        log_a, log_w = -nnf.softplus(k_z), -nnf.softplus(-k_z)
    else:
        k_f, k_i = blocks[0], blocks[1]
        diff = nnf.softplus(-k_f) - nnf.softplus(-k_i)        # log(i / f)
        # log a = log f' = -softplus(diff),  log w = log i' = -softplus(-diff)
        log_a, log_w = -nnf.softplus(diff), -nnf.softplus(-diff)
    return log_a, log_w, k_h


class MinRNN(nn.Module):
    """A stack of minGRU or minLSTM layers; ``forward(x, h0=None)`` returns (output, h_n) as torch.nn.GRU."""

    def __init__(self, kind, input_size, hidden_size, num_layers=1, *, bias=True, batch_first=False,
                 mode="log", positive=True, dtype=None, device=None):
        super().__init__()
        if kind not in ("minGRU", "minLSTM"):
            raise ValueError(f"kind must be 'minGRU' or 'minLSTM', got {kind!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode == "log" and not positive:
            raise ValueError("mode='log' needs positive=True: the log of a candidate of either sign is undefined")
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        self.kind, self.mode, self.positive = kind, mode, positive
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, False
        G = 2 if kind == "minGRU" else 3
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size
            setattr(self, f"weight_ih_l{layer}",
                    nn.Parameter(torch.empty(G * hidden_size, width, dtype=dtype, device=device)))
            if bias:
                setattr(self, f"bias_ih_l{layer}",
                        nn.Parameter(torch.empty(G * hidden_size, dtype=dtype, device=device)))
        self.reset_parameters()

    def reset_parameters(self):
        """Uniform on ±1/√H, as torch.nn's recurrent layers."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self):
        return (f"{self.kind}, {self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"mode={self.mode!r}, positive={self.positive}, batch_first={self.batch_first}")

    def forward(self, x, h0=None):
        """x (T, B, I) or (B, T, I) with batch_first, or (T, I); h0 (num_layers, B, H). Returns (output, h_n)."""
        batched = check_input(x.shape, self.input_size, self.batch_first)
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)                 # time-major inside: (T, B, I)
        B, L, H = x.shape[1], self.num_layers, self.hidden_size
        if h0 is not None:
            check_state("h0", h0.shape, (L, B, H) if batched else (L, H))
            h0 = h0 if batched else h0.unsqueeze(1)
            if self.mode == "log" and bool((h0 <= 0).any()):
                raise InputError("mode='log' needs a positive h0 (it takes log h0); use mode='scan' "
                                 "or 'sequential' for an h0 of either sign")
        finals = []
        for layer in range(L):
            x = self._layer(x, layer, None if h0 is None else h0[layer])
            finals.append(x[-1])
        h_n = torch.stack(finals)                 # (L, B, H)
        if not batched:
            return x.squeeze(1), h_n.squeeze(1)
        return (x.transpose(0, 1) if self.batch_first else x), h_n

    def _layer(self, x, layer, h0):
        # k (T, B, G*H): the projections of every step at once
        k = nnf.linear(x, getattr(self, f"weight_ih_l{layer}"),
                       getattr(self, f"bias_ih_l{layer}", None))
        log_a, log_w, k_h = _coefficients(self.kind, k)
        if self.mode == "log":
            # log b_t = log w_t + log h̃_t
            return linear_scan_log(log_a, log_w + log_g(k_h), h0)
        cand = g(k_h) if self.positive else k_h               # h̃_t
        # h_t = a_t ⊙ h_{t-1} + b_t,  b_t = w_t ⊙ h̃_t
        a, b = torch.exp(log_a), torch.exp(log_w) * cand
        run = linear_scan_loop if self.mode == "sequential" else linear_scan_tree
        return run(a, b, h0)


class MinGRU(MinRNN):
    """minGRU layers: ``MinGRU(input_size, hidden_size, num_layers=1, mode="log", ...)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, **kwargs):
        super().__init__("minGRU", input_size, hidden_size, num_layers, **kwargs)


class MinLSTM(MinRNN):
    """minLSTM layers: ``MinLSTM(input_size, hidden_size, num_layers=1, mode="log", ...)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, **kwargs):
        super().__init__("minLSTM", input_size, hidden_size, num_layers, **kwargs)
