"""The LSTM with a projection layer (Sak, Senior and Beaufays 2014), torch.nn.LSTM's ``proj_size``.

Its job: keep the LSTM's cell of H units but pass on a smaller state. The cell is unchanged; what
it would pass on, m_t = o_t ⊙ tanh(c_t), is projected to R = proj_size < H features by W_hr (R, H):

    h_t = m_t W_hr^T          (B, R): the state of step t + 1 and the layer's output

so W_hh is (4H, R), h_0 and h_n are (L*D, B, R), c_0 and c_n stay (L*D, B, H).
"""
from .lstm import lstm_step, lstm_step_backward


def lstm_proj_step(gi, state, weight_hh, bias_hh, weight_hr):
    """One step. gi (B, 4H), state = (h, c) with h (B, R), c (B, H); returns ((h_new, c_new), cache)."""
    (m, c_new), cache = lstm_step(gi, state, weight_hh, bias_hh)   # m_t = o_t ⊙ tanh(c_t)   (B, H)
    h_new = m @ weight_hr.T                       # h_t = m_t W_hr^T   (B, R)
    return (h_new, c_new), (cache, m)


def lstm_proj_step_backward(dstate, cache, weight_hh, weight_hr):
    """Backward of one step. dstate = (dL/dh_t, dL/dc_t); returns (dgi, (dh_{t-1}, dc_{t-1}), dW_hh, db_hh, dW_hr)."""
    dh, dc = dstate
    step_cache, m = cache
    dgi, dstate_prev, dW_hh, db_hh = lstm_step_backward((dh @ weight_hr, dc), step_cache, weight_hh)
    return dgi, dstate_prev, dW_hh, db_hh, dh.T @ m       # dW_hr = dh_t^T m_t   (R, H)
