"""Fast paths of the layer loop: the numbers of ``layers.py``, in fewer operations per step.

``layers.py`` runs the loop the book teaches: every step calls the cell function, which makes new
tensors, and autograd records each operation. On a CPU at small sizes the time goes into starting
operations (a few microseconds per ATen call from Python), not into arithmetic, so the way to go
faster is to start fewer of them. Two cases are common enough to deserve their own loop:

* **Inference** (no tensor needs a gradient: ``torch.no_grad()``, or a frozen model), RNN, LSTM and
  GRU. ``inference`` allocates the output and the buffers once, runs the recurrent product straight
  into a buffer (``torch.addmm(..., out=)``) and applies the gates in place through views made
  before the loop. A step costs 2 ATen calls for the RNN, 6 for the GRU and 7 for the LSTM.
* **Training.** ``_LSTMLayer`` (the vanilla LSTM), ``_GRULayer`` (torch's GRU) and ``_RNNLayer`` are
  autograd Functions for a whole layer and direction: the forward is the loop above, keeping what backward
  needs of every step (the LSTM's gates, c_t and tanh(c_t); the GRU's r, z, n and h W_hn^T; h); the backward is BPTT
  written by hand, as ``seqlearn.numpy``'s, with everything that does not depend on the recurrence
  computed for all steps at once before the loop (per step 6 calls for the LSTM, 4 for the GRU and 3 for
  the RNN) and the weight gradients as single products after it.
  A backward that builds a graph (``create_graph=True``), or runs under ``vmap`` (batched gradients),
  runs ``layers.py``'s loop again under autograd instead, so higher-order gradients stay exact.

The LSTM's forward loops permute the gate rows from torch.nn's order (i, f, g, o) to (i, f, o, g), so
that the three sigmoid gates are one block and one ``sigmoid_`` serves them. ``path`` decides, from the
module and its inputs, which loop applies; ``None`` means layers.py's own. ``ENABLED = False`` turns
the fast paths off (the tests compare both).
"""
import torch
import torch.autograd.forward_ad as fwAD
from torch.autograd.function import once_differentiable

from . import gru, lstm, rnn

ENABLED = True
_STEPS = {"LSTM": lstm.step, "GRU": gru.gru_step, "RNN_TANH": rnn.rnn_step, "RNN_RELU": rnn.rnn_step}


def path(module, inp, state, weights, mask):
    """The fast function for this layer and direction, or None where layers.py's loop must run.

    Returns ``inference``, ``lstm_training``, ``gru_training`` or ``rnn_training``; each takes
    (module, inp, state, weights, reverse) and returns what ``Recurrent._run_direction`` returns:
    (output (T, B, H), final state tuple).
    """
    if not ENABLED or mask is not None or weights[4] is not None or _STEPS.get(module.mode) is not module.step:
        return None
    if module.options.get("variant", "vanilla") != "vanilla" or not module.options.get("reset_after", True):
        return None
    tensors = [inp, *state, *(w for w in weights if w is not None)]
    if (torch.compiler.is_compiling() or _functorch_active() or _autocast_enabled()
            or any(fwAD.unpack_dual(t).tangent is not None for t in tensors)):
        return None
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
        return inference
    if inp.shape[0] == 0:
        return None
    return {"LSTM": lstm_training, "GRU": gru_training}.get(module.mode, rnn_training)


def _functorch_active():
    active = getattr(torch._C, "_are_functorch_transforms_active", None)
    return bool(active and active())


def _legacy_vmap_active():
    """True inside torch._vmap_internals.vmap (gradcheck's batched gradients): its level, read by raising it."""
    level = torch._C._vmapmode_increment_nesting()
    torch._C._vmapmode_decrement_nesting()
    return level > 1


def _autocast_enabled():
    enabled = getattr(torch._C, "_is_any_autocast_enabled", None)
    return bool(enabled and enabled())


def _projection(inp, w_ih, bias, perm=None):
    """x W_ih^T + bias for every step in one GEMM: (T, B, G*H), gate rows permuted by ``perm``."""
    T, B, In = inp.shape
    if perm is not None:
        w_ih, bias = w_ih.index_select(0, perm), (None if bias is None else bias.index_select(0, perm))
    x = inp.reshape(T * B, In)
    gi = torch.mm(x, w_ih.T) if bias is None else torch.addmm(bias, x, w_ih.T)
    return gi.view(T, B, w_ih.shape[0])


