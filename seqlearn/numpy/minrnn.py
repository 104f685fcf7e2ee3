"""minGRU and minLSTM (Feng et al. 2024) in NumPy, with the backward pass through the gates by hand.

The twin of ``seqlearn.torch.minrnn``: the gates and the candidate read x_t only,

    minGRU:   z_t = σ(k_z),  h̃_t = g(k_h),   h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
    minLSTM:  f_t = σ(k_f),  i_t = σ(k_i),  h̃_t = g(k_h),
              f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t),   h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

with k = x_t W_ih^T + b_ih (blocks z, h for minGRU; f, i, h for minLSTM), so each layer is the
linear recurrence h_t = a_t ⊙ h_{t-1} + b_t of ``seqlearn.numpy.scan``: a = 1 - z, b = z ⊙ h̃
(minGRU) or a = f', b = i' ⊙ h̃ (minLSTM). g(x) = x + 1/2 for x ≥ 0 and σ(x) below keeps h̃ > 0;
``positive=False`` takes h̃ = k_h and rules out mode="log".

``params`` is a dict keyed like the torch module's state_dict (``weight_ih_l{k}`` (G*H, in),
optional ``bias_ih_l{k}`` (G*H,)), so ``{k: v.numpy() for k, v in model.state_dict().items()}`` runs here.
Modes "sequential", "scan" and "log" schedule the same numbers as ``linear_scan_loop``,
``linear_scan_tree`` and ``linear_scan_log``.
"""
import numpy as np

from .._checks import InputError, check_input, check_state
from .scan import (
    linear_scan_backward,
    linear_scan_log,
    linear_scan_loop,
    linear_scan_tree,
)

MODES = ("sequential", "scan", "log")
GATES = {"minGRU": 2, "minLSTM": 3}               # blocks of k: (z, h) and (f, i, h)


def softplus(x):
    """log(1 + e^x), without overflow."""
    return np.logaddexp(0.0, x)


def g(x):
    """The positive candidate of Feng et al.: x + 1/2 for x ≥ 0, σ(x) for x < 0."""
    return np.where(x >= 0, x + 0.5, np.exp(-softplus(-x)))          # σ(x) = exp(-softplus(-x))


def g_grad(x):
    """g'(x): 1 for x ≥ 0, σ(x) (1 - σ(x)) for x < 0 (g jumps in slope at 0, not in value)."""
    return np.where(x >= 0, 1.0, np.exp(-softplus(-x) - softplus(x)))


def log_g(x):
    """log g(x), computed without forming g: log(x + 1/2) for x ≥ 0, log σ(x) = -softplus(-x) below."""
    return np.where(x >= 0, np.log(np.maximum(x, 0) + 0.5), -softplus(-x))


def log_g_grad(x):
    """(log g)'(x) = g'/g: 1 / (x + 1/2) for x ≥ 0, 1 - σ(x) = σ(-x) below."""
    return np.where(x >= 0, 1.0 / (np.maximum(x, 0) + 0.5), np.exp(-softplus(x)))


def _coefficients(kind, k):
    """log a, log w and k_h from the projections k (T, B, G*H); the recurrence's b is w ⊙ h̃."""
    blocks = np.split(k, GATES[kind], axis=-1)    # each (T, B, H)
    k_h = blocks[-1]
    if kind == "minGRU":
        k_z = blocks[0]
        # log a = log(1 - z) = log σ(-k_z) = -softplus(k_z);   log w = log z = -softplus(-k_z)
        log_a, log_w = -softplus(k_z), -softplus(-k_z)
    else:
        k_f, k_i = blocks[0], blocks[1]
        # log(i / f) = log σ(k_i) - log σ(k_f) = softplus(-k_f) - softplus(-k_i)
        diff = softplus(-k_f) - softplus(-k_i)
        # f' = f / (f + i) = 1 / (1 + i/f) = σ(-diff),   i' = σ(diff)
        log_a, log_w = -softplus(diff), -softplus(-diff)
    return log_a, log_w, k_h


