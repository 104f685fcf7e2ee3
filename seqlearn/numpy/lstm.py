"""The LSTM cell in NumPy. Its job: keep a cell state c that gates decide to forget, write and show.

Gate order follows torch.nn: rows of W_ih, W_hh and the biases stack i, f, g, o.

    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o),   a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)
"""
import numpy as np


def sigmoid(x):
    """The logistic function σ(x) = 1 / (1 + e^{-x}), written through tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def lstm_step(gi, state, weight_hh, bias_hh=None):
    """One step. gi (B, 4H) is x_t W_ih^T + b_ih, state = (h, c), each (B, H); returns ((h, c), cache)."""
    h, c = state
    H = c.shape[1]                                # c has the H units (h has R < H with a projection)
    a = gi + h @ weight_hh.T                      # (B, 4H)  pre-activations of i, f, g, o
    if bias_hh is not None:
        a += bias_hh
    i = sigmoid(a[:, :H])                         # input gate      i_t = σ(a_i)
    f = sigmoid(a[:, H:2 * H])                    # forget gate     f_t = σ(a_f)
    g = np.tanh(a[:, 2 * H:3 * H])                # candidate       g_t = tanh(a_g)
    o = sigmoid(a[:, 3 * H:])                     # output gate     o_t = σ(a_o)
    c_new = f * c + i * g                         # c_t = f ⊙ c_{t-1} + i ⊙ g
    tc = np.tanh(c_new)
    h_new = o * tc                                # h_t = o ⊙ tanh(c_t)
    return (h_new, c_new), (h, c, i, f, g, o, tc)


def lstm_step_backward(dstate, cache, weight_hh):
    """Backward of one step. dstate = (dL/dh_t, dL/dc_t); returns (dL/dgi, (dh_{t-1}, dc_{t-1}), dW_hh, db_hh)."""
    dh, dc = dstate
    h, c, i, f, g, o, tc = cache
    do = dh * tc                                  # h = o ⊙ tanh(c)
    dc = dc + dh * o * (1 - tc * tc)              # c feeds h through tanh, plus the path from c_{t+1}
    da = np.concatenate([
        dc * g * i * (1 - i),                     # through i = σ(a_i)
        dc * c * f * (1 - f),                     # through f = σ(a_f)
        dc * i * (1 - g * g),                     # through g = tanh(a_g)
        do * o * (1 - o),                         # through o = σ(a_o)
    ], axis=1)                                    # (B, 4H)
    dh_prev = da @ weight_hh                      # (B, H)
    dc_prev = dc * f                              # the cell path: dL/dc_{t-1} = dL/dc_t ⊙ f
    return da, (dh_prev, dc_prev), da.T @ h, da.sum(0)
