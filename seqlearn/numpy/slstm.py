"""The sLSTM cell of xLSTM in NumPy (Beck et al. 2024), with its backward pass written by hand.

Same equations as ``seqlearn.torch.slstm`` (whose docstring shows why the stabiliser m does not change h):
gate order i, f, z, o in the rows of weight_ih (4H, I), weight_hh (4H, H) and bias (4H,), and

    a = x_t W_ih^T + h_{t-1} W_hh^T + b,      ĩ, f̃, z̃, õ = split(a),      z_t = tanh(z̃),   o_t = σ(õ)
    log f_t = f̃ (forget="exp")  or  log σ(f̃) (forget="sigmoid")
    stabilised:  m_t = max(log f_t + m_{t-1}, ĩ),   i'_t = exp(ĩ - m_t),   f'_t = exp(log f_t + m_{t-1} - m_t)
    naive:       i_t = exp(ĩ),   f_t = exp(log f_t)   (m unused)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t,   n_t = f_t ⊙ n_{t-1} + i_t,   h_t = o_t ⊙ c_t / n_t   (f', i' stabilised)

The backward pass has no gradient for m, and needs none. Run the recursion with any numbers m_1, m_2, ...
in place of the max: c_t and n_t only change units, by the same factor e^{-m_t}, which cancels in c_t / n_t,
so h and every loss L computed from h do not change with m. Hence each ∂L/∂m_t (m held as a free number)
is 0, and in dL/dθ = ∂L/∂θ (m fixed) + Σ_t ∂L/∂m_t · dm_t/dθ the sum vanishes: treating m as a constant
drops only zero terms, and the gradient stays exact. (A loss read off c_T or n_T themselves, which are in
m's units, would need them; the dc, dn that a later chunk hands back are fine.) A given m_0 is held fixed.
"""
import numpy as np

from .._checks import InputError, check_input, check_state
from .lstm import sigmoid

FORGETS = ("exp", "sigmoid")


def check_forget(forget):
    """Raise InputError unless ``forget`` names a forget gate: "exp" or "sigmoid"."""
    if forget not in FORGETS:
        raise InputError(f"forget must be 'exp' or 'sigmoid', got {forget!r}")


def slstm_step(gates, state, stabilised=True, forget="exp"):
    """One step. gates (B, 4H) are the pre-activations a, state = (h, c, n, m), each (B, H);
    returns ((h, c, n, m) at time t, cache)."""
    check_forget(forget)
    c, n, m = state[1:]                           # h_{t-1}, state[0], is already inside the gates
    a_i, a_f, a_z, a_o = np.split(gates, 4, axis=1)   # ĩ, f̃, z̃, õ, each (B, H)
    z = np.tanh(a_z)                              # z_t = tanh(z̃)
    o = sigmoid(a_o)                              # o_t = σ(õ)
    # log f_t = f̃  or  log σ(f̃) = -softplus(-f̃) = -log(1 + e^{-f̃})
    log_f = a_f if forget == "exp" else -np.logaddexp(0.0, -a_f)
    if stabilised:
        # m_t = max(log f_t + m_{t-1}, ĩ)
        m_new = np.maximum(log_f + m, a_i)
        # i'_t = exp(ĩ - m_t)
        i = np.exp(a_i - m_new)
        # f'_t = exp(log f_t + m_{t-1} - m_t)
        f = np.exp(log_f + m - m_new)
    else:
        m_new = m                                 # naive: m is carried along, unused
        i = np.exp(a_i)                           # i_t = exp(ĩ)
        f = np.exp(log_f)                         # f_t = exp(log f_t)
    # c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t
    c_new = f * c + i * z
    # n_t = f_t ⊙ n_{t-1} + i_t
    n_new = f * n + i
    # h_t = o_t ⊙ c_t / n_t
    h_new = o * c_new / n_new
    return (h_new, c_new, n_new, m_new), (a_f, forget, c, n, i, f, z, o, c_new, n_new)


