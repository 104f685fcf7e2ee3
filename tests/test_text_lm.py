"""Character-level language models: NumPy and torch twins, truncated BPTT, evaluation and sampling."""
import numpy as np
import pytest
import torch
from torch import nn

import seqlearn.torch as st
from seqlearn.numpy.optim import Adam
from seqlearn.text import Vocab, lm, lm_numpy
from seqlearn.text.stream import batchify, chunks, num_chunks
from seqlearn.utils import count_parameters

V, H = 7, 6
MODES = ["RNN", "LSTM", "GRU"]


def twins(mode, num_layers=1, seed=0):
    """(NumPy CharLM, seqlearn.torch CharLM, torch.nn CharLM) with the NumPy model's weights, float64."""
    npm = lm_numpy.CharLM(mode, V, H, num_layers, rng=seed)
    state = {k: torch.from_numpy(v) for k, v in npm.state_dict().items()}
    models = [lm.char_lm(mode, V, H, num_layers, backend=b, dtype=torch.float64) for b in (st, nn)]
    for m in models:
        m.load_state_dict(state)
    return npm, *models


def stream(n, seed=0, noise=1.0):
    """n ids: the cycle 0, 1, ..., V-1 with a share ``noise`` of positions replaced at random."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n) % V
    flip = rng.random(n) < noise
    ids[flip] = rng.integers(0, V, flip.sum())
    return ids


def test_batchify_lays_columns_side_by_side_and_chunks_cover_every_target_once():
    ids = np.arange(23)
    data = batchify(ids, 4)                               # L = 5, three ids dropped
    assert data.shape == (5, 4) and data[:, 1].tolist() == [5, 6, 7, 8, 9]
    pairs = list(chunks(data, 2))
    assert len(pairs) == num_chunks(len(data), 2) == 2
    targets = np.concatenate([y for _, y in pairs])
    assert np.array_equal(targets, data[1:])                # every row but the first, once
    for x, y in pairs:
        assert x.shape == y.shape
    with pytest.raises(ValueError):
        batchify(ids, 20)


@pytest.mark.parametrize("mode", MODES)
def test_numpy_and_torch_models_agree_forward_and_backward_with_a_carried_state(mode):
    npm, ours, ref = twins(mode, num_layers=2)
    data = batchify(stream(41), 3)                         # (13, 3)
    (x0, _), (x1, y1) = list(chunks(data, 6))[:2]
    # chunk 0 gives the carried state; chunk 1 is differentiated (the state's graph cut)
    _, s_np = npm.forward(x0)
    logits_np, _ = npm.forward(x1, s_np)
    loss_np, dlogits = __import__("seqlearn.numpy", fromlist=["x"]).cross_entropy(logits_np.reshape(-1, V),
                                                                                   y1.reshape(-1))
    npm.backward(dlogits.reshape(logits_np.shape))
    for model in (ours, ref):
        tx0, tx1, ty1 = (torch.as_tensor(a) for a in (x0, x1, y1))
        _, s = model(tx0)
        logits, _ = model(tx1, lm.detach(s))
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), ty1.reshape(-1))
        loss.backward()
        assert abs(loss.item() - loss_np) < 1e-12
        assert np.abs(logits.detach().numpy() - logits_np).max() < 1e-12
        grads = dict(zip([k for k, _ in model.named_parameters()], npm.gradients()))
        worst = max(np.abs(p.grad.numpy() - grads[name]).max() for name, p in model.named_parameters())
        assert worst < 1e-12


@pytest.mark.parametrize("mode", MODES)
def test_three_implementations_follow_one_learning_curve(mode):
    npm, ours, ref = twins(mode, seed=1)
    data = batchify(stream(400, seed=2, noise=0.2), 2)     # 200 rows: 40 chunks of 5
    curve_np = lm_numpy.train_tbptt(npm, data, k=5, optimizer=Adam(npm.parameters(), lr=3e-2), clip=1.0)
    curves = [lm.train_tbptt(m, torch.as_tensor(data), k=5, lr=3e-2, clip=1.0)["loss"] for m in (ours, ref)]
    assert len(curve_np) == 40 and np.mean(curve_np[-5:]) < np.mean(curve_np[:5]) - 0.3   # it learns
    for curve in curves:
        assert np.abs(np.array(curve) - curve_np).max() < 1e-10
    final = {k: torch.from_numpy(v) for k, v in npm.state_dict().items()}
    assert max((final[k] - v).abs().max().item() for k, v in ref.state_dict().items()) < 1e-10


def test_evaluate_does_not_depend_on_the_chunk_length_and_reads_columns_in_text_order():
    _, _, model = twins("LSTM")
    ids = stream(61, seed=3)
    whole = lm.evaluate(model, ids, batch=1, k=1000)
    assert whole.shape == (60,)
    assert np.abs(lm.evaluate(model, ids, batch=1, k=7) - whole).max() < 1e-12
    with torch.no_grad():                                   # by hand: one pass, cross-entropy of each target
        logits, _ = model(torch.as_tensor(ids[:-1])[:, None])
        want = nn.functional.cross_entropy(logits[:, 0], torch.as_tensor(ids[1:]), reduction="none")
    assert np.abs(whole - want.numpy()).max() < 1e-12
    cols = lm.evaluate(model, ids, batch=3)                 # columns of 20: targets 1..19, 21..39, 41..59
    assert cols.shape == (57,)
    for b in range(3):
        assert np.abs(cols[19 * b:19 * (b + 1)] - lm.evaluate(model, ids[20 * b:20 * (b + 1)])).max() < 1e-12
    assert lm.bits(np.full(4, np.log(2))) == pytest.approx(1.0)


def test_sampling_greedy_top_k_and_temperature():
    vocab = Vocab("abcdefg")
    _, _, model = twins("GRU")
    greedy = lm.sample(model, vocab, "abc", 30, greedy=True)
    assert len(greedy) == 30 and greedy == lm.sample(model, vocab, "abc", 30, greedy=True)
    top1 = lm.sample(model, vocab, "abc", 30, top_k=1, generator=torch.Generator().manual_seed(0))
    assert top1 == greedy                                   # k = 1 leaves one choice: the greedy one
    draw = [lm.sample(model, vocab, "abc", 200, temperature=t, generator=torch.Generator().manual_seed(1))
            for t in (1e-4, 5.0)]
    assert draw[0][:30] == greedy                           # cold: the most likely character
    assert len(set(draw[1])) == V                           # hot: every character appears
    again = lm.sample(model, vocab, "abc", 200, temperature=5.0, generator=torch.Generator().manual_seed(1))
    assert again == draw[1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers", [1, 2])
def test_parameter_count_and_budget(mode, layers):
    model = lm.char_lm(mode, 96, 50, layers)
    assert count_parameters(model) == lm.parameter_count(mode, 96, 50, layers)
    H = lm.hidden_for_budget(mode, 96, 100_000, layers)
    near = [abs(lm.parameter_count(mode, 96, h, layers) - 100_000) for h in (H - 1, H, H + 1)]
    assert near[1] == min(near)


def test_train_tbptt_keeps_the_epoch_best_on_validation():
    _, _, model = twins("RNN")
    data = torch.as_tensor(batchify(stream(300, seed=4), 2))
    with pytest.raises(ValueError, match="pass val"):
        lm.train_tbptt(model, data, k=10, lr=1e-2, keep_best=True)
    hist = lm.train_tbptt(model, data, k=10, lr=5e-2, epochs=3, val=stream(101, seed=5), val_batch=2,
                          keep_best=True)
    assert len(hist["val_bpc"]) == 3 and len(hist["loss"]) == 3 * 15 and len(hist["seconds"]) == 3
    best = hist["best_epoch"]
    assert hist["val_bpc"][best - 1] == min(hist["val_bpc"])
    assert lm.bits(lm.evaluate(model, stream(101, seed=5), batch=2)) == pytest.approx(min(hist["val_bpc"]))
