"""The recurrent layer in PyTorch: stacking, two directions, PackedSequence, dropout between layers.

``RNN``, ``LSTM`` and ``GRU`` (``models.py``) are ``torch.nn.Module``s with torch.nn's constructor,
parameter names and return values, built from the step functions in this package (no torch.nn
recurrent modules and no fused recurrent kernels). They run on whatever device holds their
parameters. Arguments, parameters and attributes are in ``base.py``; this file is the forward pass.
"""
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as nnf
from torch.autograd.function import once_differentiable
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .. import _checks
from . import fast
from .base import RecurrentBase


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

    def _run_direction(self, inp, state, weights, reverse, mask, defer=None):
        """One layer, one direction over the sequence: returns (output (T, B, H), final state tuple).

        defer=None first asks fast.py for a faster loop (inference, and training the RNN, the vanilla
        LSTM and the GRU); where none applies (padded batches, projections, variants), it chooses
        defer=True, inside _FastPath, for the RNN and the LSTM under autograd: the loop runs with W_hh
        detached and dW_hh formed after it (_DeferredWeightGrad). defer=False is plain autograd.
        """
        if defer is None:
            fast_path = fast.path(self, inp, state, weights, mask)    # fast.py: the same numbers, fewer calls
            if fast_path is not None:
                return fast_path(self, inp, state, weights, reverse)
            defer = self.additive and _can_defer(weights[1], [inp, *state, *weights])
            if defer:                                # this same method, on detached inputs: see _FastPath
                return _FastPath.run(self, inp, state, weights, reverse, mask)
        w_ih, w_hh, b_ih, b_hh, w_hr = weights
        if self.additive and b_hh is not None:       # a_t = gi_t + h W_hh^T + b_hh: add b_hh once, here
            b_ih, b_hh = b_ih + b_hh, None
        gi = nnf.linear(inp, w_ih, b_ih)             # (T, B, G*H): input projection for all steps in one GEMM
        if defer:                                    # dW_hh in one GEMM after the loop: _DeferredWeightGrad
            h_prev = []
            gi, w_hh = _DeferredWeightGrad.apply(gi, w_hh, h_prev), w_hh.detach()
        gi = gi.unbind(0)                            # T views at once; gi[t] in the loop makes backward O(T^2)
        T = len(gi)
        outs, hs = [None] * T, [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            hs[t] = state[0]                         # h_{t-1}, the state step t starts from
            new = self.step(gi[t], state, w_hh, b_hh, **self.options)
            if w_hr is not None:                     # LSTM with projection: h_t = (o ⊙ tanh(c_t)) W_hr^T
                new = (nnf.linear(new[0], w_hr),) + new[1:]
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


def _autocast_enabled():
    """True inside torch.autocast on any device (torch.nn's own test, a private function, where it exists)."""
    enabled = getattr(torch._C, "_is_any_autocast_enabled", None)
    return bool(enabled and enabled())


def _can_defer(weight_hh, tensors):
    """True when the fast path applies: reverse-mode autograd, with a W_hh that needs a gradient.

    Forward-mode AD (a tangent on any input) and torch.func's transforms (grad, vmap, jacfwd,
    hessian) take the plain path, where autograd sees every product.
    """
    functorch_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: False)
    return (torch.is_grad_enabled() and weight_hh.requires_grad and not functorch_active()
            and all(fwAD.unpack_dual(t).tangent is None for t in tensors if t is not None))


class _DeferredWeightGrad(torch.autograd.Function):
    """Identity on gi whose backward also returns dL/dW_hh = sum_t da_t^T h_{t-1} in ONE matrix product.

    For the RNN and the LSTM a_t = gi_t + h_{t-1} W_hh^T, so dL/dgi_t = dL/da_t. The loop runs with
    W_hh detached, so autograd skips T small (G*H, B) @ (B, H) products and their running sum; the
    layer puts the stacked states h_{t-1} (T, B, H) into the list ``h_prev`` once the loop is done.
    It is differentiated once, inside _FastPath, which takes care of higher orders.
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


class _FastPath(torch.autograd.Function):
    """One layer and direction as ONE autograd node, so that the fast loop stays exact at every order.

    Forward runs the loop with defer=True on detached aliases of the inputs (no data is copied) and
    keeps that inner graph; an ordinary backward differentiates it, dW_hh in one product (a second
    backward, after retain_graph=True, builds it again). A backward that builds a graph
    (create_graph=True: gradient penalties, Hessian-vector products, gradgradcheck) runs the loop
    again on the inputs themselves with plain autograd: exact at every order, for one more forward.
    """

    @staticmethod
    def run(module, inp, state, weights, reverse, mask):
        """_run_direction's fast path: the same arguments and the same (output, final state)."""
        present = tuple(w is not None for w in weights)
        out, *final = _FastPath.apply(module, (reverse, mask, len(state), present), inp, *state,
                                      *[w for w in weights if w is not None])
        return out, tuple(final)

    @staticmethod
    def forward(ctx, module, how, *tensors):         # tensors: input, h_0 (c_0), the direction's weights
        ctx.module, ctx.how = module, how
        ctx.set_materialize_grads(False)             # an output the loss does not read gets None, not zeros
        ctx.save_for_backward(*tensors)
        ctx.inner = _FastPath.loop(ctx, [t.detach().requires_grad_(t.requires_grad) for t in tensors], True)
        return tuple(t.detach() for t in ctx.inner[1])

    @staticmethod
    def loop(ctx, tensors, defer):
        """_run_direction on ``tensors`` under autograd: returns (tensors, (output, *final state))."""
        reverse, mask, n_state, present = ctx.how
        weights = iter(tensors[1 + n_state:])
        weights = [next(weights) if p else None for p in present]
        with torch.enable_grad():
            out, state = ctx.module._run_direction(tensors[0], tuple(tensors[1:1 + n_state]), weights,
                                                   reverse, mask, defer=defer)
        return tensors, (out,) + state

    @staticmethod
    def backward(ctx, *grads):                       # grads of (output, h_n[, c_n]), None where unused
        create_graph = torch.is_grad_enabled()       # True under create_graph=True
        if create_graph:                             # plain autograd on the inputs themselves
            inputs, outs = _FastPath.loop(ctx, ctx.saved_tensors, False)
        else:                                        # the inner graph, built again after a first backward
            inputs, outs = ctx.inner or _FastPath.loop(
                ctx, [t.detach().requires_grad_(t.requires_grad) for t in ctx.saved_tensors], True)
        ctx.inner = None
        return fast.input_grads(ctx, inputs, outs, grads, create_graph)
