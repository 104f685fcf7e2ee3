"""The recurrent layer in PyTorch: stacking, two directions, PackedSequence, dropout between layers.

``RNN``, ``LSTM`` and ``GRU`` are ``torch.nn.Module``s with torch.nn's constructor, parameter
names and return values, built from the step functions in this package (no torch.nn recurrent
modules and no fused recurrent kernels). They run on whatever device holds their parameters.
Arguments, parameters and attributes are in ``base.py``; this file is the forward pass.
"""
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as nnf
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .. import _checks
from .base import RecurrentBase
from .gru import gru_step
from .lstm import lstm_step
from .rnn import rnn_step


class Recurrent(RecurrentBase):
    """Base of RNN, LSTM and GRU: input checks and the loop over layers and directions."""

    step, num_state = None, None
    additive = False          # True when a step's pre-activation is gi + h W_hh^T + b_hh (RNN and LSTM)

    def forward(self, input, hx=None):
        """Run the network on (T, B, I), (B, T, I) with batch_first, unbatched (T, I), or a PackedSequence.

        hx: h_0 of shape (L*D, B, H) ((h_0, c_0) for the LSTM), zeros when None.
        Returns (output, h_n) ((output, (h_n, c_n)) for the LSTM), exactly as torch.nn does.
        With proj_size = R > 0 (LSTM), h_0, h_n and the output carry R features instead of H.
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
        if not _autocast_enabled():                          # under autocast torch.nn, too, lets dtypes differ
            _checks.check_dtype("input", x.dtype, w.dtype)
        _checks.check_device("input", x.device, w.device)
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
        """The initial states as (L*D, B, size) tensors: h_0 (size R or H) and, for the LSTM, c_0 (size H)."""
        sizes = [self.proj_size or self.hidden_size, self.hidden_size][:self.num_state]
        LD = self.num_layers * self.num_directions
        if hx is None:                               # one zero tensor serves h_0 and c_0 when they have one size
            zeros = {size: x.new_zeros(LD, B, size) for size in set(sizes)}
            return [zeros[size] for size in sizes]
        hx = _checks.split_states(hx, self.num_state)
        torch_names = ["hidden[0]", "hidden[1]"] if self.num_state == 2 else ["hidden"]
        states = []
        for name, torch_name, s, size in zip(["h_0", "c_0"], torch_names, hx, sizes):
            _checks.check_state(name, s.shape, _checks.state_shape(LD, batched, B, size), torch_name)
            if not _autocast_enabled():
                _checks.check_dtype(name, s.dtype, x.dtype)
            _checks.check_device(name, s.device, x.device)
            states.append(s if batched else s.unsqueeze(1))
        return states

    def _run_direction(self, inp, state, weights, reverse, mask):
        """One layer, one direction over the sequence: returns (output (T, B, H), final state tuple)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = weights
        if self.additive and b_hh is not None:       # a_t = gi_t + h W_hh^T + b_hh: add b_hh once, here
            b_ih, b_hh = b_ih + b_hh, None
        gi = nnf.linear(inp, w_ih, b_ih)             # (T, B, G*H): input projection for all steps in one GEMM
        T = gi.shape[0]
        defer = self.additive and _can_defer(w_hh)
        w_loop, hs = w_hh, [None] * T
        if defer:                                    # dW_hh in one GEMM after the loop: _DeferredWeightGrad
            gi, w_loop = _DeferredWeightGrad.apply(gi, w_hh, hs), w_hh.detach()
        gi = gi.unbind(0)                            # T views at once; gi[t] in the loop makes backward O(T^2)
        outs = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            gi_t = gi[t]
            if defer:                                # h_{t-1}, the state step t starts from
                hs[t] = state[0].detach()
                gi_t = _StepWeightGrad.apply(gi_t, state[0], w_hh)
            new = self.step(gi_t, state, w_loop, b_hh, **self.options)
            if w_hr is not None:                     # LSTM with projection: h_t = (o ⊙ tanh(c_t)) W_hr^T
                new = (nnf.linear(new[0], w_hr),) + new[1:]
            if mask is None:
                state, outs[t] = new, new[0]
            else:                                    # past its length a sequence keeps its state, outputs 0
                state = tuple(torch.where(mask[t], n, s) for n, s in zip(new, state))
                outs[t] = new[0] * mask[t]
        return torch.stack(outs), state

    @staticmethod
    def _repack(out, lengths, like):
        """Padded output (T, B, D*H) in original batch order -> PackedSequence laid out like ``like``."""
        order = like.sorted_indices
        if order is not None:
            out, lengths = out.index_select(1, order), lengths[order.cpu()]
        data = pack_padded_sequence(out, lengths, enforce_sorted=True).data
        return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


