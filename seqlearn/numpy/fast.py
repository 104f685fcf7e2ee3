"""The plain LSTM layer in fewer NumPy calls: the numbers of ``layers.py``, a loop with less in it.

``layers.py`` runs the loop the book teaches: every step calls ``lstm_step``, which makes about twenty
new arrays, and ``lstm_step_backward``, which makes as many more and a weight gradient per step. At the
sizes of a char-RNN (B = 1, H = 100) a NumPy call costs more than its arithmetic (around a microsecond),
so the way to go faster is to make fewer calls. ``run_direction`` and ``backward_direction`` run one
layer and one direction of the plain LSTM (no projection, no padding) with the same equations and
these changes:

* **Work that does not depend on the recurrence leaves the loop.** The input projection of all steps
  is one product before the forward loop, as in ``layers.py``. Before the backward loop, the factors of
  every gate's derivative that the forward pass already knows are computed for all steps at once,

      da_i = dc_t ⊙ g ⊙ i(1-i)    da_f = dc_t ⊙ c_{t-1} ⊙ f(1-f)    da_g = dc_t ⊙ i ⊙ (1-g²)
      da_o = dh_t ⊙ tanh(c_t) ⊙ o(1-o)    dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o ⊙ (1 - tanh²(c_t)),

  so that a backward step multiplies dh_t by two known factors and dc_t by four (f_t among them, for
  the next step's dc). The weight gradients are single products after the loop (eq-ch15-dwhh).
* **The gate rows are reordered and scaled once per call.** torch.nn stacks the rows of W_ih, W_hh and
  the biases as (i, f, g, o); the forward pass uses (o, i, f, g), with the rows of the three sigmoid
  gates halved. Since σ(a) = (1 + tanh(a/2)) / 2, ONE tanh over all 4H pre-activations then gives
  tanh(a/2) for the sigmoid gates, one block, and tanh(a_g) for g; two more calls turn that block into
  σ. Halving is exact in floating point. The backward pass works in torch.nn's order throughout.
* **A step's quantities lie gate after gate.** The forward pass keeps per step the (B, H) blocks
  [o, i, f, g, c_{t-1}, tanh(c_t)] one after another, so that every elementwise call runs over
  contiguous memory, (i, f) ⊙ (g, c_{t-1}) is one call and c_t the sum of its two halves. The backward
  factors are stored the same way, [f, A_i, A_f, A_g, A_o, K] for [dc, dc, dc, dc, dh, dh]; the
  products go to rows [dc_t ⊙ f_t, da_i, da_f, da_g, da_o, dh_t ⊙ K_t] of a (T, B, 6H) array, whose
  middle 4H columns are the (T·B, 4H) matrix dL/da that the weight gradients need.
* **Nothing is allocated inside the loops**: each step writes into views of arrays made before it,
  through NumPy's positional ``out`` argument (the last one of each call). The three scratch arrays
  (input projection, known factors, products) are kept by the model and reused from call to call: a
  fresh array of a few MB costs a page fault per 4 KiB when first written, which at B = 32 took a
  quarter of the time.

A forward step makes 9 NumPy calls (a product with W_hh, 4 for the gates, 4 for c_t and h_t), a
backward step 5 (2 additions, 2 products with the known factors, a product with W_hh); ``layers.py``'s
steps make about 22 and 30. What the forward pass keeps for the backward pass, ``Tape``, holds what
``lstm_step``'s caches hold: 7H numbers per step and sequence (4 gates, c_{t-1}, tanh(c_t), h_{t-1}).

``applies`` decides whether a layer takes this path; ``ENABLED = False`` turns it off (the tests
compare both paths).
"""
from itertools import chain
from typing import NamedTuple

import numpy as np

from .lstm import lstm_step

ENABLED = True


class Tape(NamedTuple):
    """What one layer and direction keeps for its backward pass, indexed by time t (as the input)."""
    z: np.ndarray           # (T, 6, B, H): σ(a_o), σ(a_i), σ(a_f), tanh(a_g), c_{t-1} and tanh(c_t) of step t
    h_prev: np.ndarray      # (T, B, H): h_{t-1}, the state step t read


