"""Attention in NumPy, backward by hand: additive (Bahdanau et al. 2015), dot and general (Luong et al. 2015).

The twin of seqlearn.torch.attention, as functions: ``*_attention(query, keys, [params,] mask, values)``
returns ``((context, weights), cache)``; ``*_attention_backward(d_context, cache, d_weights=None)`` returns
the gradients by argument name (``values`` only if given; else the keys are the values and their gradient
holds both paths). Shapes as in seqlearn.torch: keys (B, S, Dk), values (B, S, Dv), mask (B, S) bool,
True at real tokens; a query (B, Dq) or (B, T, Dq) gives context (B[, T], Dv) and weights (B[, T], S).
Parameters are the torch modules' weights: W_a = GeneralAttention.proj.weight (Dq, Dk); W_q, W_k, b_k, v
= AdditiveAttention's query_proj.weight (A, Dq), key_proj.weight (A, Dk), key_proj.bias (A,), v.weight (1, A).
"""
import numpy as np

from .. import _checks
from .._checks import InputError


def lengths_to_mask(lengths, max_len=None):
    """Lengths (B,) -> mask (B, S) bool, True where position < length; S = max_len, else the longest."""
    lengths = np.asarray(lengths)
    if not lengths.size and lengths.ndim == 1:
        lengths = lengths.astype(np.int64)                               # [] comes as float64
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise InputError(f"lengths must be 1-D integers (B,), got {lengths.ndim}-D {lengths.dtype} "
                         f"of shape {lengths.shape}")
    longest = int(lengths.max()) if len(lengths) else 0
    S = longest if max_len is None else _checks._integer("max_len", max_len)
    bad = [n for n in lengths.tolist() if not 1 <= n <= S]
    if bad:
        raise InputError(f"lengths must lie in [1, {S}] (max_len, the padded length), got {bad}")
    return np.arange(S) < lengths[:, None]                               # (B, S)


def masked_softmax(scores, mask):
    """Softmax over the last axis of scores (B, S) or (B, T, S); exactly 0 where mask (B, S) is False.

    The mask may also have the scores' own shape (B, T, S), one row per query.
    """
    scores = np.asarray(scores)
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise InputError(f"mask must be a bool array (True at real tokens), got {got}")
    B, S = scores.shape[0], scores.shape[-1]
    if scores.ndim not in (2, 3) or mask.shape not in ((B, S), scores.shape):
        raise InputError(f"mask must be (B, S) = {(B, S)} for scores of shape {scores.shape}, "
                         f"got shape {mask.shape}")
    empty = ~mask.any(-1)                                                # (B,) or (B, T)
    if empty.any():
        where = "batch index" if mask.ndim == 2 else "(batch, query) index"
        rows = [r[0] if len(r) == 1 else tuple(r) for r in np.argwhere(empty).tolist()]
        raise InputError(f"every mask row needs a real token (a True) to attend to; {where} {rows} "
                         "has none (all False)")
    if mask.ndim < scores.ndim:
        mask = mask[:, None, :]                                          # (B, 1, S)
    # e = -inf at padding, minus the largest real score, so exp(e) = 0 there and at most 1 elsewhere
    shifted = np.where(mask, scores, -np.inf)
    shifted = shifted - shifted.max(-1, keepdims=True)
    # α_j = exp(e_j) / Σ_{k real} exp(e_k)
    exp = np.exp(shifted)
    return exp / exp.sum(-1, keepdims=True)


def masked_softmax_backward(d_weights, weights):
    """dL/dα -> dL/de, both (B[, T], S) like the weights: (diag(α) - α α^T) dL/dα per row, 0 at pads."""
    d_weights, weights = np.asarray(d_weights), np.asarray(weights)
    if d_weights.shape != weights.shape:
        raise InputError(f"d_weights must have the weights' shape {weights.shape}, got {d_weights.shape}")
    # ∂L/∂e_j = α_j (∂L/∂α_j - Σ_k α_k ∂L/∂α_k); α_j = 0 at padding gives exactly 0
    return weights * (d_weights - (weights * d_weights).sum(-1, keepdims=True))


