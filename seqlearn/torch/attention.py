"""Attention over a source: additive (Bahdanau et al. 2015), dot and general (Luong et al. 2015).

The job of an attention module is to turn a query (the decoder's state) and the encoder's outputs
(keys, and values, which are the keys unless given) into a context: a weighted mean of the values
whose weights, a softmax of scores, are exactly zero at padding. Batch first: keys (B, S, Dk),
values (B, S, Dv), mask (B, S) bool, True at real tokens (None: all real). A query (B, Dq) gives
context (B, Dv) and weights (B, S); a stack of queries (B, T, Dq), such as every decoder step under
teacher forcing, gives (B, T, Dv) and (B, T, S). Each module returns ``(context, weights)``.
"""
import math

import torch
from torch import nn

from .. import _checks
from .._checks import InputError


def masked_softmax(scores, mask):
    """Softmax over the last dim of scores (B, S) or (B, T, S); exactly 0 where mask (B, S) is False.

    The mask may also have the scores' own shape (B, T, S), one row per query.
    """
    if mask is None:
        return scores.softmax(-1)
    if not torch.is_tensor(mask) or mask.dtype != torch.bool:
        got = mask.dtype if torch.is_tensor(mask) else type(mask).__name__
        raise InputError(f"mask must be a bool tensor (True at real tokens), got {got}")
    B, S = scores.shape[0], scores.shape[-1]
    if scores.dim() not in (2, 3) or tuple(mask.shape) not in ((B, S), tuple(scores.shape)):
        raise InputError(f"mask must be (B, S) = {(B, S)} for scores of shape {tuple(scores.shape)}, "
                         f"got shape {tuple(mask.shape)}")
    if mask.device != scores.device:
        raise InputError(f"mask is on {mask.device} but the scores are on {scores.device}; move the mask")
    empty = ~mask.any(-1)                                                # (B,) or (B, T)
    if empty.any():
        where = "batch index" if mask.dim() == 2 else "(batch, query) index"
        rows = [r[0] if len(r) == 1 else tuple(r) for r in empty.nonzero().tolist()]
        raise InputError(f"every mask row needs a real token (a True) to attend to; {where} {rows} "
                         "has none (all False)")
    if mask.dim() < scores.dim():
        mask = mask[:, None, :]                                          # (B, 1, S)
    # α_j = exp(e_j) / Σ_{k real} exp(e_k): e = -inf at padding, exp(-inf) = 0, no gradient flows there
    return scores.masked_fill(~mask, float("-inf")).softmax(-1)


def _check(query, keys, values, query_size, key_size, weight=None):
    """Raise unless query, keys, values (and the module's sizes and weight) fit together; return values."""
    if keys.dim() != 3 or keys.shape[1] == 0:
        raise InputError(f"keys must be 3-D (B, S, Dk) with S >= 1, got shape {tuple(keys.shape)}")
    if query.dim() not in (2, 3) or query.shape[0] != keys.shape[0]:
        raise InputError(f"query must be (B, Dq) or (B, T, Dq) with B = {keys.shape[0]} (the keys' batch), "
                         f"got shape {tuple(query.shape)}")
    if query_size is None and query.shape[-1] != keys.shape[-1]:            # dot attention: q · k
        raise InputError(f"query and keys need one feature size for q · k, got query {tuple(query.shape)} "
                         f"and keys {tuple(keys.shape)}")
    if query_size is not None and (query.shape[-1] != query_size or keys.shape[-1] != key_size):
        raise InputError(f"expected query_size={query_size} and key_size={key_size} features, got query "
                         f"{tuple(query.shape)} and keys {tuple(keys.shape)}")
    values = keys if values is None else values
    if values.dim() != 3 or values.shape[:2] != keys.shape[:2]:
        raise InputError(f"values must be (B, S, Dv) with (B, S) = {tuple(keys.shape[:2])} (the keys'), "
                         f"got {tuple(values.shape)}")
    for name, x in (("keys", keys), ("values", values)):
        if x.dtype != query.dtype or x.device != query.device:
            raise InputError(f"{name} are {x.dtype} on {x.device} but the query is {query.dtype} on "
                             f"{query.device}; convert one of them")
    if weight is not None:
        _checks.check_dtype("query", query.dtype, weight.dtype)
        _checks.check_device("query", query.device, weight.device)
    return values


def _attend(scores, mask, values, single):
    """Masked softmax of scores (B, T, S), then the weighted mean of values (B, S, Dv)."""
    weights = masked_softmax(scores, mask)                               # (B, T, S)
    # c_t = Σ_j α_tj v_j
    context = weights @ values                                           # (B, T, Dv)
    return (context[:, 0], weights[:, 0]) if single else (context, weights)