def applies(model, inp, mask):
    """True for the plain LSTM (its step is ``lstm_step``: no projection, no options), unpadded, over T > 1 steps.

    A single step has no loop to shorten; it stays the cell of the chapters bit for bit (tests/test_cells.py).
    """
    return ENABLED and model.step is lstm_step and not model.options and mask is None and len(inp) > 1


def _scratch(model, role, shape, dtype):
    """A scratch array that the model keeps between calls, reused while its shape and dtype stay the same."""
    kept = model.__dict__.setdefault("_fast_scratch", {})
    buf = kept.get(role)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = kept[role] = np.empty(shape, dtype)
    return buf


def _gate_rows(w, H):
    """Rows (i, f, g, o) -> (o, i, f, g), those of the sigmoid gates halved (a copy): one tanh serves all four."""
    out = np.empty_like(w)
    np.multiply(w[3 * H:], 0.5, out=out[:H])
    np.multiply(w[:2 * H], 0.5, out=out[H:3 * H])
    out[3 * H:] = w[2 * H:3 * H]
    return out


def _derivative_into(out, first, second, times):
    """out = (first - second²) ⊙ times: σ' = σ - σ² and tanh' = 1 - tanh², each times a known factor."""
    np.multiply(second, second, out=out)
    np.subtract(first, out, out=out)
    out *= times


def run_direction(model, inp, state, names, reverse):
    """``Recurrent._run_direction`` for the plain LSTM: returns (output (T, B, H), (h_n, c_n), tape entry)."""
    w_ih, w_hh, b_ih, b_hh = (model.params.get(n) for n in names)
    (T, B, I), H, dtype = inp.shape, w_hh.shape[1], w_hh.dtype
    gi = _scratch(model, "gi", (T * B, 4 * H), dtype)                         # every step's x_t W_ih^T (+ biases)
    np.matmul(inp.reshape(T * B, I), _gate_rows(w_ih, H).T, out=gi)
    if b_ih is not None:
        gi += _gate_rows(b_ih + b_hh, H)
    w = _gate_rows(w_hh, H).T                                                 # (H, 4H): h_{t-1} @ w
    z = np.empty((T, 6, B, H), dtype)                                         # per step [o, i, f, g, c_{t-1}, tanh c_t]
    h_prev = np.empty((T, B, H), dtype)
    h_n, c_n = np.empty((B, H), dtype), np.empty((B, H), dtype)
    step = slice(None, None, -1) if reverse else slice(None)                 # views in the order the steps run
    z_run, h_run = z[step], h_prev[step]
    h_run[0], z_run[0, 4] = state
    c_next, h_next = chain(z_run[1:, 4], [c_n]), chain(h_run[1:], [h_n])     # where each step writes c_t, h_t
    pre = np.empty((B, 4 * H), dtype)
    pre_gates = pre.reshape(B, 4, H).transpose(1, 0, 2)                       # (4, B, H): pre gate after gate
    prod = np.empty((2, B, H), dtype)
    ig, fc = prod
    half = np.array(0.5, dtype)
    dot, add, multiply, tanh = np.dot, np.add, np.multiply, np.tanh         # local names: 9 calls a step
    for gi_t, a, s, o, i_f, g_c, c_t, tc, h_t, h_in in zip(
            gi.reshape(T, B, 4 * H)[step], z_run[:, :4], z_run[:, :3], z_run[:, 0], z_run[:, 1:3],
            z_run[:, 3:5], c_next, z_run[:, 5], h_next, h_run):
        dot(h_in, w, pre)
        add(pre, gi_t, pre)               # [a_o/2, a_i/2, a_f/2, a_g]
        tanh(pre_gates, a)
        multiply(s, half, s)
        add(s, half, s)                   # σ(a) = 1/2 + tanh(a/2)/2 for o, i, f
        multiply(i_f, g_c, prod)          # [i ⊙ g, f ⊙ c_{t-1}]
        add(ig, fc, c_t)                  # c_t = f ⊙ c_{t-1} + i ⊙ g
        tanh(c_t, tc)
        multiply(o, tc, h_t)              # h_t = o ⊙ tanh(c_t)
    out = np.empty((T, B, H), dtype)
    out_run = out[step]
    out_run[:-1], out_run[-1] = h_run[1:], h_n
    return out, (h_n, c_n), (names, reverse, Tape(z, h_prev))