def slstm_step_backward(dstate, cache):
    """Backward of one step, m held constant (see the module's docstring). dstate = (dL/dh_t, dL/dc_t, dL/dn_t),
    each (B, H); returns (dL/da (B, 4H), (dL/dc_{t-1}, dL/dn_{t-1})). h_{t-1} reached this step only through
    a, so its gradient is dL/da W_hh, which the caller adds (``slstm_backward``)."""
    dh, dc, dn = dstate
    a_f, forget, c, n, i, f, z, o, c_new, n_new = cache
    # h_t = o ⊙ c_t / n_t
    do = dh * c_new / n_new
    dc = dc + dh * o / n_new                      # dc came from c_{t+1}; add the path through h_t
    dn = dn - dh * o * c_new / n_new ** 2         # and so for n
    # c_t = f ⊙ c_{t-1} + i ⊙ z,  n_t = f ⊙ n_{t-1} + i
    di = dc * z + dn
    df = dc * c + dn * n
    dz = dc * i
    # i' = exp(ĩ - m_t), f' = exp(log f_t + m_{t-1} - m_t): each its own derivative, m constant (naive: m = 0)
    da_i = di * i
    dlog_f = df * f
    # log f = f̃ (d/df̃ = 1), or log σ(f̃) (d/df̃ = σ(-f̃) = 1 - σ(f̃))
    da_f = dlog_f if forget == "exp" else dlog_f * sigmoid(-a_f)
    da_z = dz * (1 - z * z)                       # z = tanh(z̃)
    da_o = do * o * (1 - o)                       # o = σ(õ)
    dgates = np.concatenate([da_i, da_f, da_z, da_o], axis=1)   # (B, 4H)
    return dgates, (dc * f, dn * f)               # dL/dc_{t-1} = dL/dc_t ⊙ f, and so for n


def slstm_forward(x, params, state=None, stabilised=True, forget="exp"):
    """Run one sLSTM head over x (T, B, I). params: weight_ih (4H, I), weight_hh (4H, H), bias (4H,);
    state (h_0, c_0, n_0, m_0), each (B, H), zeros when None. Returns (output (T, B, H), (h, c, n, m), caches)."""
    check_forget(forget)
    W_ih, W_hh, b = params["weight_ih"], params["weight_hh"], params["bias"]
    H = W_hh.shape[1]
    x = np.asarray(x)
    if x.ndim != 3:
        raise InputError(f"input must be 3-D (T, B, I), got a {x.ndim}-D input of shape {x.shape}")
    check_input(x.shape, W_ih.shape[1], batch_first=False)
    B = x.shape[1]
    if state is None:
        state = tuple(np.zeros((B, H), dtype=W_hh.dtype) for _ in range(4))
    if len(state) != 4:
        raise InputError(f"the sLSTM's state must be a tuple (h_0, c_0, n_0, m_0), got {len(state)} arrays")
    for name, s in zip(["h_0", "c_0", "n_0", "m_0"], state):
        check_state(name, np.shape(s), (B, H))
    gx = x @ W_ih.T + b                           # (T, B, 4H)  x_t W_ih^T + b, all steps at once
    outputs, caches = [], []
    for x_t, gx_t in zip(x, gx):
        h_prev = state[0]
        gates = gx_t + h_prev @ W_hh.T            # (B, 4H)  a = ... + h_{t-1} W_hh^T
        state, cache = slstm_step(gates, state, stabilised, forget)
        outputs.append(state[0])
        caches.append((x_t, h_prev, cache))
    return np.stack(outputs), state, caches       # output (T, B, H)


def slstm_backward(doutput, caches, params, dstate=None):
    """Backpropagation through time. doutput (T, B, H) is dL/d output; dstate = (dh_T, dc_T, dn_T), the gradient
    arriving at the final state (e.g. from a later chunk), zeros when None.
    Returns (dL/dx (T, B, I), grads keyed like params, (dL/dh_0, dL/dc_0, dL/dn_0))."""
    W_ih, W_hh = params["weight_ih"], params["weight_hh"]
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    if dstate is None:
        dh, dc, dn = (np.zeros_like(doutput[0]) for _ in range(3))
    else:
        dh, dc, dn = dstate
    dx = []
    for t in reversed(range(len(caches))):
        x_t, h_prev, cache = caches[t]
        # h_t goes to the output and to step t+1
        dgates, (dc, dn) = slstm_step_backward((dh + doutput[t], dc, dn), cache)
        # a = x_t W_ih^T + h_{t-1} W_hh^T + b
        grads["weight_ih"] += dgates.T @ x_t      # (4H, I)
        grads["weight_hh"] += dgates.T @ h_prev   # (4H, H)
        grads["bias"] += dgates.sum(0)            # (4H,)
        dx.append(dgates @ W_ih)                  # (B, I)
        dh = dgates @ W_hh                        # (B, H)  h_{t-1} reaches the loss only through a
    return np.stack(dx[::-1]), grads, (dh, dc, dn)