def _check(query, keys, values):
    """Raise unless query (B, Dq) or (B, T, Dq), keys (B, S, Dk) and values (B, S, Dv) fit; return values."""
    if keys.ndim != 3 or keys.shape[1] == 0:
        raise InputError(f"keys must be 3-D (B, S, Dk) with S >= 1, got shape {keys.shape}")
    if query.ndim not in (2, 3) or query.shape[0] != keys.shape[0]:
        raise InputError(f"query must be (B, Dq) or (B, T, Dq) with B = {keys.shape[0]} (the keys' batch), "
                         f"got shape {query.shape}")
    values = keys if values is None else np.asarray(values)
    if values.ndim != 3 or values.shape[:2] != keys.shape[:2]:
        raise InputError(f"values must be (B, S, Dv) with (B, S) = {keys.shape[:2]} (the keys'), "
                         f"got {values.shape}")
    return values


def _check_params(arrays, params):
    """Raise unless each parameter (name -> (array, shape, its symbols and torch name)) has its shape
    and the arrays (name -> array) and parameters share one floating dtype."""
    for name, (p, shape, said) in params.items():
        if p.shape != shape:
            raise InputError(f"{name} must be {said} = {shape} for query {arrays['query'].shape} and keys "
                             f"{arrays['keys'].shape}, got {p.shape}")
    dtypes = {name: x.dtype for name, x in {**arrays, **{n: p[0] for n, p in params.items()}}.items()}
    if len(set(dtypes.values())) > 1 or not np.issubdtype(dtypes["query"], np.floating):
        got = ", ".join(f"{name} {dtype}" for name, dtype in dtypes.items())
        raise InputError(f"query, keys, values and parameters must share one floating dtype, got {got}")


def _attend(scores, mask, values, single):
    """Masked softmax of scores (B, T, S), then the weighted mean of values (B, S, Dv)."""
    weights = masked_softmax(scores, mask)                               # (B, T, S)
    # c_t = Σ_j α_tj v_j
    context = weights @ values                                           # (B, T, Dv)
    return (context[:, 0], weights[:, 0]) if single else (context, weights)


def _attend_backward(d_context, d_weights, weights, values, single):
    """dL/dc (B[, T], Dv) and dL/dα (B[, T], S) or None -> dL/de (B, T, S) and dL/dvalues (B, S, Dv)."""
    (B, T, S), Dv = weights.shape, values.shape[2]
    d_context = np.asarray(d_context)
    for name, d, shape in (("d_context", d_context, (B, T, Dv)), ("d_weights", d_weights, (B, T, S))):
        shape = shape[:1] + shape[2:] if single else shape
        if d is not None and np.shape(d) != shape:
            raise InputError(f"{name} must have the shape of {name[2:]}, {shape}, got {np.shape(d)}")
    if single:
        d_context = d_context[:, None]                                   # (B, 1, Dv)
        d_weights = None if d_weights is None else np.asarray(d_weights)[:, None]
    # ∂L/∂v_j = Σ_t α_tj ∂L/∂c_t
    d_values = weights.transpose(0, 2, 1) @ d_context                    # (B, S, Dv)
    # ∂L/∂α_tj = ∂L/∂c_t · v_j (+ any loss on the weights themselves)
    d_alpha = d_context @ values.transpose(0, 2, 1)                      # (B, T, S)
    if d_weights is not None:
        d_alpha = d_alpha + d_weights
    return masked_softmax_backward(d_alpha, weights), d_values


def _grads(d_query, d_keys, d_values, values_given, single, **d_params):
    """The gradients by argument name; without values, the keys' gradient takes the values' path too."""
    grads = {"query": d_query[:, 0] if single else d_query, "keys": d_keys}
    if values_given:
        grads["values"] = d_values
    else:
        grads["keys"] = d_keys + d_values
    return {**grads, **d_params}