def _ifog(H, device, _made={}):
    """Row indices taking torch.nn's gate blocks (i, f, g, o) to (i, f, o, g), made once per size and device."""
    key = (H, str(device))
    if key not in _made:
        _made[key] = torch.cat([torch.arange(2 * H), torch.arange(3 * H, 4 * H),
                                torch.arange(2 * H, 3 * H)]).to(device)
    return _made[key]


def _lstm_bias(b_ih, b_hh):
    return None if b_ih is None else b_ih + b_hh


def inference(module, inp, state, weights, reverse):
    """One layer and direction with no gradient to record: buffers made once, gates in place."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
    steps = range(T - 1, -1, -1) if reverse else range(T)
    out = inp.new_empty(T, B, H)
    outs = out.unbind(0)
    h = state[0]
    if module.mode == "LSTM":
        perm = _ifog(H, inp.device)
        gi = _projection(inp, w_ih, _lstm_bias(b_ih, b_hh), perm).unbind(0)
        w_hh_t = w_hh.index_select(0, perm).T                       # (H, 4H), columns in the order i, f, o, g
        a = inp.new_empty(B, 4 * H)                 # this step's pre-activations, then gates, in place
        sig, i, f, o, g = a[:, :3 * H], a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        c = state[1].clone()
        for t in steps:
            torch.addmm(gi[t], h, w_hh_t, out=a)   # a = x_t W_ih^T + b + h W_hh^T
            sig.sigmoid_()                          # i, f, o
            g.tanh_()
            c.mul_(f).addcmul_(i, g)                # c_t = f ⊙ c_{t-1} + i ⊙ g
            h = torch.tanh(c, out=outs[t]).mul_(o)  # h_t = o ⊙ tanh(c_t), written into the output
        return out, (h, c)
    if module.mode == "GRU":
        gi = _projection(inp, w_ih, b_ih)
        gi_rz, gi_n = gi[:, :, :2 * H].unbind(0), gi[:, :, 2 * H:].unbind(0)
        w_hh_t = w_hh.T
        gh, rz, n = inp.new_empty(B, 3 * H), inp.new_empty(B, 2 * H), inp.new_empty(B, H)
        gh_rz, gh_n, r, z = gh[:, :2 * H], gh[:, 2 * H:], rz[:, :H], rz[:, H:]
        for t in steps:
            if b_hh is None:
                torch.mm(h, w_hh_t, out=gh)
            else:
                torch.addmm(b_hh, h, w_hh_t, out=gh)   # gh = h W_hh^T + b_hh
            torch.add(gi_rz[t], gh_rz, out=rz).sigmoid_()             # r, z
            torch.addcmul(gi_n[t], r, gh_n, out=n).tanh_()            # n = tanh(gi_n + r ⊙ gh_n)
            h = torch.lerp(n, h, z, out=outs[t])    # h_t = n + z ⊙ (h_{t-1} - n) = (1 - z) ⊙ n + z ⊙ h_{t-1}
        return out, (h,)
    gi = _projection(inp, w_ih, _lstm_bias(b_ih, b_hh)).unbind(0)     # the RNN
    w_hh_t = w_hh.T
    act = torch.Tensor.tanh_ if module.mode == "RNN_TANH" else torch.Tensor.relu_
    for t in steps:
        h = act(torch.addmm(gi[t], h, w_hh_t, out=outs[t]))
    return out, (h,)


def lstm_training(module, inp, state, weights, reverse):
    """The vanilla LSTM's layer and direction under autograd, as ONE node with a hand-written backward."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    present = b_ih is not None
    tensors = (inp, *state, w_ih, w_hh) + ((b_ih, b_hh) if present else ())
    out, h_n, c_n = _LSTMLayer.apply(module, reverse, *tensors)
    return out, (h_n, c_n)


