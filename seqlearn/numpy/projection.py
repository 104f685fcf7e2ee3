"""The LSTM with a projection layer (Sak, Senior and Beaufays 2014), torch.nn.LSTM's ``proj_size``.

Its job: keep the LSTM's cell of H units but pass on a smaller state. The cell is unchanged; the
state that leaves the step is projected to P < H features by W_hr (P, H):

    r_t = (o_t ⊙ tanh(c_t)) W_hr^T          (B, P), the "h_t" of the output and of step t + 1

so W_hh is (4H, P), h_0 and h_n are (L*D, B, P), c_0 and c_n stay (L*D, B, H).
"""
from .lstm import lstm_step, lstm_step_backward


def lstm_proj_step(gi, state, weight_hh, bias_hh, weight_hr):
    """One step. gi (B, 4H), state = (r, c) with r (B, P), c (B, H); returns ((r_new, c_new), cache)."""
    (h, c_new), cache = lstm_step(gi, state, weight_hh, bias_hh)
    r_new = h @ weight_hr.T                       # r_t = h_t W_hr^T   (B, P)
    return (r_new, c_new), (cache, h)


def lstm_proj_step_backward(dstate, cache, weight_hh, weight_hr):
    """Backward of one step. dstate = (dL/dr_t, dL/dc_t); returns (dgi, (dr_{t-1}, dc_{t-1}), dW_hh, db_hh, dW_hr)."""
    dr, dc = dstate
    step_cache, h = cache
    dgi, dstate_prev, dW_hh, db_hh = lstm_step_backward((dr @ weight_hr, dc), step_cache, weight_hh)
    return dgi, dstate_prev, dW_hh, db_hh, dr.T @ h       # dW_hr = dr_t^T h_t   (P, H)