def dot_attention(query, keys, mask=None, values=None, scaled=False):
    """Dot score e_tj = q_t · k_j (/ √D if scaled): query (B[, T], D), keys (B, S, D) -> context, weights.

    ``scaled=True`` is Vaswani et al.'s (2017) scaled dot product; D is the keys' feature size.
    """
    query, keys, scaled = np.asarray(query), np.asarray(keys), _checks._flag("scaled", scaled)
    vals = _check(query, keys, values)
    if query.shape[-1] != keys.shape[-1]:                                # q · k
        raise InputError(f"query and keys need one feature size for q · k, got query {query.shape} "
                         f"and keys {keys.shape}")
    _check_params({"query": query, "keys": keys, "values": vals}, {})
    single = query.ndim == 2
    q = query[:, None] if single else query                              # (B, T, D)
    scale = 1 / np.sqrt(keys.shape[-1]) if scaled else 1.0
    # e_tj = q_t · k_j (/ √D)
    scores = scale * (q @ keys.transpose(0, 2, 1))                       # (B, T, S)
    out = _attend(scores, mask, vals, single)
    return out, (q, keys, vals, out[1], scale, single, values is not None)


def dot_attention_backward(d_context, cache, d_weights=None):
    """dL/dcontext (and dL/dweights) -> {"query", "keys"[, "values"]}, each the shape of its input."""
    q, keys, values, weights, scale, single, values_given = cache
    weights = weights[:, None] if single else weights
    d_scores, d_values = _attend_backward(d_context, d_weights, weights, values, single)
    # ∂L/∂q_t = s Σ_j ∂L/∂e_tj k_j,   ∂L/∂k_j = s Σ_t ∂L/∂e_tj q_t
    d_query = scale * (d_scores @ keys)                                  # (B, T, D)
    d_keys = scale * (d_scores.transpose(0, 2, 1) @ q)                   # (B, S, D)
    return _grads(d_query, d_keys, d_values, values_given, single)


def general_attention(query, keys, W_a, mask=None, values=None):
    """General score e_tj = q_t^T W_a k_j, with W_a (Dq, Dk): query (B[, T], Dq), keys (B, S, Dk) ->
    context (B[, T], Dv), weights (B[, T], S)."""
    query, keys, W_a = np.asarray(query), np.asarray(keys), np.asarray(W_a)
    vals = _check(query, keys, values)
    _check_params({"query": query, "keys": keys, "values": vals},
                  {"W_a": (W_a, (query.shape[-1], keys.shape[-1]), "(Dq, Dk) (proj.weight)")})
    single = query.ndim == 2
    q = query[:, None] if single else query                              # (B, T, Dq)
    # W_a k_j
    k = keys @ W_a.T                                                     # (B, S, Dq)
    # e_tj = q_t^T (W_a k_j)
    scores = q @ k.transpose(0, 2, 1)                                    # (B, T, S)
    out = _attend(scores, mask, vals, single)
    return out, (q, keys, k, W_a, vals, out[1], single, values is not None)


def general_attention_backward(d_context, cache, d_weights=None):
    """dL/dcontext (and dL/dweights) -> {"query", "keys"[, "values"], "W_a"}, each the shape of its input."""
    q, keys, k, W_a, values, weights, single, values_given = cache
    weights = weights[:, None] if single else weights
    d_scores, d_values = _attend_backward(d_context, d_weights, weights, values, single)
    # ∂L/∂q_t = Σ_j ∂L/∂e_tj (W_a k_j)
    d_query = d_scores @ k                                               # (B, T, Dq)
    # ∂L/∂(W_a k_j) = Σ_t ∂L/∂e_tj q_t
    d_k = d_scores.transpose(0, 2, 1) @ q                                # (B, S, Dq)
    # ∂L/∂k_j = W_a^T ∂L/∂(W_a k_j),   ∂L/∂W_a = Σ_{b,j} ∂L/∂(W_a k_j) k_j^T
    d_keys = d_k @ W_a                                                   # (B, S, Dk)
    d_W_a = np.einsum("bsq,bsk->qk", d_k, keys)                          # (Dq, Dk)
    return _grads(d_query, d_keys, d_values, values_given, single, W_a=d_W_a)


