"""seqlearn.torch.attention: against torch's scaled_dot_product_attention, a loop written from
Bahdanau's equation, gradcheck, and exact zeros (weights and gradients) at padding."""
import pytest
import torch
import torch.nn.functional as nnf

from seqlearn._checks import InputError
from seqlearn.batching import lengths_mask
from seqlearn.torch.attention import AdditiveAttention, DotAttention, GeneralAttention, masked_softmax

B, T, S, DQ, DK, DV, A = 4, 3, 6, 5, 7, 2, 8
LENGTHS = [6, 1, 4, 3]                      # a full row, a single real token and two padded ones
TIGHT = {"rtol": 1e-12, "atol": 1e-14}
KINDS = ["additive", "dot", "scaled", "general"]


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def make(kind, dq=DQ, dk=DK, a=A):
    """(module, query size, key size) in float64; dot products need the query as wide as the keys."""
    if kind == "additive":
        return AdditiveAttention(dq, dk, a, dtype=torch.float64), dq, dk
    if kind == "general":
        return GeneralAttention(dq, dk, dtype=torch.float64), dq, dk
    return DotAttention(scaled=kind == "scaled"), dk, dk


def sdpa(q, k, v, mask, **kw):
    return nnf.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, :], **kw)


def test_dot_attention_is_torchs_scaled_dot_product_attention():
    q, k, v, mask = rand(B, T, DK), rand(B, S, DK), rand(B, S, DV), lengths_mask(LENGTHS)
    for scaled, kw in ((True, {}), (False, {"scale": 1.0})):
        context, weights = DotAttention(scaled)(q, k, mask, v)
        torch.testing.assert_close(context, sdpa(q, k, v, mask, **kw), **TIGHT)
        # weights: attention of the identity values (one-hot per source position)
        eye = torch.eye(S, dtype=torch.float64).expand(B, S, S)
        torch.testing.assert_close(weights, sdpa(q, k, eye, mask, **kw), **TIGHT)
    assert not torch.allclose(DotAttention(True)(q, k, mask, v)[0], DotAttention(False)(q, k, mask, v)[0])


def test_general_attention_is_dot_attention_after_W_a():
    q, k, v, mask = rand(B, T, DQ), rand(B, S, DK), rand(B, S, DV), lengths_mask(LENGTHS)
    att = GeneralAttention(DQ, DK, dtype=torch.float64)
    W_a = att.proj.weight                                                # (DQ, DK)
    context, _ = att(q, k, mask, v)
    # q^T W_a k = q · (W_a k) = (W_a^T q) · k: map the keys, or the queries
    torch.testing.assert_close(context, sdpa(q, k @ W_a.T, v, mask, scale=1.0), **TIGHT)
    torch.testing.assert_close(context, sdpa(q @ W_a, k, v, mask, scale=1.0), **TIGHT)


@torch.no_grad()
def additive_loop(att, q, k, v, lengths):
    """Bahdanau's equation one (b, j) at a time, q (B, Dq): e_bj = v^T tanh(W_q q_b + W_k k_bj + b)."""
    Wq, Wk, bk, va = att.query_proj.weight, att.key_proj.weight, att.key_proj.bias, att.v.weight[0]
    context = torch.zeros(len(q), v.shape[-1], dtype=q.dtype)           # (B, Dv)
    weights = torch.zeros(len(q), k.shape[1], dtype=q.dtype)            # (B, S)
    for b, n in enumerate(lengths):
        e = [float(va @ torch.tanh(Wq @ q[b] + Wk @ k[b, j] + bk)) for j in range(n)]
        top = max(e)
        z = sum(torch.exp(torch.tensor(x - top, dtype=q.dtype)) for x in e)
        for j in range(n):
            weights[b, j] = torch.exp(torch.tensor(e[j] - top, dtype=q.dtype)) / z
            context[b] += weights[b, j] * v[b, j]
    return context, weights


def test_additive_attention_matches_a_loop_over_the_equation():
    att = AdditiveAttention(DQ, DK, A, dtype=torch.float64)
    q, k, v, mask = rand(B, T, DQ), rand(B, S, DK), rand(B, S, DV), lengths_mask(LENGTHS)
    context, weights = att(q, k, mask, v)                                # (B, T, DV), (B, T, S)
    for t in range(T):
        ref_context, ref_weights = additive_loop(att, q[:, t], k, v, LENGTHS)
        torch.testing.assert_close(context[:, t], ref_context, **TIGHT)
        torch.testing.assert_close(weights[:, t], ref_weights, **TIGHT)