class AdditiveAttention(nn.Module):
    """Bahdanau's score e_tj = v^T tanh(W_q q_t + W_k k_j + b): a one-hidden-layer net of query and key.

    query_proj is W_q (A, Dq) without a bias, key_proj is W_k (A, Dk) with the one bias b (a second
    bias on W_q would only add to it), v is v (1, A). ``forward(query, keys, mask, values,
    keys_projected)``: ``keys_projected`` = key_proj(keys) (B, S, A), which a decoder computes once
    per source and passes at every step (Bahdanau's U_a h_j precomputed); the result is the same.
    """

    def __init__(self, query_size, key_size, attention_size, *, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.query_size = _checks._integer("query_size", query_size)
        self.key_size = _checks._integer("key_size", key_size)
        self.attention_size = _checks._integer("attention_size", attention_size)
        self.query_proj = nn.Linear(query_size, attention_size, bias=False, **kw)  # W_q
        self.key_proj = nn.Linear(key_size, attention_size, bias=True, **kw)       # W_k, b
        self.v = nn.Linear(attention_size, 1, bias=False, **kw)                    # v

    def forward(self, query, keys, mask=None, values=None, keys_projected=None):
        """query (B, Dq) or (B, T, Dq), keys (B, S, Dk) -> context (B[, T], Dv), weights (B[, T], S)."""
        values = _check(query, keys, values, self.query_size, self.key_size, self.v.weight)
        single = query.dim() == 2
        q = query[:, None] if single else query                          # (B, T, Dq)
        if keys_projected is None:
            # W_k k_j + b, once per source position
            keys_projected = self.key_proj(keys)                         # (B, S, A)
        elif tuple(keys_projected.shape) != (*keys.shape[:2], self.attention_size):
            raise InputError(f"keys_projected must be key_proj(keys), (B, S, A) = "
                             f"{(*keys.shape[:2], self.attention_size)}, got {tuple(keys_projected.shape)}")
        # W_q q_t
        q_proj = self.query_proj(q)                                      # (B, T, A)
        # e_tj = v^T tanh(W_q q_t + W_k k_j + b), every (t, j) pair at once
        scores = self.v(torch.tanh(q_proj[:, :, None] + keys_projected[:, None])).squeeze(-1)  # (B, T, S)
        return _attend(scores, mask, values, single)


class DotAttention(nn.Module):
    """Luong's dot score e_tj = q_t · k_j (Dq = Dk); scaled=True divides by √Dk (Vaswani et al. 2017)."""

    def __init__(self, scaled=False):
        super().__init__()
        self.scaled = _checks._flag("scaled", scaled)

    def forward(self, query, keys, mask=None, values=None):
        """query (B, D) or (B, T, D), keys (B, S, D) -> context (B[, T], Dv), weights (B[, T], S)."""
        values = _check(query, keys, values, None, None)
        single = query.dim() == 2
        q = query[:, None] if single else query                          # (B, T, D)
        # e_tj = q_t · k_j
        scores = q @ keys.transpose(1, 2)                                # (B, T, S)
        if self.scaled:
            # e_tj / √d
            scores = scores / math.sqrt(keys.shape[-1])
        return _attend(scores, mask, values, single)

    def extra_repr(self):
        return f"scaled={self.scaled}"


class GeneralAttention(nn.Module):
    """Luong's general score e_tj = q_t^T W_a k_j: a dot product with the keys mapped by W_a (Dq, Dk)."""

    def __init__(self, query_size, key_size, *, device=None, dtype=None):
        super().__init__()
        self.query_size = _checks._integer("query_size", query_size)
        self.key_size = _checks._integer("key_size", key_size)
        self.proj = nn.Linear(key_size, query_size, bias=False, device=device, dtype=dtype)  # W_a: .weight

    def forward(self, query, keys, mask=None, values=None):
        """query (B, Dq) or (B, T, Dq), keys (B, S, Dk) -> context (B[, T], Dv), weights (B[, T], S)."""
        values = _check(query, keys, values, self.query_size, self.key_size, self.proj.weight)
        single = query.dim() == 2
        q = query[:, None] if single else query                          # (B, T, Dq)
        # W_a k_j
        k = self.proj(keys)                                              # (B, S, Dq)
        # e_tj = q_t^T (W_a k_j)
        scores = q @ k.transpose(1, 2)                                   # (B, T, S)
        return _attend(scores, mask, values, single)