def additive_attention(query, keys, W_q, W_k, b_k, v, mask=None, values=None):
    """Additive score e_tj = v^T tanh(W_q q_t + W_k k_j + b_k): query (B[, T], Dq), keys (B, S, Dk),
    W_q (A, Dq), W_k (A, Dk), b_k (A,), v (1, A) -> (context, weights)."""
    query, keys = np.asarray(query), np.asarray(keys)
    W_q, W_k, b_k, v = (np.asarray(p) for p in (W_q, W_k, b_k, v))
    vals = _check(query, keys, values)
    if W_q.ndim != 2:
        raise InputError(f"W_q must be 2-D (A, Dq) (query_proj.weight), got shape {W_q.shape}")
    A, Dq, Dk = W_q.shape[0], query.shape[-1], keys.shape[-1]
    _check_params({"query": query, "keys": keys, "values": vals},
                  {"W_q": (W_q, (A, Dq), "(A, Dq) (query_proj.weight)"),
                   "W_k": (W_k, (A, Dk), "(A, Dk) (key_proj.weight)"),
                   "b_k": (b_k, (A,), "(A,) (key_proj.bias)"), "v": (v, (1, A), "(1, A) (v.weight)")})
    single = query.ndim == 2
    q = query[:, None] if single else query                              # (B, T, Dq)
    # W_k k_j + b_k, once per source position
    k = keys @ W_k.T + b_k                                               # (B, S, A)
    # W_q q_t
    qp = q @ W_q.T                                                       # (B, T, A)
    # h_tj = tanh(W_q q_t + W_k k_j + b_k), every (t, j) pair at once
    h = np.tanh(qp[:, :, None] + k[:, None])                             # (B, T, S, A)
    # e_tj = v^T h_tj
    scores = h @ v[0]                                                    # (B, T, S)
    out = _attend(scores, mask, vals, single)
    return out, (q, keys, h, W_q, W_k, v, vals, out[1], single, values is not None)


def additive_attention_backward(d_context, cache, d_weights=None):
    """dL/dcontext (and dL/dweights) -> {"query", "keys"[, "values"], "W_q", "W_k", "b_k", "v"}."""
    q, keys, h, W_q, W_k, v, values, weights, single, values_given = cache
    weights = weights[:, None] if single else weights
    d_scores, d_values = _attend_backward(d_context, d_weights, weights, values, single)
    # ∂L/∂v = Σ_{b,t,j} ∂L/∂e_tj h_tj
    d_v = np.einsum("bts,btsa->a", d_scores, h)[None]                    # (1, A)
    # ∂L/∂(pre-activation) = ∂L/∂e_tj v ⊙ (1 - h_tj²), through h = tanh(·)
    d_pre = d_scores[..., None] * v[0] * (1 - h * h)                     # (B, T, S, A)
    # W_q q_t is in every (t, j) pair of its row, W_k k_j + b_k in every (t, j) of its column
    d_qp, d_k = d_pre.sum(2), d_pre.sum(1)                               # (B, T, A), (B, S, A)
    d_query = d_qp @ W_q                                                 # (B, T, Dq)
    d_keys = d_k @ W_k                                                   # (B, S, Dk)
    d_W_q = np.einsum("bta,btq->aq", d_qp, q)                            # (A, Dq)
    d_W_k = np.einsum("bsa,bsk->ak", d_k, keys)                          # (A, Dk)
    return _grads(d_query, d_keys, d_values, values_given, single,
                  W_q=d_W_q, W_k=d_W_k, b_k=d_k.sum((0, 1)), v=d_v)