def backward_direction(model, dout, dstate, inp, names, reverse, tape):
    """``Recurrent._backward_direction`` for a ``Tape``: returns (dL/d input (T, B, I), (dL/dh_0, dL/dc_0))."""
    w_ih, w_hh, b_ih, _ = (model.params.get(n) for n in names)
    (T, B, I), H, dtype = inp.shape, w_hh.shape[1], w_hh.dtype
    z, h_prev = tape
    o, i, f, g, tanh_c = z[:, 0], z[:, 1], z[:, 2], z[:, 3], z[:, 5]
    known = _scratch(model, "known", (T, 6, B, H), dtype)                     # [f, A_i, A_f, A_g, A_o, K]
    known[:, 0] = f                                                           # dc_t ⊙ f_t flows on to c_{t-1}
    _derivative_into(known[:, 1:3], z[:, 1:3], z[:, 1:3], z[:, 3:5])          # A_i = g σ'(a_i), A_f = c_{t-1} σ'(a_f)
    _derivative_into(known[:, 3], 1, g, i)                                    # A_g = i tanh'(a_g)
    _derivative_into(known[:, 4], o, o, tanh_c)                               # A_o = tanh(c_t) σ'(a_o)
    _derivative_into(known[:, 5], 1, tanh_c, o)                               # K = o tanh'(c_t)
    delta = _scratch(model, "delta", (T, B, 6 * H), dtype)                    # [dc⊙f, da_i, da_f, da_g, da_o, dh⊙K]
    blocks = delta.reshape(T, B, 6, H).transpose(0, 2, 1, 3)                  # (T, 6, B, H) views of delta
    dh_next, carry = (np.array(d, dtype) for d in dstate)                     # dL/dh_t, dL/dc_t from step t+1
    dh, dc = np.empty((B, H), dtype), np.empty((B, H), dtype)
    step = slice(None) if reverse else slice(None, None, -1)                  # the steps in backward order
    dot, add, multiply = np.dot, np.add, np.multiply                          # local names: 5 calls a step
    for dout_t, k_dc, k_dh, d_dc, d_dh, dhk, dcf, da_t in zip(
            dout[step], known[step, :4], known[step, 4:], blocks[step, :4], blocks[step, 4:], blocks[step, 5],
            blocks[step, 0], delta[step, :, H:5 * H]):
        add(dout_t, dh_next, dh)          # h_t feeds both the output and step t+1
        multiply(dh, k_dh, d_dh)          # [da_o, dh ⊙ K]
        add(carry, dhk, dc)               # dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ K_t
        multiply(dc, k_dc, d_dc)          # [dc_t ⊙ f_t, da_i, da_f, da_g]
        dot(da_t, w_hh, dh_next)          # dL/dh_{t-1} through W_hh
        carry = dcf
    da = delta[:, :, H:5 * H].reshape(T * B, 4 * H)                           # dL/da of every step, torch.nn's order
    model.grads[names[0]] = da.T @ inp.reshape(T * B, I)                      # sum_t da_t^T x_t
    model.grads[names[1]] = da.T @ h_prev.reshape(T * B, H)                   # sum_t da_t^T h_{t-1}
    if b_ih is not None:
        model.grads[names[2]] = da.sum(0)
        model.grads[names[3]] = model.grads[names[2]].copy()
    return (da @ w_ih).reshape(T, B, I), (dh_next, carry.copy())
