"""The Elman cell in NumPy. Its job: mix the new input into the hidden state through one nonlinearity.

    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),   act = tanh or relu

The input projection ``gi = x_t W_ih^T + b_ih`` is computed for all time steps at once by the
layer (one big matrix product), so a step receives it ready-made.
"""
import numpy as np


def rnn_step(gi, state, weight_hh, bias_hh=None, nonlinearity="tanh"):
    """One step. gi (B, H) is x_t W_ih^T + b_ih, state = (h,) with h (B, H); returns ((h_new,), cache)."""
    (h,) = state
    a = gi + h @ weight_hh.T                      # (B, H)  pre-activation
    if bias_hh is not None:
        a += bias_hh
    if nonlinearity == "tanh":
        h_new = np.tanh(a)                        # h_t = tanh(a_t)
    else:
        h_new = np.maximum(a, 0)                  # h_t = relu(a_t)
    return (h_new,), (h, h_new, nonlinearity)


def rnn_step_backward(dstate, cache, weight_hh):
    """Backward of one step. dstate = (dL/dh_t,); returns (dL/dgi, (dL/dh_{t-1},), dW_hh, db_hh)."""
    (dh,) = dstate
    h, h_new, nonlinearity = cache
    if nonlinearity == "tanh":
        da = dh * (1 - h_new * h_new)             # tanh'(a) = 1 - tanh(a)^2
    else:
        da = dh * (h_new > 0)                     # relu'(a) = [a > 0]
    dh_prev = da @ weight_hh                      # (B, H)
    return da, (dh_prev,), da.T @ h, da.sum(0)