@pytest.mark.parametrize("kind", KINDS)
def test_one_query_is_the_T_1_case_and_values_default_to_keys(kind):
    att, dq, dk = make(kind)
    q, k, mask = rand(B, dq), rand(B, S, dk), lengths_mask(LENGTHS)
    context, weights = att(q, k, mask)
    assert context.shape == (B, dk) and weights.shape == (B, S)
    context_1, weights_1 = att(q[:, None], k, mask, values=k)
    torch.testing.assert_close(context, context_1[:, 0], **TIGHT)
    torch.testing.assert_close(weights, weights_1[:, 0], **TIGHT)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("many", [False, True])
def test_weights_sum_to_one_and_are_exactly_zero_at_padding(kind, many):
    att, dq, dk = make(kind)
    lengths = torch.randint(1, S + 1, (16,))
    mask = lengths_mask(lengths, total_length=S)
    q = rand(16, T, dq) if many else rand(16, dq)
    _, weights = att(q, rand(16, S, dk), mask, rand(16, S, DV))
    pad = (~mask)[:, None].expand_as(weights) if many else ~mask
    assert (weights[pad] == 0).all() and (weights[~pad] > 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1], dtype=torch.float64), **TIGHT)


@pytest.mark.parametrize("kind", KINDS)
def test_padding_gets_exactly_zero_gradient_and_does_not_change_the_context(kind):
    att, dq, dk = make(kind)
    mask = lengths_mask(LENGTHS)
    q, k, v = rand(B, T, dq), rand(B, S, dk).requires_grad_(), rand(B, S, DV).requires_grad_()
    context, weights = att(q, k, mask, v)
    ((context * rand(*context.shape)).sum() + (weights * rand(*weights.shape)).sum()).backward()
    pad = ~mask
    assert (k.grad[pad] == 0).all() and (v.grad[pad] == 0).all()
    assert (k.grad[mask] != 0).any() and (v.grad[mask] != 0).any()      # the check can fail
    # padded keys and values replaced by large random numbers: the very same context and weights
    k2, v2 = k.detach().clone(), v.detach().clone()
    k2[pad], v2[pad] = 1e6 * rand(int(pad.sum()), dk), 1e6 * rand(int(pad.sum()), DV)
    context2, weights2 = att(q, k2, mask, v2)
    assert torch.equal(context2, context) and torch.equal(weights2, weights)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_with_a_mask(kind):
    att, dq, dk = make(kind, dq=2, dk=3, a=2)                            # small: gradcheck is O(inputs)
    mask = lengths_mask([3, 1], total_length=3)
    inputs = [rand(2, 2, dq), rand(2, 3, dk), rand(2, 3, 2)]
    names = [name for name, _ in att.named_parameters()]
    params = [p.detach().clone() for p in att.parameters()]

    def f(q, k, v, *ps):
        return torch.func.functional_call(att, dict(zip(names, ps)), (q, k, mask, v))

    assert torch.autograd.gradcheck(f, [x.requires_grad_() for x in inputs + params])


def test_keys_projected_gives_the_same_result():
    att = AdditiveAttention(DQ, DK, A, dtype=torch.float64)
    q, k, mask = rand(B, DQ), rand(B, S, DK), lengths_mask(LENGTHS)
    projected = att.key_proj(k)                                          # once per source
    for a, b in zip(att(q, k, mask), att(q, k, mask, keys_projected=projected)):
        assert torch.equal(a, b)
    with pytest.raises(InputError, match=r"must be key_proj\(keys\).*\(4, 6, 8\), got \(4, 6, 7\)"):
        att(q, k, mask, keys_projected=k)


def test_masked_softmax_broadcasts_a_source_mask_and_takes_one_row_per_query():
    scores, mask = rand(B, T, S), lengths_mask(LENGTHS)
    per_query = mask[:, None].expand(B, T, S).clone()
    torch.testing.assert_close(masked_softmax(scores, mask), masked_softmax(scores, per_query), **TIGHT)
    for t in range(T):
        one_query = masked_softmax(scores[:, t], mask)                    # (B, S) against (B, S)
        torch.testing.assert_close(masked_softmax(scores, mask)[:, t], one_query, **TIGHT)
    assert torch.equal(masked_softmax(scores, None), scores.softmax(-1))
    # scores far below any finite fill value (-1e4, min float...) still leave padding exactly 0
    far = masked_softmax(scores - 1e300, mask)
    assert (far[(~mask)[:, None].expand_as(far)] == 0).all()
    torch.testing.assert_close(far.sum(-1), torch.ones(B, T, dtype=torch.float64), **TIGHT)
    per_query[2, 1] = False
    with pytest.raises(InputError, match=r"\(batch, query\) index \[\(2, 1\)\] has none"):
        masked_softmax(scores, per_query)