def _autocast_enabled():
    """True inside torch.autocast on any device (torch.nn's own test, a private function, where it exists)."""
    enabled = getattr(torch._C, "_is_any_autocast_enabled", None)
    return bool(enabled and enabled())


def _can_defer(weight_hh):
    """True when the loop may run on W_hh.detach() and leave dW_hh to the two functions below.

    They serve reverse-mode autograd at every order. Forward-mode AD through W_hh and torch.func's
    transforms (grad, vmap, jacfwd, hessian) take the plain path, where autograd sees every product.
    """
    functorch_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: False)
    return (torch.is_grad_enabled() and weight_hh.requires_grad
            and fwAD.unpack_dual(weight_hh).tangent is None and not functorch_active())


class _DeferredWeightGrad(torch.autograd.Function):
    """Identity on gi whose backward also returns dL/dW_hh = sum_t da_t^T h_{t-1} in ONE matrix product.

    For the RNN and the LSTM a_t = gi_t + h_{t-1} W_hh^T, so dL/dgi_t = dL/da_t. The loop runs with
    W_hh detached, so autograd skips T small (G*H, B) @ (B, H) products and their running sum; the
    layer puts the states h_{t-1} into the list ``h_prev`` as the loop reaches them. When backward
    builds a graph (create_graph=True) ``_StepWeightGrad`` returns dW_hh step by step instead, in
    products that the next derivative can follow.
    """

    @staticmethod
    def forward(ctx, gi, weight_hh, h_prev):
        ctx.h_prev = h_prev
        return gi.view_as(gi)

    @staticmethod
    def backward(ctx, grad_gi):                      # grad_gi: (T, B, G*H), da_t for every step
        if torch.is_grad_enabled() or not ctx.needs_input_grad[1]:
            return grad_gi, None, None
        h_prev = torch.stack(ctx.h_prev)             # (T, B, H): h_0 ... h_{T-1}
        GH, H = grad_gi.shape[-1], h_prev.shape[-1]
        return grad_gi, grad_gi.reshape(-1, GH).T @ h_prev.reshape(-1, H), None

    @staticmethod
    def jvp(ctx, gi_tangent, weight_tangent, _):
        return gi_tangent.view_as(gi_tangent)        # forward-mode AD: the identity (W_hh has no tangent here)


class _StepWeightGrad(torch.autograd.Function):
    """Identity on one step's gi_t that restores, when backward builds a graph, what detaching W_hh took.

    In an ordinary backward it passes da_t through and adds nothing. Under create_graph=True it returns
    this step's dW_hh = da_t^T h_{t-1}, and adds da_t (W_hh - W_hh.detach()) to dL/dh_{t-1}: zero in
    value, but it makes the loop's da_t W_hh depend on W_hh, so the next derivative follows it.
    """

    @staticmethod
    def forward(ctx, gi_t, h, weight_hh):
        ctx.save_for_backward(h, weight_hh)          # inputs, not outputs: no reference cycle
        return gi_t.view_as(gi_t)

    @staticmethod
    def backward(ctx, grad):                         # grad: (B, G*H), da_t
        if not torch.is_grad_enabled():
            return grad, None, None
        h, weight_hh = ctx.saved_tensors
        grad_h = grad @ (weight_hh - weight_hh.detach()) if ctx.needs_input_grad[1] else None
        return grad, grad_h, grad.T @ h if ctx.needs_input_grad[2] else None

    @staticmethod
    def jvp(ctx, gi_tangent, h_tangent, weight_tangent):
        return gi_tangent.view_as(gi_tangent)


class RNN(Recurrent):
    """Elman RNN with ``nonlinearity='tanh'`` or ``'relu'``, written from its equation (mirrors torch.nn.RNN)."""
    step, gates, num_state, additive = staticmethod(rnn_step), 1, 1, True

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _checks.check_options("RNN", nonlinearity=nonlinearity, unexpected=kwargs)
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype,
                         nonlinearity=nonlinearity)
        self.nonlinearity = nonlinearity


class LSTM(Recurrent):
    """LSTM written from its gate equations, gate order i, f, g, o (mirrors torch.nn.LSTM).

    ``proj_size=R > 0`` adds torch's projection (Sak et al. 2014): h_t = (o ⊙ tanh(c_t)) W_hr^T, R features.
    """
    step, gates, num_state, additive = staticmethod(lstm_step), 4, 2, True

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(Recurrent):
    """GRU written from its gate equations, gate order r, z, n (mirrors torch.nn.GRU).

    ``reset_after=True`` (default) is torch's variant; ``reset_after=False`` the Cho et al. (2014) original.
    """
    step, gates, num_state = staticmethod(gru_step), 3, 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, *, reset_after=True, **kwargs):
        _checks.check_options("GRU", reset_after=reset_after, unexpected=kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, reset_after=reset_after)
