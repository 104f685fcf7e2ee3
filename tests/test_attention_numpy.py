"""seqlearn.numpy.attention against seqlearn.torch.attention: the forward, the hand-written backward against
autograd and finite differences, exact zeros at padding, the errors, and NumPy as the only dependency."""
import ast
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

import seqlearn.numpy.attention as na
import seqlearn.torch.attention as ta
from seqlearn._checks import InputError
from seqlearn.batching import lengths_mask

B, T, S, DQ, DK, DV, A = 4, 3, 6, 5, 7, 2, 8
LENGTHS = [6, 1, 4, 3]                      # a full row, a single real token and two padded ones
TIGHT = {"rtol": 1e-12, "atol": 1e-14}
KINDS = ["additive", "dot", "scaled", "general"]
# the NumPy parameters by name -> the torch modules' state_dict names
TORCH_NAMES = {"additive": {"W_q": "query_proj.weight", "W_k": "key_proj.weight", "b_k": "key_proj.bias",
                            "v": "v.weight"},
               "general": {"W_a": "proj.weight"}, "dot": {}, "scaled": {}}


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make(kind, rng, dq=DQ, dk=DK, a=A):
    """(torch module with the NumPy parameters loaded, NumPy parameters by name, query size, key size)."""
    if kind in ("dot", "scaled"):
        return ta.DotAttention(scaled=kind == "scaled"), {}, dk, dk
    if kind == "additive":
        params = {"W_q": rng.normal(size=(a, dq)), "W_k": rng.normal(size=(a, dk)), "b_k": rng.normal(size=a),
                  "v": rng.normal(size=(1, a))}
        att = ta.AdditiveAttention(dq, dk, a, dtype=torch.float64)
    else:
        params, att = {"W_a": rng.normal(size=(dq, dk))}, ta.GeneralAttention(dq, dk, dtype=torch.float64)
    att.load_state_dict({TORCH_NAMES[kind][n]: torch.from_numpy(p) for n, p in params.items()})
    return att, params, dq, dk


def forward(kind, params, query, keys, mask=None, values=None):
    """The NumPy forward of one kind: ((context, weights), cache)."""
    if kind in ("dot", "scaled"):
        return na.dot_attention(query, keys, mask, values, scaled=kind == "scaled")
    fn = na.additive_attention if kind == "additive" else na.general_attention
    return fn(query, keys, *params.values(), mask=mask, values=values)


def backward(kind, d_context, cache, d_weights=None):
    fn = {"additive": na.additive_attention_backward, "general": na.general_attention_backward}.get(
        kind, na.dot_attention_backward)
    return fn(d_context, cache, d_weights)


def inputs(rng, dq, dk, many=True, b=B, t=T, s=S, dv=DV):
    """query (B, T, Dq) or (B, Dq), keys (B, S, Dk), values (B, S, Dv)."""
    query = rng.normal(size=(b, t, dq) if many else (b, dq))
    return query, rng.normal(size=(b, s, dk)), rng.normal(size=(b, s, dv))


def close(got, want):
    np.testing.assert_allclose(got, want.detach().numpy() if torch.is_tensor(want) else want, **TIGHT)


def test_lengths_to_mask_is_the_torch_sides():
    for lengths, max_len in ((LENGTHS, None), (LENGTHS, 8), (np.array(LENGTHS, np.int32), 6)):
        mask = na.lengths_to_mask(lengths, max_len)
        assert mask.dtype == np.bool_
        np.testing.assert_array_equal(mask, lengths_mask(list(lengths), max_len).numpy())
    assert na.lengths_to_mask([]).shape == (0, 0) and na.lengths_to_mask([2, 1]).tolist() == [[1, 1], [1, 0]]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("many", [False, True], ids=["one_query", "T_queries"])
