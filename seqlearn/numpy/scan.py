"""The linear recurrence h_t = a_t ⊙ h_{t-1} + b_t in NumPy, four ways, with its backward pass by hand.

The twins of ``seqlearn.torch.scan`` (same names, same arguments, same numbers): a, b are
time-major (T, ...), h0 has the shape of one step (zeros when None), each function returns h (T, ...).
One step is the affine map h -> a h + b, and composing two gives another,

    (a1, b1) then (a2, b2)  =  (a2 a1, a2 b1 + b2)          an associative operator

so the T steps can be combined in any bracketing: one after another (``linear_scan_loop``), by
doubling spans (``linear_scan_doubling``, Hillis and Steele), as a tree of pairs
(``linear_scan_tree``, Blelloch) or as two prefix sums in log space (``linear_scan_log``, Heinsen 2023).

``linear_scan_backward`` is the gradient, written by hand: it is another linear recurrence, run
backwards in time, so it is computed by a scan too. ``linear_scan_log_backward`` gives it in log terms.
"""
import numpy as np

from .._checks import InputError


def _check(a, b, h0, names=("a", "b")):
    if a.shape != b.shape:
        raise InputError(f"{names[0]} and {names[1]} must have the same shape (T, ...), "
                         f"got {a.shape} and {b.shape}")
    if a.ndim < 1 or a.shape[0] == 0:
        raise InputError(f"{names[0]} and {names[1]} need a time axis of at least one step first, "
                         f"got shape {a.shape}")
    if h0 is not None and np.shape(h0) != a.shape[1:]:
        raise InputError(f"h0 must have the shape of one step, {a.shape[1:]}, got {np.shape(h0)}")


def _fold_h0(a, b, h0):
    """A copy of b with h0 put into the first step: h_1 = a_1 h0 + b_1, so the rest starts from zero."""
    h0 = None if h0 is None else np.asarray(h0)
    b = np.array(b, dtype=np.result_type(a, b, *([] if h0 is None else [h0])))
    if h0 is not None:
        b[0] = a[0] * h0 + b[0]
    return b


def linear_scan_loop(a, b, h0=None):
    """h_t = a_t ⊙ h_{t-1} + b_t for t = 1..T, one step at a time: the reference. a, b (T, ...) -> h (T, ...)."""
    a, b = np.asarray(a), np.asarray(b)
    _check(a, b, h0)
    h = np.zeros(a.shape[1:], np.result_type(a, b)) if h0 is None else np.asarray(h0)
    out = np.empty(a.shape, np.result_type(a, b, h))          # (T, ...)
    for t in range(a.shape[0]):
        h = a[t] * h + b[t]                       # h_t = a_t ⊙ h_{t-1} + b_t
        out[t] = h
    return out


def linear_scan_doubling(a, b, h0=None):
    """Hillis-Steele: after level k, (a_t, b_t) is the composition of steps t - 2^(k+1) + 1 .. t."""
    a, b = np.asarray(a), np.asarray(b)
    _check(a, b, h0)
    b = _fold_h0(a, b, h0)
    a = a.copy()
    T, d = a.shape[0], 1
    while d < T:
        # positions t >= d compose with the span ending at t - d: (a, b) <- (a_t a_{t-d}, a_t b_{t-d} + b_t)
        b[d:] = a[d:] * b[:-d] + b[d:]            # the right side is computed in full before it is stored
        a[d:] = a[d:] * a[:-d]
        d *= 2
    return b                                      # b_t is now h_t: the composition from step 1, applied to 0


def linear_scan_tree(a, b, h0=None):
    """Blelloch's scan as a recursion: pairs up, the half-length problem, then the even positions."""
    a, b = np.asarray(a), np.asarray(b)
    _check(a, b, h0)
    return _tree(a, _fold_h0(a, b, h0))