def test_parameter_names():
    assert list(AdditiveAttention(DQ, DK, A).state_dict()) == [
        "query_proj.weight", "key_proj.weight", "key_proj.bias", "v.weight"]
    assert list(GeneralAttention(DQ, DK).state_dict()) == ["proj.weight"]
    assert GeneralAttention(DQ, DK).proj.weight.shape == (DQ, DK) and not list(DotAttention().parameters())
    with pytest.raises(TypeError, match="scaled should be of type bool"):
        DotAttention(scaled=1)
    with pytest.raises(ValueError, match="attention_size must be greater than zero, got 0"):
        AdditiveAttention(DQ, DK, 0)


EVEN_ROWS = torch.tensor([[True], [False], [True], [False]])              # rows 1 and 3 masked out
ERRORS = [  # (kind, query shape, keys shape, values shape or None, mask, expected message)
    ("additive", (B, DQ), (B, S), None, None, r"keys must be 3-D \(B, S, Dk\) .*got shape \(4, 6\)"),
    ("additive", (B, DQ), (B, 0, DK), None, None, r"with S >= 1, got shape \(4, 0, 7\)"),
    ("general", (3, DQ), (B, S, DK), None, None, r"B = 4 \(the keys' batch\), got shape \(3, 5\)"),
    ("general", (B, 1, 1, DQ), (B, S, DK), None, None, r"query must be \(B, Dq\) or \(B, T, Dq\)"),
    ("additive", (B, DK), (B, S, DK), None, None, r"query_size=5 and key_size=7 .*got query \(4, 7\)"),
    ("general", (B, DQ), (B, S, DQ), None, None, r"key_size=7 .*and keys \(4, 6, 5\)"),
    ("dot", (B, DQ), (B, S, DK), None, None, r"for q · k, got query \(4, 5\) and keys \(4, 6, 7\)"),
    ("dot", (B, DK), (B, S, DK), (B, S + 1, DV), None, r"\(B, S\) = \(4, 6\) \(the keys'\), got \(4, 7, 2\)"),
    ("dot", (B, DK), (B, S, DK), None, torch.ones(B, S), r"mask must be a bool tensor .*got torch.float32"),
    ("dot", (B, DK), (B, S, DK), None, torch.ones(B, S + 1, dtype=torch.bool),
     r"mask must be \(B, S\) = \(4, 6\) .*got shape \(4, 7\)"),
    ("additive", (B, T, DQ), (B, S, DK), None, lengths_mask([6, 1, 4, 3]) & EVEN_ROWS,
     r"batch index \[1, 3\] has none \(all False\)"),
]


@pytest.mark.parametrize("kind, q_shape, k_shape, v_shape, mask, match", ERRORS)
def test_bad_input_raises_input_error_naming_what_came(kind, q_shape, k_shape, v_shape, mask, match):
    att, _, _ = make(kind)
    values = None if v_shape is None else rand(*v_shape)
    with pytest.raises(InputError, match=match):
        att(rand(*q_shape), rand(*k_shape), mask, values)


def test_dtype_mismatch_raises_input_error():
    with pytest.raises(InputError, match=r"keys are torch.float64 .* but the query is torch.float32"):
        DotAttention()(torch.randn(B, DK), rand(B, S, DK))
    with pytest.raises(InputError, match=r"query has dtype torch.float64 but the model's parameters are"):
        GeneralAttention(DQ, DK)(rand(B, DQ), rand(B, S, DK))
    assert issubclass(InputError, ValueError) and issubclass(InputError, RuntimeError)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("kind", KINDS)
def test_cuda_follows_the_inputs(kind):
    att, dq, dk = make(kind)
    q, k, v = rand(B, T, dq), rand(B, S, dk), rand(B, S, DV)
    mask = lengths_mask(LENGTHS, device="cuda")
    context, weights = att.to("cuda")(q.cuda(), k.cuda(), mask, v.cuda())
    assert context.device.type == "cuda" and weights.device.type == "cuda"
    ref_context, ref_weights = att.to("cpu")(q, k, mask.cpu(), v)
    torch.testing.assert_close(context.cpu(), ref_context, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weights.cpu(), ref_weights, rtol=1e-10, atol=1e-12)
    assert (weights[~mask[:, None].expand_as(weights)] == 0).all()