@pytest.mark.parametrize("masking", ["source_mask", "per_query_mask", "no_mask"])
@pytest.mark.parametrize("given_values", [True, False], ids=["values", "values_are_keys"])
def test_forward_is_torchs(kind, many, masking, given_values):
    rng = np.random.default_rng(0)
    att, params, dq, dk = make(kind, rng)
    q, k, v = inputs(rng, dq, dk, many)
    v = v if given_values else None
    mask = {"source_mask": na.lengths_to_mask(LENGTHS), "no_mask": None,
            "per_query_mask": rng.random((B, T, S) if many else (B, S)) < 0.6}[masking]
    if mask is not None:
        mask[:, 0] = True                                                 # every row keeps a real token
    (context, weights), _ = forward(kind, params, q, k, mask, v)
    to = torch.from_numpy
    want_context, want_weights = att(to(q), to(k), None if mask is None else to(mask),
                                     None if v is None else to(v))
    assert context.shape == tuple(want_context.shape) and weights.shape == tuple(want_weights.shape)
    close(context, want_context)
    close(weights, want_weights)


def torch_grads(att, kind, params, q, k, v, mask, d_context, d_weights):
    """Autograd of L = Σ d_context ⊙ context (+ Σ d_weights ⊙ weights) for the inputs and parameters."""
    leaves = {"query": q, "keys": k, **({} if v is None else {"values": v})}
    leaves = {n: torch.tensor(x, requires_grad=True) for n, x in leaves.items()}
    names = TORCH_NAMES[kind]
    ps = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
    context, weights = torch.func.functional_call(
        att, {names[n]: p for n, p in ps.items()},
        (leaves["query"], leaves["keys"], torch.from_numpy(mask), leaves.get("values")))
    loss = (context * torch.from_numpy(d_context)).sum()
    if d_weights is not None:
        loss = loss + (weights * torch.from_numpy(d_weights)).sum()
    wrt = {**leaves, **ps}
    return dict(zip(wrt, torch.autograd.grad(loss, list(wrt.values()))))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("many", [False, True], ids=["one_query", "T_queries"])
@pytest.mark.parametrize("given_values", [True, False], ids=["values", "values_are_keys"])
@pytest.mark.parametrize("weights_loss", [False, True], ids=["context_loss", "context_and_weights_loss"])
def test_backward_is_autograd(kind, many, given_values, weights_loss):
    rng = np.random.default_rng(1)
    att, params, dq, dk = make(kind, rng)
    q, k, v = inputs(rng, dq, dk, many)
    v = v if given_values else None
    mask = na.lengths_to_mask(LENGTHS)
    (context, weights), cache = forward(kind, params, q, k, mask, v)
    d_context = rng.normal(size=context.shape)
    d_weights = rng.normal(size=weights.shape) if weights_loss else None
    grads = backward(kind, d_context, cache, d_weights)
    want = torch_grads(att, kind, params, q, k, v, mask, d_context, d_weights)
    assert list(grads) == list(want)                                     # query, keys[, values], parameters
    for name in want:
        assert grads[name].shape == want[name].shape, name
        close(grads[name], want[name])


@pytest.mark.parametrize("kind", KINDS)
def test_backward_matches_finite_differences(kind):
    rng = np.random.default_rng(2)
    _, params, dq, dk = make(kind, rng, dq=2, dk=3, a=2)
    q, k, v = inputs(rng, dq, dk, b=2, t=2, s=3)
    mask = na.lengths_to_mask([3, 2])
    (context, weights), cache = forward(kind, params, q, k, mask, v)
    d_context, d_weights = rng.normal(size=context.shape), rng.normal(size=weights.shape)
    grads = backward(kind, d_context, cache, d_weights)
    args = {"query": q, "keys": k, "values": v, **params}

    def loss(a):
        (c, w), _ = forward(kind, {n: a[n] for n in params}, a["query"], a["keys"], mask, a["values"])
        return (c * d_context).sum() + (w * d_weights).sum()

    eps = 1e-6
    for name, x in args.items():
        numeric = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[i] += eps
            minus[i] -= eps
            numeric[i] = (loss({**args, name: plus}) - loss({**args, name: minus})) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-7, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("many", [False, True], ids=["one_query", "T_queries"])
