"""The Linear Recurrent Unit (Orvieto et al. 2023) in NumPy, forward only: the same map computed as a
recurrence and as a causal convolution, to show the duality. Gradients are checked on the torch side
(``seqlearn.torch.lru``), whose ``state_dict`` these functions read as a dict of NumPy arrays.

    λ = exp(-exp(ν) + i exp(θ)),   γ = exp(gamma_log),   B = B_re + i B_im,   C = C_re + i C_im
    x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t),   x_0 = 0,   y_t = Re(C x_t) + D u_t              (recurrence)
    y_t = Σ_{k=0..t} K_k u_{t-k} + D u_t,   K_k = Re(C diag(λ^k ⊙ γ) B)               (convolution)

Shapes: ν, θ, gamma_log (N,), B_re, B_im (N, I), C_re, C_im (O, N), D (O, I); u (B, T, I) -> y (B, T, O).
"""
import numpy as np

from .._checks import InputError, check_input
from .scan import linear_scan_loop

PARAMETERS = ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D")


def _check_params(params):
    """Refuse a dict that lacks a parameter or whose shapes disagree; return (N, I, O)."""
    missing = [name for name in PARAMETERS if name not in params]
    if missing:
        raise InputError(f"params must hold {', '.join(PARAMETERS)}; missing {', '.join(missing)}")
    N, I = np.shape(params["B_re"])
    O = np.shape(params["C_re"])[0]
    expected = {"nu_log": (N,), "theta_log": (N,), "gamma_log": (N,), "B_re": (N, I), "B_im": (N, I),
                "C_re": (O, N), "C_im": (O, N), "D": (O, I)}
    for name, shape in expected.items():
        if np.shape(params[name]) != shape:
            raise InputError(f"params[{name!r}] has the wrong shape: expected {shape} "
                             f"(N={N}, I={I}, O={O}), got {np.shape(params[name])}")
    return N, I, O


def _check_u(params, u):
    """Refuse anything but a (B, T, I) array with the parameters' input size I."""
    _, I, _ = _check_params(params)
    u = np.asarray(u)
    if u.ndim != 3:
        raise InputError(f"u must be a 3-D array (B, T, I), got a {u.ndim}-D array of shape {u.shape}")
    check_input(u.shape, I, batch_first=True)
    return u


def lru_params_eigenvalues(params):
    """The diagonal of the state matrix, λ = exp(-exp(ν) + i exp(θ)), complex (N,)."""
    _check_params(params)
    return np.exp(-np.exp(params["nu_log"]) + 1j * np.exp(params["theta_log"]))


def lru_kernel(params, T):
    """The convolution kernel K_k = Re(C diag(λ^k ⊙ γ) B) for k = 0..T-1, real (T, O, I)."""
    _check_params(params)
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise InputError(f"the kernel length T must be a positive integer, got {T!r}")
    log_lam = -np.exp(params["nu_log"]) + 1j * np.exp(params["theta_log"])   # (N,)  log λ
    powers = np.exp(np.arange(T)[:, None] * log_lam)                          # (T, N)  λ^k
    scaled = powers * np.exp(params["gamma_log"])                             # (T, N)  λ^k ⊙ γ
    B = params["B_re"] + 1j * params["B_im"]                                  # (N, I)
    C = params["C_re"] + 1j * params["C_im"]                                  # (O, N)
    return np.einsum("on,tn,ni->toi", C, scaled, B).real                      # (T, O, I)


def lru_recurrent(params, u):
    """y (B, T, O) from u (B, T, I) by the recurrence, one time step at a time (``scan``'s loop)."""
    u = _check_u(params, u)
    lam = lru_params_eigenvalues(params)                                      # (N,)
    B = params["B_re"] + 1j * params["B_im"]                                  # (N, I)
    C = params["C_re"] + 1j * params["C_im"]                                  # (O, N)
    b = np.exp(params["gamma_log"]) * (u @ B.T)                               # (B, T, N)  γ ⊙ (B u_t)
    # x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t), x_0 = 0, solved time first
    x = linear_scan_loop(np.broadcast_to(lam, b.shape[1::-1] + lam.shape), b.swapaxes(0, 1))
    # y_t = Re(C x_t) + D u_t
    return (x.swapaxes(0, 1) @ C.T).real + u @ params["D"].T


def lru_convolution(params, u):
    """y (B, T, O) from u (B, T, I) by the causal convolution with ``lru_kernel``, through np.fft.

    Both signals are zero-padded to 2T, so the FFT's circular convolution never wraps around: the
    output at t sees u_t, ..., u_1 only.
    """
    u = _check_u(params, u)
    T = u.shape[1]
    K = np.fft.rfft(lru_kernel(params, T), n=2 * T, axis=0)                   # (T+1, O, I)
    U = np.fft.rfft(u, n=2 * T, axis=1)                                       # (B, T+1, I)
    # y_t = Σ_{k=0..t} K_k u_{t-k}: a product per frequency, summed over the inputs i
    y = np.fft.irfft(np.einsum("foi,bfi->bfo", K, U), n=2 * T, axis=1)[:, :T]  # (B, T, O)
    # + D u_t
    return y + u @ params["D"].T