def _tree(a, b):
    T = a.shape[0]
    if T == 1:
        return b
    if T % 2:                                     # odd length: pad with the identity step (1, 0)
        one = np.ones_like(a[:1])
        return _tree(np.concatenate([a, one]), np.concatenate([b, np.zeros_like(b[:1])]))[:T]
    a_even, a_odd, b_even, b_odd = a[0::2], a[1::2], b[0::2], b[1::2]
    # each pair (2j, 2j+1) becomes one step: (a_odd a_even, a_odd b_even + b_odd)
    h_odd = _tree(a_odd * a_even, a_odd * b_even + b_odd)          # h at positions 1, 3, 5, ...
    # an even position 2j > 0 takes one step from h_{2j-1}; position 0 is b_0 itself
    h_even = np.concatenate([b_even[:1], a_even[1:] * h_odd[:-1] + b_even[1:]])
    return np.stack([h_even, h_odd], axis=1).reshape(b.shape)      # interleave: 0, 1, 2, 3, ...


def linear_scan_log(log_a, log_b, h0=None):
    """Heinsen's scan for a, b > 0, from their logarithms; h0 (> 0) is optional. Returns h, not log h."""
    log_a, log_b = np.asarray(log_a), np.asarray(log_b)
    _check(log_a, log_b, h0, ("log_a", "log_b"))
    if h0 is not None:                            # h0 enters as a step of its own with a* = 0 before it
        log_a = np.concatenate([np.zeros_like(log_a[:1]), log_a])
        log_b = np.concatenate([np.log(h0)[None], log_b])
    a_star = np.cumsum(log_a, axis=0)             # a*_t = Σ_{s≤t} log a_s
    # log h_t = a*_t + log Σ_{s≤t} exp(log b_s - a*_s)      (logcumsumexp: np.logaddexp.accumulate)
    log_h = a_star + np.logaddexp.accumulate(log_b - a_star, axis=0)
    h = np.exp(log_h)
    return h if h0 is None else h[1:]


def linear_scan_backward(a, h, dh, h0=None):
    """The gradient of h = scan(a, b, h0), by hand: a, h and dh = dL/dh (T, ...) -> (da, db, dh0).

    h is the forward output (whichever of the four computed it: the gradient is a property of the
    recurrence, not of the schedule). dh0 has the shape of one step; it is None when h0 is None.
    """
    a, h, dh = np.asarray(a), np.asarray(h), np.asarray(dh)
    _check(a, h, h0, ("a", "h"))
    _check(a, dh, None, ("a", "dh"))
    # g_t = dL/dh_t in total: dh_t itself plus what h_{t+1} = a_{t+1} ⊙ h_t + b_{t+1} sends back,
    #   g_t = dh_t + a_{t+1} ⊙ g_{t+1},   g_T = dh_T.
    # That is the same linear recurrence, run from t = T down to 1 with coefficients a_{t+1}: the
    # backward of a scan is a scan, so it parallelises as the forward does. Here: the tree, on flipped arrays.
    a_next = np.concatenate([a[1:], np.zeros_like(a[:1])])         # a_{t+1}; nothing comes after T
    grad = linear_scan_tree(a_next[::-1], dh[::-1])[::-1]          # (T, ...)  g_t
    h_prev = np.concatenate([np.zeros_like(h[:1]) if h0 is None else np.asarray(h0)[None], h[:-1]])
    # ∂h_t/∂a_t = h_{t-1} (h_0 = h0, or 0):  dL/da_t = g_t ⊙ h_{t-1}
    da = grad * h_prev
    # ∂h_t/∂b_t = 1:  dL/db_t = g_t
    db = grad
    # h_1 = a_1 ⊙ h0 + b_1:  dL/dh0 = a_1 ⊙ g_1
    dh0 = None if h0 is None else a[0] * grad[0]
    return da, db, dh0


def linear_scan_log_backward(log_a, log_b, h, dh, h0=None):
    """The gradient of h = linear_scan_log(log_a, log_b, h0): returns (dlog_a, dlog_b, dh0)."""
    a, b = np.exp(log_a), np.exp(log_b)
    da, db, dh0 = linear_scan_backward(a, h, dh, h0)
    # a = exp(log a), so ∂a/∂log a = a (and likewise for b): dL/dlog a = dL/da ⊙ a
    return da * a, db * b, dh0