def test_weights_sum_to_one_and_padding_gets_exactly_zero(kind, many):
    rng = np.random.default_rng(3)
    _, params, dq, dk = make(kind, rng)
    lengths = rng.integers(1, S + 1, 16)
    mask = na.lengths_to_mask(lengths, max_len=S)
    q, k, v = inputs(rng, dq, dk, many, b=16)
    (context, weights), cache = forward(kind, params, q, k, mask, v)
    pad = np.broadcast_to(~mask[:, None], weights.shape) if many else ~mask
    assert (weights[pad] == 0).all() and (weights[~pad] > 0).all()
    close(weights.sum(-1), np.ones(weights.shape[:-1]))
    grads = backward(kind, rng.normal(size=context.shape), cache, rng.normal(size=weights.shape))
    assert (grads["keys"][~mask] == 0).all() and (grads["values"][~mask] == 0).all()
    assert (grads["values"][mask] != 0).all()                            # the check can fail
    # a lone real token has α = 1 whatever its score, so its key gets no gradient either: rows of 2+
    assert (grads["keys"][mask & (lengths > 1)[:, None]] != 0).all()
    # padded keys and values replaced by large random numbers: the very same context and weights
    k2, v2 = k.copy(), v.copy()
    k2[~mask], v2[~mask] = 1e6 * rng.normal(size=k[~mask].shape), 1e6 * rng.normal(size=v[~mask].shape)
    (context2, weights2), _ = forward(kind, params, q, k2, mask, v2)
    assert np.array_equal(context2, context) and np.array_equal(weights2, weights)


@pytest.mark.parametrize("shape", [(B, S), (B, T, S)])
@pytest.mark.parametrize("per_query", [False, True], ids=["source_mask", "per_query_mask"])
def test_masked_softmax_and_its_backward_are_torchs(shape, per_query):
    rng = np.random.default_rng(4)
    scores, d_weights = rng.normal(size=shape), rng.normal(size=shape)
    mask = rng.random(shape) < 0.5 if per_query else na.lengths_to_mask(LENGTHS)
    mask[..., 1] = True
    weights = na.masked_softmax(scores, mask)
    e = torch.tensor(scores, requires_grad=True)
    full = torch.from_numpy(np.broadcast_to(mask[:, None], shape).copy() if mask.ndim < len(shape) else mask)
    want = e.masked_fill(~full, float("-inf")).softmax(-1)              # softmax with -inf masking
    close(weights, want)
    close(weights, ta.masked_softmax(torch.from_numpy(scores), torch.from_numpy(mask)))
    (d_scores,) = torch.autograd.grad(want, e, torch.from_numpy(d_weights))
    got = na.masked_softmax_backward(d_weights, weights)
    close(got, d_scores)
    full = full.numpy()
    assert (got[~full] == 0).all()
    # rows of 2+ real tokens (a lone real token has α = 1 whatever its score, so no gradient)
    assert (got[full & (full.sum(-1) > 1)[..., None]] != 0).all()
    # far below any finite fill value the padding stays exactly 0; no mask is the plain softmax
    far = na.masked_softmax(scores - 1e300, mask)
    assert (far[~full] == 0).all()
    close(far.sum(-1), np.ones(shape[:-1]))
    close(na.masked_softmax(scores, None), torch.from_numpy(scores).softmax(-1))


