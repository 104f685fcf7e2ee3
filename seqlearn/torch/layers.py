"""The recurrent layer in PyTorch: stacking, two directions, PackedSequence, dropout between layers.

``RNN``, ``LSTM`` and ``GRU`` are ``torch.nn.Module``s with torch.nn's constructor, parameter
names and return values, built from the step functions in this package (no torch.nn recurrent
modules and no fused recurrent kernels). They run on whatever device holds their parameters.
"""
import math
import warnings

import torch
import torch.nn.functional as nnf
from torch import nn
from torch.autograd.function import once_differentiable
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .. import _checks
from .._checks import OPTION_DEFAULTS
from .gru import gru_step
from .lstm import lstm_step
from .rnn import rnn_step


class Recurrent(nn.Module):
    """Base of RNN, LSTM and GRU: parameters, input checks and the loop over layers and directions."""

    step, gates, num_state = None, None, None
    additive = False          # True when a step's pre-activation is gi + h W_hh^T + b_hh (RNN and LSTM)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **options):
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:       # the same advice torch.nn gives
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.num_directions = bidirectional, 2 if bidirectional else 1
        self.options = options
        GH, factory = self.gates * hidden_size, {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ["", "_reverse"][:self.num_directions]:
                self.register_parameter(f"weight_ih_l{layer}{suffix}", nn.Parameter(torch.empty(GH, in_size, **factory)))
                self.register_parameter(f"weight_hh_l{layer}{suffix}", nn.Parameter(torch.empty(GH, hidden_size, **factory)))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}", nn.Parameter(torch.empty(GH, **factory)))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}", nn.Parameter(torch.empty(GH, **factory)))
        self.reset_parameters()

    def reset_parameters(self):
        """torch's initialisation: every parameter uniform in ±1/sqrt(hidden_size)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def flatten_parameters(self):
        """Accepted for compatibility with torch.nn (cuDNN weight packing); nothing to do here."""

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in [("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        return s + "".join(f", {k}={v!r}" for k, v in self.options.items() if v != OPTION_DEFAULTS[k])

    def _weights(self, layer, d):
        suffix = f"_l{layer}" + ("_reverse" if d else "")
        return [getattr(self, p + suffix, None) for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    def forward(self, input, hx=None):
        """Run the network on (T, B, I), (B, T, I) with batch_first, unbatched (T, I), or a PackedSequence.

        hx: h_0 of shape (L*D, B, H) ((h_0, c_0) for the LSTM), zeros when None.
        Returns (output, h_n) ((output, (h_n, c_n)) for the LSTM), exactly as torch.nn does.
        """
        packed = isinstance(input, PackedSequence)
        mask = None
        if packed:
            x, lengths = pad_packed_sequence(input)           # (T, B, I), original batch order
            mask = (torch.arange(x.shape[0])[:, None] < lengths[None, :])[..., None].to(x.device)
            batched = True
        else:
            x = input
        w = self.weight_ih_l0
        _checks.check_dtype("input", x.dtype, w.dtype)
        if x.device != w.device:
            raise ValueError(f"input is on {x.device} but the parameters are on {w.device}; move one of them")
        if not packed:
            batched = _checks.check_input(x.shape, self.input_size, self.batch_first)
            x = (x.transpose(0, 1) if self.batch_first else x) if batched else x.unsqueeze(1)
        elif x.shape[-1] != self.input_size:
            _checks.check_input(x.shape, self.input_size, False)
        states = self._initial_state(hx, batched, x.shape[1], x)
        L, D = self.num_layers, self.num_directions
        final = [[None] * (L * D) for _ in range(self.num_state)]
        inp = x
        for layer in range(L):
            if layer > 0 and self.dropout > 0:
                inp = nnf.dropout(inp, self.dropout, self.training)
            outs = []
            for d in range(D):
                k = layer * D + d
                out, state = self._run_direction(inp, tuple(s[k] for s in states), self._weights(layer, d), d == 1, mask)
                outs.append(out)
                for f, s in zip(final, state):
                    f[k] = s
            inp = outs[0] if D == 1 else torch.cat(outs, dim=2)
        final = [torch.stack(f) for f in final]
        if packed:
            output = self._repack(inp, lengths, input)
        else:
            output = (inp.transpose(0, 1) if self.batch_first else inp) if batched else inp.squeeze(1)
            final = [f if batched else f.squeeze(1) for f in final]
        return output, (tuple(final) if self.num_state == 2 else final[0])

    def _initial_state(self, hx, batched, B, x):
        shape = _checks.state_shape(self.num_layers * self.num_directions, batched, B, self.hidden_size)
        if hx is None:
            zeros = x.new_zeros(shape[:1] + (B, self.hidden_size))
            return [zeros] * self.num_state
        hx = tuple(hx) if self.num_state == 2 else (hx,)
        states = []
        for name, s in zip(["h_0", "c_0"], hx):
            _checks.check_state(name, s.shape, shape)
            _checks.check_dtype(name, s.dtype, x.dtype)
            states.append(s if batched else s.unsqueeze(1))
        return states

    def _run_direction(self, inp, state, weights, reverse, mask):
        """One layer, one direction over the sequence: returns (output (T, B, H), final state tuple)."""
        w_ih, w_hh, b_ih, b_hh = weights
        if self.additive and b_hh is not None:       # a_t = gi_t + h W_hh^T + b_hh: add b_hh once, here
            b_ih, b_hh = b_ih + b_hh, None
        gi = nnf.linear(inp, w_ih, b_ih)             # (T, B, G*H): input projection for all steps in one GEMM
        defer = self.additive and torch.is_grad_enabled() and w_hh.requires_grad
        if defer:                                    # dW_hh in one GEMM after the loop: _DeferredWeightGrad
            h_prev = []
            gi, w_hh = _DeferredWeightGrad.apply(gi, w_hh, h_prev), w_hh.detach()
        gi = gi.unbind(0)                            # T views at once; gi[t] in the loop makes backward O(T^2)
        T = len(gi)
        outs, hs = [None] * T, [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            hs[t] = state[0]                         # h_{t-1}, the state step t starts from
            new = self.step(gi[t], state, w_hh, b_hh, **self.options)
            if mask is None:
                state, outs[t] = new, new[0]
            else:                                    # past its length a sequence keeps its state, outputs 0
                state = tuple(torch.where(mask[t], n, s) for n, s in zip(new, state))
                outs[t] = new[0] * mask[t]
        if defer:
            h_prev.append(torch.stack(hs).detach())  # (T, B, H), for _DeferredWeightGrad's backward
        return torch.stack(outs), state

    @staticmethod
    def _repack(out, lengths, like):
        """Padded output (T, B, D*H) in original batch order -> PackedSequence laid out like ``like``."""
        order = like.sorted_indices
        if order is not None:
            out, lengths = out.index_select(1, order), lengths[order.cpu()]
        data = pack_padded_sequence(out, lengths, enforce_sorted=True).data
        return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class _DeferredWeightGrad(torch.autograd.Function):
    """Identity on gi whose backward also returns dL/dW_hh = sum_t da_t^T h_{t-1} in ONE matrix product.

    For the RNN and the LSTM a_t = gi_t + h_{t-1} W_hh^T, so dL/dgi_t = dL/da_t. The loop runs with
    W_hh detached, so autograd skips T small (G*H, B) @ (B, H) products and their running sum; the
    layer puts the stacked states h_{t-1} (T, B, H) into the list ``h_prev`` once the loop is done.
    """

    @staticmethod
    def forward(ctx, gi, weight_hh, h_prev):
        ctx.h_prev = h_prev
        return gi.view_as(gi)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_gi):                      # grad_gi: (T, B, G*H), da_t for every step
        (h_prev,) = ctx.h_prev
        GH, H = grad_gi.shape[-1], h_prev.shape[-1]
        grad_w = grad_gi.reshape(-1, GH).T @ h_prev.reshape(-1, H) if ctx.needs_input_grad[1] else None
        return grad_gi, grad_w, None


class RNN(Recurrent):
    """Elman RNN with ``nonlinearity='tanh'`` or ``'relu'``, written from its equation (mirrors torch.nn.RNN)."""
    step, gates, num_state, additive = staticmethod(rnn_step), 1, 1, True

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, nonlinearity=nonlinearity)


class LSTM(Recurrent):
    """LSTM written from its gate equations, gate order i, f, g, o (mirrors torch.nn.LSTM)."""
    step, gates, num_state, additive = staticmethod(lstm_step), 4, 2, True


class GRU(Recurrent):
    """GRU written from its gate equations, gate order r, z, n (mirrors torch.nn.GRU).

    ``reset_after=True`` (default) is torch's variant; ``reset_after=False`` the Cho et al. (2014) original.
    """
    step, gates, num_state = staticmethod(gru_step), 3, 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, *, reset_after=True):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, reset_after=reset_after)
