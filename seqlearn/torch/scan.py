"""The linear recurrence h_t = a_t ⊙ h_{t-1} + b_t, solved four ways (time-major: a, b are (T, ...)).

A gated cell whose gates do not read h_{t-1} (minGRU, minLSTM, the diagonal state-space models) is
this recurrence, with a_t and b_t computed from the inputs alone. Then the whole sequence can be
solved at once, because one step is an affine map h -> a h + b, and composing two affine maps gives
another:

    (a1, b1) then (a2, b2)  =  (a2 a1, a2 b1 + b2)          an associative operator

- ``linear_scan_loop``: the definition, T steps one after another (depth T).
- ``linear_scan_doubling``: Hillis and Steele's scan. At level k every position combines with the
  one 2^k before it: log2 T levels, T log2 T combines (more work than the loop, less depth).
- ``linear_scan_tree``: Blelloch's work-efficient scan, written as a recursion: combine neighbouring
  pairs, solve the half-length problem, fill in the even positions. About 2 log2 T levels and 2T combines.
- ``linear_scan_log``: Heinsen (2023) for positive a and b: with a*_t = Σ_{s≤t} log a_s,
  h_t = exp(a*_t + logcumsumexp_{s≤t}(log b_s - a*_s)). Two library prefix sums, no Python loop.

All four take an initial state h0 (shape of a[0]; zeros when None) and return h (T, ...). Autograd
supplies their gradients; ``seqlearn.numpy.scan`` holds the twins with the backward pass by hand.
"""
import torch

from .._checks import InputError


def _check(a, b, h0):
    if a.shape != b.shape:
        raise InputError(f"a and b must have the same shape (T, ...), got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.dim() < 1 or a.shape[0] == 0:
        raise InputError(f"a and b need a time axis of at least one step first, got shape {tuple(a.shape)}")
    if h0 is not None and h0.shape != a.shape[1:]:
        raise InputError(f"h0 must have the shape of one step, {tuple(a.shape[1:])}, got {tuple(h0.shape)}")


def _fold_h0(a, b, h0):
    """Put h0 into the first step: h_1 = a_1 h0 + b_1, so the rest starts from zero."""
    if h0 is None:
        return b
    return torch.cat([(a[0] * h0 + b[0])[None], b[1:]])


def linear_scan_loop(a, b, h0=None):
    """h_t = a_t ⊙ h_{t-1} + b_t for t = 1..T, one step at a time: the reference."""
    _check(a, b, h0)
    h = torch.zeros_like(b[0]) if h0 is None else h0
    out = []
    for a_t, b_t in zip(a.unbind(0), b.unbind(0)):
        h = a_t * h + b_t                         # h_t = a_t ⊙ h_{t-1} + b_t
        out.append(h)
    return torch.stack(out)


def linear_scan_doubling(a, b, h0=None):
    """Hillis-Steele: after level k, (a_t, b_t) composes steps t-2^(k+1)+1..t."""
    _check(a, b, h0)
    b = _fold_h0(a, b, h0)
    T, d = a.shape[0], 1
    while d < T:
        # each t >= d composes with the span ending at t - d:
        # (a_t, b_t) <- (a_t a_{t-d}, a_t b_{t-d} + b_t)
        b = torch.cat([b[:d], a[d:] * b[:-d] + b[d:]])
        a = torch.cat([a[:d], a[d:] * a[:-d]])
        d *= 2
    return b              # b_t is now h_t: steps 1..t composed, applied to 0


def linear_scan_tree(a, b, h0=None):
    """Blelloch's scan as a recursion: pairs up, the half-length problem, then the even positions."""
    _check(a, b, h0)
    return _tree(a, _fold_h0(a, b, h0))


def _tree(a, b):
    T = a.shape[0]
    if T == 1:
        return b
    if T % 2:                     # odd length: pad with the identity step (1, 0)
        one = torch.ones_like(a[:1])
        padded = _tree(torch.cat([a, one]), torch.cat([b, torch.zeros_like(one)]))
        return padded[:T]
    a_even, a_odd, b_even, b_odd = a[0::2], a[1::2], b[0::2], b[1::2]
    # each pair (2j, 2j+1) becomes one step: (a_odd a_even, a_odd b_even + b_odd)
    h_odd = _tree(a_odd * a_even, a_odd * b_even + b_odd)   # h at 1, 3, 5, ...
    # an even position 2j > 0 takes one step from h_{2j-1}; position 0 is b_0
    h_even = torch.cat([b_even[:1], a_even[1:] * h_odd[:-1] + b_even[1:]])
    return torch.stack([h_even, h_odd], dim=1).flatten(0, 1)  # 0, 1, 2, 3, ...


def linear_scan_log(log_a, log_b, h0=None):
    """Heinsen's scan for a, b > 0 (and h0 > 0), from their logs; returns h."""
    _check(log_a, log_b, h0)
    if h0 is not None:            # h0 enters as a step of its own, with a* = 0
        log_a = torch.cat([torch.zeros_like(log_a[:1]), log_a])
        log_b = torch.cat([torch.log(h0)[None], log_b])
    a_star = torch.cumsum(log_a, dim=0)           # a*_t = Σ_{s≤t} log a_s
    # log h_t = a*_t + log Σ_{s≤t} exp(log b_s - a*_s)
    log_h = a_star + torch.logcumsumexp(log_b - a_star, dim=0)
    h = torch.exp(log_h)
    return h if h0 is None else h[1:]