_rng = np.random.default_rng(5)
Q, K, V = inputs(_rng, DK, DK)                                           # dot products: Dq = Dk = 7
MASK = na.lengths_to_mask(LENGTHS)
W_Q, W_K, B_K, W_V = (_rng.normal(size=shape) for shape in ((A, DK), (A, DK), (A,), (1, A)))
ERRORS = {   # name: (call, what the message must say)
    "float_lengths": (lambda: na.lengths_to_mask([2.0, 1.0]),
                      r"1-D integers \(B,\), got 1-D float64 of shape \(2,\)"),
    "2d_lengths": (lambda: na.lengths_to_mask([[2, 1]]),
                   r"1-D integers \(B,\), got 2-D int64 of shape \(1, 2\)"),
    "long_length": (lambda: na.lengths_to_mask([2, 5], max_len=4),
                    r"lengths must lie in \[1, 4\].*got \[5\]"),
    "int_mask": (lambda: na.dot_attention(Q, K, MASK.astype(int)), r"mask must be a bool array .*got int64"),
    "list_mask": (lambda: na.dot_attention(Q, K, MASK.tolist()), r"mask must be a bool array .*got list"),
    "short_mask": (lambda: na.dot_attention(Q, K, MASK[:, :4]),
                   r"mask must be \(B, S\) = \(4, 6\) for scores of shape \(4, 3, 6\), got shape \(4, 4\)"),
    "empty_row": (lambda: na.dot_attention(Q, K, MASK & np.array([[True], [False], [True], [True]])),
                  r"every mask row needs a real token.*batch index \[1\] has none \(all False\)"),
    "2d_keys": (lambda: na.dot_attention(Q, K[0]),
                r"keys must be 3-D \(B, S, Dk\) with S >= 1, got shape \(6, 7\)"),
    "batch": (lambda: na.dot_attention(Q[:3], K),
              r"query must be \(B, Dq\) or \(B, T, Dq\) with B = 4 \(the keys' batch\), "
              r"got shape \(3, 3, 7\)"),
    "values": (lambda: na.dot_attention(Q, K, MASK, V[:, :5]),
               r"values must be \(B, S, Dv\) with \(B, S\) = \(4, 6\) \(the keys'\), got \(4, 5, 2\)"),
    "q_dot_k": (lambda: na.dot_attention(Q[..., :5], K),
                r"one feature size for q · k, got query \(4, 3, 5\)"),
    "dtype": (lambda: na.dot_attention(Q, K.astype(np.float32)),
              r"share one floating dtype, got query float64, keys float32"),
    "scaled": (lambda: na.dot_attention(Q, K, scaled=1), r"scaled should be of type bool"),
    "W_a": (lambda: na.general_attention(Q[..., :5], K, W_Q[:5].T),
            r"W_a must be \(Dq, Dk\) \(proj.weight\) = \(5, 7\) for query \(4, 3, 5\) .*got \(7, 5\)"),
    "W_q": (lambda: na.additive_attention(Q, K, W_Q[0], W_K, B_K, W_V),
            r"W_q must be 2-D \(A, Dq\) \(query_proj.weight\), got shape \(7,\)"),
    "W_k": (lambda: na.additive_attention(Q, K, W_Q, W_K[:, :3], B_K, W_V),
            r"W_k must be \(A, Dk\) \(key_proj.weight\) = \(8, 7\) .*got \(8, 3\)"),
    "b_k": (lambda: na.additive_attention(Q, K, W_Q, W_K, B_K[:3], W_V), r"b_k must be \(A,\).*got \(3,\)"),
    "v": (lambda: na.additive_attention(Q, K, W_Q, W_K, B_K, W_V[0]),
          r"v must be \(1, A\) \(v.weight\) = \(1, 8\) .*got \(8,\)"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_name_what_was_expected_and_what_came(name):
    call, match = ERRORS[name]
    with pytest.raises(TypeError if name == "scaled" else InputError, match=match):
        call()


def test_backward_refuses_gradients_of_the_wrong_shape():
    (context, weights), cache = na.dot_attention(Q[:, 0], K, MASK)       # one query: (B, Dk), (B, S)
    with pytest.raises(InputError, match=r"d_context must have the shape of context, \(4, 7\), "
                                         r"got \(4, 1, 7\)"):
        na.dot_attention_backward(context[:, None], cache)
    with pytest.raises(InputError, match=r"d_weights must have the shape of weights, \(4, 6\), got \(4, 5\)"):
        na.dot_attention_backward(context, cache, weights[:, :5])
    with pytest.raises(InputError, match=r"d_weights must have the weights' shape \(4, 6\), got \(4, 1\)"):
        na.masked_softmax_backward(weights[:, :1], weights)
    assert issubclass(InputError, ValueError) and issubclass(InputError, RuntimeError)


def test_the_module_imports_numpy_and_seqlearn_checks_only():
    tree = ast.parse(pathlib.Path(na.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):         # from .. import _checks: seqlearn._checks
            base = "seqlearn" if node.level == 2 else "seqlearn.numpy" if node.level == 1 else ""
            module = ".".join(p for p in (base, node.module) if p)
            imported |= {f"{module}.{a.name}" if node.module is None else module for a in node.names}
    assert imported == {"numpy", "seqlearn._checks"}
    code = "import sys, seqlearn.numpy.attention; print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout.split())
    assert "numpy" in loaded and not {"torch", "seqlearn.torch", "matplotlib"} & loaded
