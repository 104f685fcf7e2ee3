"""How far back a gradient reaches in an Elman RNN: the product of step Jacobians, measured.

For one sequence, with h_t = act(a_t) and a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, one step
has the Jacobian (rows index h_t, columns h_{t-1})

    J_t = dh_t/dh_{t-1} = diag(act'(a_t)) W_hh                                  (H, H)

and the chain rule multiplies them: dh_T/dh_t = J_T J_{T-1} ... J_{t+1}. The functions below build a
W_hh with a chosen spectral radius, drive the cell with random input and return the norm of that
product for every distance T - t. NumPy only (no torch), cheap, and deterministic given a seed, so an
interactive explorer can call them on every redraw.
"""
import numpy as np

NONLINEARITIES = ("tanh", "relu", "linear")


def _check(nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def activate(a, nonlinearity):
    """h = act(a) elementwise: tanh, relu or the identity ('linear')."""
    _check(nonlinearity)
    if nonlinearity == "tanh":
        return np.tanh(a)
    if nonlinearity == "relu":
        return np.maximum(a, 0)
    return a.copy()


def slope(h, nonlinearity):
    """act'(a) written with the output h = act(a): 1 - h^2 (tanh), [h > 0] (relu), 1 (linear)."""
    _check(nonlinearity)
    if nonlinearity == "tanh":
        return 1 - h * h
    if nonlinearity == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


def recurrent_weights(hidden_size, radius, rng, kind="orthogonal"):
    """A (H, H) matrix W_hh whose spectral radius rho(W_hh) (largest |eigenvalue|) is ``radius``.

    kind='orthogonal': radius * Q with Q a random orthogonal matrix; every eigenvalue and every
    singular value then has modulus radius, so ||W^k||_2 = radius^k exactly. kind='gaussian':
    i.i.d. normal entries rescaled to the spectral radius; its largest singular value is larger.
    The same rng state gives the same direction for every radius, only the scale changes.
    """
    rng = np.random.default_rng(rng)
    m = rng.standard_normal((hidden_size, hidden_size))
    if kind == "orthogonal":
        q, r = np.linalg.qr(m)
        return radius * q * np.sign(np.diag(r))   # the sign fix makes Q uniformly (Haar) distributed
    if kind == "gaussian":
        return radius * m / np.max(np.abs(np.linalg.eigvals(m)))
    raise ValueError(f"kind must be 'orthogonal' or 'gaussian', got {kind!r}")


def run(weight_hh, gi, nonlinearity="tanh", h0=None):
    """Run h_t = act(gi_t + h_{t-1} W_hh^T) (bias_hh = 0). gi: (T, B, H) holds x_t W_ih^T + b_ih.

    Returns all states, (T + 1, B, H), with h_0 first (zeros when h0 is None).
    """
    T, B, H = gi.shape
    hs = np.zeros((T + 1, B, H), gi.dtype)
    if h0 is not None:
        hs[0] = h0
    for t in range(1, T + 1):
        hs[t] = activate(gi[t - 1] + hs[t - 1] @ weight_hh.T, nonlinearity)   # h_t = act(a_t)
    return hs


def step_jacobians(weight_hh, hs, nonlinearity="tanh"):
    """The step Jacobians of one sequence: hs (T + 1, H) -> J (T, H, H) with J[t-1] = dh_t/dh_{t-1}.

    J_t = diag(act'(a_t)) W_hh: row j of W_hh scaled by the slope of unit j.
    """
    return slope(hs[1:], nonlinearity)[:, :, None] * weight_hh          # (T, H, 1) * (H, H)


def backprop_states(weight_hh, hs, grad_last, nonlinearity="tanh"):
    """BPTT through the states alone: from dL/dh_T return dL/dh_t for every t = 0..T.

    hs: (T + 1, B, H) from ``run`` (B may be 1 and broadcast); grad_last: (B', H).
    Returns (T + 1, B', H). Each step is the vector-Jacobian product
    dL/dh_{t-1} = (dL/dh_t * act'(a_t)) W_hh, the line ``dh_prev = da @ weight_hh`` of
    ``seqlearn.numpy.rnn_step_backward``. With grad_last = I (B' = H rows), entry [t] is the
    whole Jacobian dh_T/dh_t.
    """
    T = hs.shape[0] - 1
    grads = np.empty((T + 1,) + np.shape(grad_last), hs.dtype)
    grads[T] = grad_last
    for t in range(T, 0, -1):
        grads[t - 1] = (grads[t] * slope(hs[t], nonlinearity)) @ weight_hh    # (B', H)
    return grads


def simulate(radius, seq_len, nonlinearity="tanh", hidden_size=32, seed=0, input_scale=0.5,
             kind="orthogonal"):
    """W_hh (H, H) with rho(W_hh) = radius and the states (seq_len + 1, 1, H) of one random sequence.

    The input enters as gi_t ~ N(0, input_scale^2) per unit (x_t W_ih^T with zero biases); h_0 = 0.
    """
    _check(nonlinearity)
    rng = np.random.default_rng(seed)
    weight_hh = recurrent_weights(hidden_size, radius, rng, kind)
    gi = input_scale * rng.standard_normal((seq_len, 1, hidden_size))
    return weight_hh, run(weight_hh, gi, nonlinearity)


def gradient_norm_vs_distance(radius, seq_len, nonlinearity="tanh", hidden_size=32, seed=0,
                              input_scale=0.5, kind="orthogonal"):
    """||dh_T/dh_{T-Δ}||_2 for every distance Δ = 0..seq_len, on one random sequence (see ``simulate``).

    Backpropagates the H rows of the identity from h_T at once, which yields the whole Jacobian
    dh_T/dh_t for every t, and takes its spectral norm (largest singular value): the most any
    gradient arriving at h_T can be amplified on its way back to h_t.
    Returns an array of length seq_len + 1; entry Δ belongs to distance Δ (entry 0 is 1).
    """
    weight_hh, hs = simulate(radius, seq_len, nonlinearity, hidden_size, seed, input_scale, kind)
    jac = backprop_states(weight_hh, hs, np.eye(hidden_size), nonlinearity)    # (T + 1, H, H)
    norms = np.linalg.norm(jac, ord=2, axis=(1, 2))
    return norms[::-1].copy()                                                   # index = T - t


def growth_per_step(norms, skip=10):
    """The factor by which the norm changes per step: 10 ** (slope of a line fit to log10(norms[Δ])).

    Distances below ``skip`` (the transient) are left out. Below 1 the gradient vanishes, above 1 it
    explodes; 0 when it reaches exactly zero (a relu network can switch off every path). Its natural
    logarithm estimates the top Lyapunov exponent of the linearised dynamics.
    """
    norms = np.asarray(norms, dtype=float)
    distance = np.arange(len(norms))
    if np.any(norms[skip:] == 0):
        return 0.0
    keep = (distance >= skip) & np.isfinite(norms)
    if keep.sum() < 2:
        raise ValueError("need at least two finite norms beyond skip")
    return float(10 ** np.polyfit(distance[keep], np.log10(norms[keep]), 1)[0])