class _LSTMLayer(torch.autograd.Function):
    """out, h_n, c_n = LSTM layer (inp, h_0, c_0, W_ih, W_hh[, b_ih, b_hh]); backward is BPTT by hand.

    Everything is kept in processing order k = 0..T-1 (time order, or reversed for the reverse
    direction): gates (T, B, 4H) in the order i, f, o, g, c_k with c_0 in front (T+1, B, H), tanh(c_k),
    and h_k with h_0 in front (T+1, B, H).
    """

    @staticmethod
    def forward(ctx, module, reverse, inp, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        perm = _ifog(H, inp.device)
        x = inp.flip(0) if reverse else inp
        gates = _projection(x, w_ih, _lstm_bias(b_ih, b_hh), perm)   # fresh: the loop overwrites it in place
        w_hh_t = w_hh.index_select(0, perm).T
        cs, hs, tcs = inp.new_empty(T + 1, B, H), inp.new_empty(T + 1, B, H), inp.new_empty(T, B, H)
        cs[0], hs[0] = c0, h0
        a, sig, i, f, o, g = (gates.unbind(0), gates[..., :3 * H].unbind(0), gates[..., :H].unbind(0),
                              gates[..., H:2 * H].unbind(0), gates[..., 2 * H:3 * H].unbind(0),
                              gates[..., 3 * H:].unbind(0))
        c, h, tc = cs.unbind(0), hs.unbind(0), tcs.unbind(0)
        for k in range(T):
            torch.addmm(a[k], h[k], w_hh_t, out=a[k])    # pre-activations, over x_k W_ih^T + b in place
            sig[k].sigmoid_()                       # i, f, o
            g[k].tanh_()
            torch.mul(f[k], c[k], out=c[k + 1]).addcmul_(i[k], g[k])
            torch.mul(o[k], torch.tanh(c[k + 1], out=tc[k]), out=h[k + 1])
        ctx.module, ctx.reverse, ctx.n_inputs = module, reverse, 5 + 2 * (b_ih is not None)
        ctx.save_for_backward(inp, h0, c0, w_ih, w_hh, *(() if b_ih is None else (b_ih, b_hh)),
                              gates, cs, hs, tcs)
        out = hs[1:]
        return (out.flip(0) if reverse else out), hs[T].clone(), cs[T].clone()

    @staticmethod
    def backward(ctx, grad_out, grad_hn, grad_cn):
        if _needs_plain_backward():
            return _plain_backward(ctx, 2, (grad_out, grad_hn, grad_cn))
        return _LSTMLayer._bptt(ctx, grad_out, grad_hn, grad_cn)

    @staticmethod
    @once_differentiable
    def _bptt(ctx, grad_out, grad_hn, grad_cn):
        inp, h0, c0, w_ih, w_hh, *rest = ctx.saved_tensors
        gates, cs, hs, tcs = rest[-4:]
        has_bias = len(rest) == 6
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        i, f, o, g = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
        # What does not depend on the recurrence, for every step at once (torch.nn's order i, f, g):
        #   da_i = dc ⊙ g ⊙ i(1-i),  da_f = dc ⊙ c_{k-1} ⊙ f(1-f),  da_g = dc ⊙ i ⊙ (1-g²),
        #   da_o = dh ⊙ tanh(c_k) ⊙ o(1-o),  and dc_k = dc_{k+1} ⊙ f_{k+1} + dh_k ⊙ o ⊙ (1 - tanh²(c_k))
        A = torch.stack([g * i * (1 - i), cs[:-1] * f * (1 - f), i * (1 - g * g)], dim=2)   # (T, B, 3, H)
        A_o = tcs * o * (1 - o)
        K = o * (1 - tcs * tcs)
        da = inp.new_empty(T, B, 4 * H)             # torch.nn's order i, f, g, o, processing order
        da3, da_o = da[..., :3 * H].view(T, B, 3, H).unbind(0), da[..., 3 * H:].unbind(0)
        if grad_out is not None:
            go = (grad_out.flip(0) if ctx.reverse else grad_out).unbind(0)
        dh_next = grad_hn.clone() if grad_hn is not None else h0.new_zeros(B, H)
        dc = grad_cn.clone() if grad_cn is not None else c0.new_zeros(B, H)
        dh, dc_ = h0.new_empty(B, H), dc.unsqueeze(1)
        A, A_o, K, f, da_k = A.unbind(0), A_o.unbind(0), K.unbind(0), f.unbind(0), da.unbind(0)
        for k in range(T - 1, -1, -1):
            h_grad = torch.add(dh_next, go[k], out=dh) if grad_out is not None else dh_next.clone()
            dc.addcmul_(h_grad, K[k])               # dc_k: from c_{k+1} (already times f_{k+1}) and from h_k
            torch.mul(dc_, A[k], out=da3[k])        # da_i, da_f, da_g
            torch.mul(h_grad, A_o[k], out=da_o[k])  # da_o
            if k > 0 or ctx.needs_input_grad[3]:   # dL/dh_{k-1} (for h_0 only if it wants a gradient)
                torch.mm(da_k[k], w_hh, out=dh_next)
            dc.mul_(f[k])                           # dL/dc_{k-1} through the cell path
        need = ctx.needs_input_grad
        d_inp, *d_weights = _grads_after_loop([need[2], *need[5:]], inp, w_ih, hs, da, None, ctx.reverse, has_bias)
        return (None, None, d_inp, dh_next if need[3] else None, dc if need[4] else None, *d_weights)


def gru_training(module, inp, state, weights, reverse):
    """The GRU's layer and direction under autograd, as ONE node with a hand-written backward."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    tensors = (inp, state[0], w_ih, w_hh) + (() if b_ih is None else (b_ih, b_hh))
    out, h_n = _GRULayer.apply(module, reverse, *tensors)
    return out, (h_n,)


class _GRULayer(torch.autograd.Function):
    """out, h_n = GRU layer (inp, h_0, W_ih, W_hh[, b_ih, b_hh]), torch's variant; backward is BPTT by hand.

    h_t = n + z ⊙ (h_{t-1} - n), n = tanh(gi_n + r ⊙ gh_n), gh = h_{t-1} W_hh^T + b_hh. Kept in processing
    order: r, z (T, B, 2H), n (T, B, H), gh_n (T, B, H) and h_k with h_0 in front (T+1, B, H).
    """

    @staticmethod
    def forward(ctx, module, reverse, inp, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        gi = _projection(inp.flip(0) if reverse else inp, w_ih, b_ih)
        gh = inp.new_empty(T, B, 3 * H)
        rz, n, hs = inp.new_empty(T, B, 2 * H), inp.new_empty(T, B, H), inp.new_empty(T + 1, B, H)
        hs[0] = h0
        w_hh_t = w_hh.T
        gi_rz, gi_n = gi[..., :2 * H].unbind(0), gi[..., 2 * H:].unbind(0)
        gh_k, gh_rz, gh_n = gh.unbind(0), gh[..., :2 * H].unbind(0), gh[..., 2 * H:].unbind(0)
        rz_k, r, z = rz.unbind(0), rz[..., :H].unbind(0), rz[..., H:].unbind(0)
        n_k, h = n.unbind(0), hs.unbind(0)
        for k in range(T):
            if b_hh is None:
                torch.mm(h[k], w_hh_t, out=gh_k[k])
            else:
                torch.addmm(b_hh, h[k], w_hh_t, out=gh_k[k])
            torch.add(gi_rz[k], gh_rz[k], out=rz_k[k]).sigmoid_()
            torch.addcmul(gi_n[k], r[k], gh_n[k], out=n_k[k]).tanh_()
            torch.lerp(n_k[k], h[k], z[k], out=h[k + 1])
        ctx.module, ctx.reverse, ctx.n_inputs = module, reverse, 4 + 2 * (b_ih is not None)
        ctx.save_for_backward(inp, h0, w_ih, w_hh, *(() if b_ih is None else (b_ih, b_hh)),
                              rz, n, gh[..., 2 * H:], hs)
        out = hs[1:]
        return (out.flip(0) if reverse else out), hs[T].clone()

    @staticmethod
    def backward(ctx, grad_out, grad_hn):
        if _needs_plain_backward():
            return _plain_backward(ctx, 1, (grad_out, grad_hn))
        return _GRULayer._bptt(ctx, grad_out, grad_hn)

    @staticmethod
    @once_differentiable
    def _bptt(ctx, grad_out, grad_hn):
        inp, h0, w_ih, w_hh, *rest = ctx.saved_tensors
        rz, n, gh_n, hs = rest[-4:]
        has_bias = len(rest) == 6
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        r, z = rz[..., :H], rz[..., H:]
        # With dh the gradient reaching h_k (from the output and from step k+1), for every step at once:
        #   da_n = dh ⊙ (1-z)(1-n²),  da_z = dh ⊙ (h_{k-1} - n) z(1-z),  da_r = da_n ⊙ gh_n ⊙ r(1-r),
        #   dgh = [da_r, da_z, da_n ⊙ r],  dgi = [da_r, da_z, da_n],  dh_{k-1} = dh ⊙ z + dgh W_hh
        p_n = (1 - z) * (1 - n * n)
        P = torch.stack([p_n * gh_n * r * (1 - r), (hs[:-1] - n) * z * (1 - z), p_n * r], dim=2)  # (T, B, 3, H)
        dgh = inp.new_empty(T, B, 3 * H)
        dhs = inp.new_empty(T, B, H)            # dh of every step, for dgi_n after the loop
        dgh3, dgh_k = dgh.view(T, B, 3, H).unbind(0), dgh.unbind(0)
        go = (grad_out.flip(0) if ctx.reverse else grad_out).unbind(0) if grad_out is not None else None
        dh_next = grad_hn.clone() if grad_hn is not None else h0.new_zeros(B, H)
        P, z_k, dh, dh3 = P.unbind(0), z.unbind(0), dhs.unbind(0), dhs.unsqueeze(2).unbind(0)
        for k in range(T - 1, -1, -1):
            if go is None:
                dh[k].copy_(dh_next)
            else:
                torch.add(dh_next, go[k], out=dh[k])
            torch.mul(dh3[k], P[k], out=dgh3[k])
            if k > 0 or ctx.needs_input_grad[3]:   # dL/dh_{k-1} (for h_0 only if it wants a gradient)
                torch.addmm(torch.mul(dh[k], z_k[k], out=dh_next), dgh_k[k], w_hh, out=dh_next)
        need = ctx.needs_input_grad
        dgi = torch.cat([dgh[..., :2 * H], dhs * p_n], dim=2)              # processing order
        d_inp, *d_weights = _grads_after_loop([need[2], *need[4:]], inp, w_ih, hs, dgi, dgh, ctx.reverse, has_bias)
        return (None, None, d_inp, dh_next if need[3] else None, *d_weights)


def rnn_training(module, inp, state, weights, reverse):
    """The Elman RNN's layer and direction under autograd, as ONE node with a hand-written backward."""
    w_ih, w_hh, b_ih, b_hh, _ = weights
    tensors = (inp, state[0], w_ih, w_hh) + (() if b_ih is None else (b_ih, b_hh))
    out, h_n = _RNNLayer.apply(module, reverse, *tensors)
    return out, (h_n,)


class _RNNLayer(torch.autograd.Function):
    """out, h_n = RNN layer (inp, h_0, W_ih, W_hh[, b_ih, b_hh]), tanh or relu; backward is BPTT by hand.

    h_k = act(gi_k + h_{k-1} W_hh^T), kept in processing order with h_0 in front (T+1, B, H). The
    derivative of the activation is read off h: 1 - h² for tanh, (h > 0) for relu.
    """

    @staticmethod
    def forward(ctx, module, reverse, inp, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        gi = _projection(inp.flip(0) if reverse else inp, w_ih, _lstm_bias(b_ih, b_hh)).unbind(0)
        hs = inp.new_empty(T + 1, B, H)
        hs[0] = h0
        h, w_hh_t = hs.unbind(0), w_hh.T
        act = torch.Tensor.tanh_ if module.mode == "RNN_TANH" else torch.Tensor.relu_
        for k in range(T):
            act(torch.addmm(gi[k], h[k], w_hh_t, out=h[k + 1]))
        ctx.module, ctx.reverse, ctx.n_inputs = module, reverse, 4 + 2 * (b_ih is not None)
        ctx.save_for_backward(inp, h0, w_ih, w_hh, *(() if b_ih is None else (b_ih, b_hh)), hs)
        out = hs[1:]
        return (out.flip(0) if reverse else out), hs[T].clone()

    @staticmethod
    def backward(ctx, grad_out, grad_hn):
        if _needs_plain_backward():
            return _plain_backward(ctx, 1, (grad_out, grad_hn))
        return _RNNLayer._bptt(ctx, grad_out, grad_hn)

    @staticmethod
    @once_differentiable
    def _bptt(ctx, grad_out, grad_hn):
        inp, h0, w_ih, w_hh, *rest = ctx.saved_tensors
        hs, has_bias = rest[-1], len(rest) == 3
        T, B, H = inp.shape[0], inp.shape[1], w_hh.shape[1]
        slope = 1 - hs[1:] * hs[1:] if ctx.module.mode == "RNN_TANH" else (hs[1:] > 0).to(hs.dtype)
        da = inp.new_empty(T, B, H)
        go = (grad_out.flip(0) if ctx.reverse else grad_out).unbind(0) if grad_out is not None else None
        dh_next = grad_hn.clone() if grad_hn is not None else h0.new_zeros(B, H)
        da_k, slope = da.unbind(0), slope.unbind(0)
        for k in range(T - 1, -1, -1):          # da_k = (dL/dy_k + da_{k+1} W_hh) ⊙ act'(a_k)
            dh = dh_next if go is None else torch.add(dh_next, go[k], out=dh_next)
            torch.mul(dh, slope[k], out=da_k[k])
            if k > 0 or ctx.needs_input_grad[3]:   # dL/dh_{k-1} (for h_0 only if it wants a gradient)
                torch.mm(da_k[k], w_hh, out=dh_next)
        need = ctx.needs_input_grad
        d_inp, *d_weights = _grads_after_loop([need[2], *need[4:]], inp, w_ih, hs, da, None, ctx.reverse, has_bias)
        return (None, None, d_inp, dh_next if need[3] else None, *d_weights)


def _grads_after_loop(need, inp, w_ih, hs, d_gi, d_gh, reverse, has_bias):
    """[dL/d input, dL/dW_ih, dL/dW_hh (, dL/db_ih, dL/db_hh)], each one product or sum after the loop.

    d_gi and d_gh are dL/d(x_k W_ih^T + b_ih) and dL/d(h_{k-1} W_hh^T + b_hh) of every step k in processing
    order, (T, B, G*H); d_gh is None where the two are the same (RNN, LSTM). ``need`` holds
    ``ctx.needs_input_grad`` of (input, W_ih, W_hh, b_ih, b_hh); None where no gradient is wanted.
    """
    (T, B, In), H = inp.shape, hs.shape[2]
    same = d_gh is None
    flat = (d_gi.flip(0) if reverse else d_gi).reshape(T * B, w_ih.shape[0])    # time order, to pair with x
    rec = flat if same and not reverse else (d_gi if same else d_gh).reshape(T * B, w_ih.shape[0])
    grads = [(flat @ w_ih).view(T, B, In) if need[0] else None,
             flat.T @ inp.reshape(T * B, In) if need[1] else None,
             rec.T @ hs[:-1].reshape(T * B, H) if need[2] else None]       # eq-ch15-dwhh
    if has_bias:
        db_ih = flat.sum(0) if need[3] or (same and need[4]) else None
        grads += [db_ih if need[3] else None, (db_ih.clone() if same else rec.sum(0)) if need[4] else None]
    return grads


def _plain_backward(ctx, n_state, grads):
    """The backward of layers.py's plain loop, run again on the saved inputs: exact at every order.

    The saved tensors start with the layer's inputs: input, the n_state initial states, W_ih, W_hh and,
    with a bias, b_ih and b_hh (``ctx.n_inputs`` of them); grads are those of (output, *final state).
    """
    inputs = list(ctx.saved_tensors[:ctx.n_inputs])
    inp, state, (w_ih, w_hh, *bias) = inputs[0], tuple(inputs[1:1 + n_state]), inputs[1 + n_state:]
    bias = bias or [None, None]
    with torch.enable_grad():
        out, final = ctx.module._run_direction(inp, state, [w_ih, w_hh, *bias, None], ctx.reverse, None,
                                               defer=False)
    return input_grads(ctx, inputs, (out, *final), grads, create_graph=True)


def input_grads(ctx, inputs, outs, grads, create_graph):
    """What the backward of a layer Function with inputs (module, reverse, *inputs) returns: the gradients
    of ``outs``, weighted by ``grads`` (None where an output is unused), with respect to the inputs that
    ``ctx.needs_input_grad`` asks for, by autograd on a graph from ``inputs`` to ``outs``; None elsewhere.
    """
    used = [(t, gr) for t, gr in zip(outs, grads) if gr is not None]
    wanted = [k for k, need in enumerate(ctx.needs_input_grad[2:]) if need]
    got = torch.autograd.grad([t for t, _ in used], [inputs[k] for k in wanted], [gr for _, gr in used],
                              create_graph=create_graph, allow_unused=True) if used and wanted else ()
    result = [None] * (len(ctx.needs_input_grad) - 2)
    for k, gr in zip(wanted, got):
        result[k] = gr
    return (None, None, *result)


def _needs_plain_backward():
    """create_graph=True, or vmap over the backward (gradcheck's batched gradients): out= calls cannot
    be batched or differentiated, so layers.py's loop runs again under autograd."""
    return torch.is_grad_enabled() or _functorch_active() or _legacy_vmap_active()