def _check_call(kind, mode, positive):
    if kind not in GATES:
        raise ValueError(f"kind must be 'minGRU' or 'minLSTM', got {kind!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if mode == "log" and not positive:
        raise ValueError("mode='log' needs positive=True: the log of a candidate of either sign is undefined")


def min_rnn_forward(kind, x, params, num_layers, h0=None, mode="log", positive=True):
    """Run num_layers minGRU or minLSTM layers on x (T, B, I); h0 (L, B, H) or None for zeros.

    Returns (output (T, B, H), h_n (L, B, H), cache for ``min_rnn_backward``).
    """
    _check_call(kind, mode, positive)
    x = np.asarray(x)
    G, w0 = GATES[kind], params["weight_ih_l0"]
    H = w0.shape[0] // G
    if w0.shape[0] % G:
        raise InputError(f"weight_ih_l0 of a {kind} has {G} blocks of H rows, got {w0.shape[0]} rows")
    if x.ndim != 3:
        raise InputError(f"input must be 3-D (T, B, I), got a {x.ndim}-D input of shape {x.shape}")
    check_input(x.shape, w0.shape[1], batch_first=False)
    L, B = num_layers, x.shape[1]
    if h0 is not None:
        h0 = np.asarray(h0)
        check_state("h0", h0.shape, (L, B, H))
        if mode == "log" and np.any(h0 <= 0):
            raise InputError("mode='log' needs a positive h0 (it takes log h0); use mode='scan' "
                             "or 'sequential' for an h0 of either sign")
    layers, inp = [], x
    for layer in range(L):
        w, bias = params[f"weight_ih_l{layer}"], params.get(f"bias_ih_l{layer}")
        check_state(f"weight_ih_l{layer}", w.shape, (G * H, x.shape[2] if layer == 0 else H))
        k = inp @ w.T                             # (T, B, G*H): every step's projections at once
        if bias is not None:
            k = k + bias
        log_a, log_w, k_h = _coefficients(kind, k)
        start = None if h0 is None else h0[layer]                  # (B, H)
        a, w_b = np.exp(log_a), np.exp(log_w)     # a = 1 - z or f';  w = z or i'
        cand = g(k_h) if positive else k_h        # h̃_t
        if mode == "log":
            # log b_t = log w_t + log h̃_t
            h = linear_scan_log(log_a, log_w + log_g(k_h), start)
        else:
            run = linear_scan_loop if mode == "sequential" else linear_scan_tree
            h = run(a, w_b * cand, start)         # h_t = a_t ⊙ h_{t-1} + b_t,  b_t = w_t ⊙ h̃_t
        layers.append({"x": inp, "k": k, "a": a, "w": w_b, "cand": cand, "h": h, "h0": start,
                       "bias": bias is not None})
        inp = h                                   # (T, B, H): the next layer's input
    h_n = np.stack([c["h"][-1] for c in layers])  # (L, B, H)
    cache = {"kind": kind, "positive": positive, "params": params, "layers": layers}
    return inp, h_n, cache


def _gates_backward(kind, positive, c, da, db):
    """dL/dk (T, B, G*H) from dL/da and dL/db (T, B, H), through the gates of one layer's cache c."""
    a, w, cand = c["a"], c["w"], c["cand"]
    k_h = np.split(c["k"], GATES[kind], axis=-1)[-1]
    # b = w ⊙ h̃:  dL/dh̃ = dL/db ⊙ w,  dh̃/dk_h = g'(k_h) (1 with positive=False)
    dk_h = db * w * (g_grad(k_h) if positive else 1.0)
    if kind == "minGRU":
        # a = 1 - z, b = z ⊙ h̃:  dL/dz = -dL/da + dL/db ⊙ h̃;   dz/dk_z = z (1 - z) = w ⊙ a
        dk_z = (db * cand - da) * w * a
        return np.concatenate([dk_z, dk_h], axis=-1)
    k_f, k_i, _ = np.split(c["k"], 3, axis=-1)
    # a = f', b = i' ⊙ h̃ = (1 - f') ⊙ h̃:  dL/df' = dL/da - dL/db ⊙ h̃
    dfp = da - db * cand
    # f' = f / (f + i):  ∂f'/∂f = i / (f + i)^2,  ∂f'/∂i = -f / (f + i)^2,  and ∂f/∂k_f = f (1 - f), so
    # ∂f'/∂k_f = f' i' (1 - f)   with 1 - f = σ(-k_f) = exp(-softplus(k_f))
    dk_f = dfp * a * w * np.exp(-softplus(k_f))
    # ∂f'/∂k_i = -f' i' (1 - i)  with 1 - i = exp(-softplus(k_i))
    dk_i = -dfp * a * w * np.exp(-softplus(k_i))
    return np.concatenate([dk_f, dk_i, dk_h], axis=-1)


def min_rnn_backward(doutput, dh_n, cache):
    """Backward of ``min_rnn_forward``: doutput (T, B, H) and dh_n (L, B, H) (either may be None).

    Returns (dx (T, B, I), grads keyed like params, dh0 (L, B, H) or None when h0 was None).
    Every mode uses ``linear_scan_backward``: the gradient is a function of the recurrence, the
    same whichever schedule (loop, tree or log space) computed the forward numbers.
    """
    kind, positive, params, layers = cache["kind"], cache["positive"], cache["params"], cache["layers"]
    top = layers[-1]["h"]
    dinp = np.zeros_like(top) if doutput is None else np.asarray(doutput)      # (T, B, H)
    grads, dh0 = {}, [None] * len(layers)
    for layer in reversed(range(len(layers))):
        c = layers[layer]
        dh = np.array(dinp, dtype=c["h"].dtype)   # dL/dh_t of this layer: from above (or the loss) ...
        if dh_n is not None:
            dh[-1] += dh_n[layer]                 # ... plus h_n = h_T read directly
        da, db, dh0[layer] = linear_scan_backward(c["a"], c["h"], dh, c["h0"])
        dk = _gates_backward(kind, positive, c, da, db)            # (T, B, G*H)
        # k = x W^T + b:  dW = Σ_{t,b} dk^T x,  db_ih = Σ_{t,b} dk,  dx = dk W
        grads[f"weight_ih_l{layer}"] = dk.reshape(-1, dk.shape[-1]).T @ c["x"].reshape(-1, c["x"].shape[-1])
        if c["bias"]:
            grads[f"bias_ih_l{layer}"] = dk.sum(axis=(0, 1))
        dinp = dk @ params[f"weight_ih_l{layer}"]                  # (T, B, in): to the layer below
    grads = {name: grads[name] for name in params if name in grads}    # params' order
    return dinp, grads, (None if layers[0]["h0"] is None else np.stack(dh0))
