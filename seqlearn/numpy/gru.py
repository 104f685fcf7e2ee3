"""The GRU cell in NumPy. Its job: blend the old state with a candidate, by a learned update gate z.

Gate order follows torch.nn: rows of W_ih, W_hh and the biases stack r, z, n.

    r = σ(a_r)   z = σ(a_z),   a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh   (r and z blocks)
    torch's variant (reset_after=True):   n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))
    Cho et al. 2014 (reset_after=False):  n = tanh(W_in x_t + b_in + W_hn (r ⊙ h_{t-1}) + b_hn)
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
"""
import numpy as np

from .lstm import sigmoid


def gru_step(gi, state, weight_hh, bias_hh=None, reset_after=True):
    """One step. gi (B, 3H) is x_t W_ih^T + b_ih, state = (h,) with h (B, H); returns ((h_new,), cache)."""
    (h,) = state
    H = h.shape[1]
    if reset_after:
        gh = h @ weight_hh.T                      # (B, 3H)  all three blocks from h
        if bias_hh is not None:
            gh += bias_hh
    else:
        gh = h @ weight_hh[:2 * H].T              # (B, 2H)  r and z blocks only
        if bias_hh is not None:
            gh += bias_hh[:2 * H]
    r = sigmoid(gi[:, :H] + gh[:, :H])            # reset gate    r_t = σ(a_r)
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])  # update gate   z_t = σ(a_z)
    if reset_after:
        hn = gh[:, 2 * H:]                        # W_hn h + b_hn, reset applied after the matmul
        n = np.tanh(gi[:, 2 * H:] + r * hn)       # n_t = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    else:
        hn = r * h                                # r ⊙ h, reset applied before the matmul
        a_n = gi[:, 2 * H:] + hn @ weight_hh[2 * H:].T
        if bias_hh is not None:
            a_n += bias_hh[2 * H:]
        n = np.tanh(a_n)                          # n_t = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
    h_new = (1 - z) * n + z * h                   # h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
    return (h_new,), (h, r, z, n, hn, reset_after)


def gru_step_backward(dstate, cache, weight_hh):
    """Backward of one step. dstate = (dL/dh_t,); returns (dL/dgi, (dL/dh_{t-1},), dW_hh, db_hh)."""
    (dh,) = dstate
    h, r, z, n, hn, reset_after = cache
    H = h.shape[1]
    dan = dh * (1 - z) * (1 - n * n)              # through n = tanh(a_n)
    daz = dh * (h - n) * z * (1 - z)              # through z = σ(a_z)
    dh_prev = dh * z                              # the direct path z ⊙ h_{t-1}
    if reset_after:
        dar = dan * hn * r * (1 - r)              # a_n contains r ⊙ (W_hn h + b_hn)
        dgh = np.concatenate([dar, daz, dan * r], axis=1)          # (B, 3H)
        dh_prev = dh_prev + dgh @ weight_hh
        dW_hh, db_hh = dgh.T @ h, dgh.sum(0)
    else:
        drh = dan @ weight_hh[2 * H:]             # dL/d(r ⊙ h)
        dar = drh * h * r * (1 - r)
        drz = np.concatenate([dar, daz], axis=1)  # (B, 2H)
        dh_prev = dh_prev + drh * r + drz @ weight_hh[:2 * H]
        dW_hh = np.concatenate([drz.T @ h, dan.T @ hn], axis=0)
        db_hh = np.concatenate([drz.sum(0), dan.sum(0)])
    return np.concatenate([dar, daz, dan], axis=1), (dh_prev,), dW_hh, db_hh
