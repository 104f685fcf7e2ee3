"""One training run per task of the comparison, each returning a dict of plain numbers.

Every run is seeded (``seed`` fixes the initial weights and the order of the training data), times
itself in CPU seconds of this process (``time.process_time``; other programs on a shared machine do
not count) and touches its test set once, at the end. The synthetic tasks draw a fresh batch at
every step and are validated and tested on fixed sets of their own; the real tasks choose their
epoch on validation.
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as nnf
from torch.nn.utils.rnn import pad_sequence

import seqlearn.torch as st

from .. import data, metrics
from ..names import NameData
from ..train.init import initialise
from ..train.loop import fit
from .models import build

SYNTHETIC = {
    # task: (input size, output size, the memoryless score as a function of the length)
    "adding": (2, 1, lambda length: 1 / 6),
    "copy": (6, 5, lambda delay: data.copy_baseline(delay, symbols=4, length=5)),
}
SOLVED = 0.1          # a synthetic run is solved when its test loss is below SOLVED x the memoryless score


def _batch(task, n, length, rng, device):
    if task == "adding":
        x, y = data.adding_problem(n, length, rng)
        return (torch.tensor(x, dtype=torch.float32, device=device),
                torch.tensor(y, dtype=torch.float32, device=device))
    x, y = data.copy_task(n, length, rng, symbols=4, length=5)
    x = nnf.one_hot(torch.tensor(x, device=device), 6).float()
    return x, torch.tensor(y, device=device)


def _loss(task, model, x, y):
    out = model(x)
    if task == "adding":
        return nnf.mse_loss(out.squeeze(-1), y)
    return nnf.cross_entropy(out.transpose(1, 2), y)          # (B, classes, T) against (B, T)


def synthetic(task, cell, length, seed, *, lr, steps, budget, batch=64, clip=1.0, eval_every=100,
              forget_bias=None, device=None):
    """Train on fresh batches of the adding problem (length T) or the copy task (delay T).

    forget_bias (an LSTM's): b_if + b_hf set to this value after the seeded initialisation
    (``seqlearn.train.initialise``), every other weight as without it, so runs pair by seed.

    Returns the run: 'val' (validation loss every ``eval_every`` steps), 'test' loss at the end,
    'baseline' (the memoryless score), 'solved' (test < SOLVED x baseline), for the copy task the
    'recall' accuracy over the symbols to be given back, 'hidden', 'params' and 'cpu_s'.
    """
    if task not in SYNTHETIC:
        raise ValueError(f"task must be one of {', '.join(SYNTHETIC)}; got {task!r}")
    inputs, outputs, memoryless = SYNTHETIC[task]
    torch.manual_seed(seed)
    model, hidden = build(cell, inputs, outputs, budget, many_to_one=task == "adding", device=device)
    if forget_bias is not None:
        initialise(model.core, forget_bias=forget_bias)
    rng = np.random.default_rng(seed)
    val = _batch(task, 1000, length, np.random.default_rng(10_000 + length), device)
    test = _batch(task, 2000, length, np.random.default_rng(20_000 + length), device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    curve, start = [], time.process_time()
    for step in range(1, steps + 1):
        model.train()
        loss = _loss(task, model, *_batch(task, batch, length, rng, device))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if step % eval_every == 0:
            model.eval()
            with torch.no_grad():
                curve.append(float(_loss(task, model, *val)))
    cpu = time.process_time() - start
    model.eval()
    with torch.no_grad():
        test_loss = float(_loss(task, model, *test))
        run = {"task": task, "cell": cell, "length": length, "seed": seed, "lr": lr, "steps": steps,
               "forget_bias": forget_bias,
               "hidden": hidden, "params": sum(p.numel() for p in model.parameters()), "val": curve,
               "test": test_loss, "baseline": memoryless(length),
               "solved": bool(test_loss < SOLVED * memoryless(length)), "cpu_s": cpu}
        if task == "copy":
            guess = model(test[0])[:, -5:].argmax(-1)
            run["recall"] = float((guess == test[1][:, -5:]).float().mean())
    return run


def sunspots(cell, seed, *, lr, budget, epochs=150, batch=16, device=None):
    """Next-year sunspot forecasts from 20-year windows (``data.sunspot_split``), epoch chosen on validation.

    Returns validation and test MSE in the series' own units (sunspots squared), 'hidden', 'params', 'cpu_s'.
    """
    split = data.sunspot_split()

    def as_t(a):
        return torch.tensor(a, dtype=torch.float32, device=device)

    def mse(out, y):
        return nnf.mse_loss(out.squeeze(-1), y)

    (xtr, ytr, _), (xva, yva, _), (xte, yte, _) = split.train, split.val, split.test
    torch.manual_seed(seed)
    model, hidden = build(cell, 1, 1, budget, device=device)
    start = time.process_time()
    hist = fit(model, mse, as_t(xtr), as_t(ytr), epochs=epochs, batch_size=batch, lr=lr,
               val=(as_t(xva), as_t(yva)), keep_best=True,
               generator=torch.Generator().manual_seed(seed))
    cpu = time.process_time() - start
    model.eval()
    with torch.no_grad():
        scale = split.std ** 2
        val = float(mse(model(as_t(xva)), as_t(yva))) * scale
        test = float(mse(model(as_t(xte)), as_t(yte))) * scale
    return {"task": "sunspots", "cell": cell, "seed": seed, "lr": lr, "hidden": hidden,
            "params": sum(p.numel() for p in model.parameters()), "val": val, "test": test,
            "best_epoch": hist["best_epoch"], "cpu_s": cpu, "cpu_s_per_epoch": cpu / epochs}


_NAMES = {}


def name_data():
    """The frozen surnames (``seqlearn.names``), loaded once per process."""
    if "data" not in _NAMES:
        _NAMES["data"] = NameData()
    return _NAMES["data"]


def _padded(seqs, device):
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True).to(device), lengths


def names(cell, seed, *, lr, budget, epochs=20, batch=32, embed=16, device=None):
    """Surname -> language (10 languages), packed batches, epoch chosen on validation loss.

    Returns validation and test accuracy, test macro-F1, the test confusion matrix (rows: true
    language, columns: predicted; ``name_data().languages`` order), 'hidden', 'params', 'cpu_s'.
    """
    d = name_data()
    (xtr, ltr), ytr = _padded(d.train[0], device), d.train[1].to(device)
    (xva, lva), yva = _padded(d.val[0], device), d.val[1].to(device)
    (xte, lte), yte = _padded(d.test[0], device), d.test[1].to(device)
    K = len(d.languages)
    torch.manual_seed(seed)
    model, hidden = build(cell, embed, K, budget, vocab=(len(d.vocab), embed), device=device)
    start = time.process_time()
    hist = fit(model, nnf.cross_entropy, xtr, ytr, lengths=ltr, epochs=epochs, batch_size=batch, lr=lr,
               val=(xva, yva, lva), keep_best=True, generator=torch.Generator().manual_seed(seed))
    cpu = time.process_time() - start
    model.eval()
    with torch.no_grad():
        val_pred = model(xva, lva).argmax(-1).cpu().numpy()
        test_pred = model(xte, lte).argmax(-1).cpu().numpy()
    y_val, y_test = yva.cpu().numpy(), yte.cpu().numpy()
    return {"task": "names", "cell": cell, "seed": seed, "lr": lr, "hidden": hidden,
            "params": sum(p.numel() for p in model.parameters()),
            "val_loss": min(hist["val"]), "val": metrics.accuracy(y_val, val_pred),
            "test": metrics.accuracy(y_test, test_pred),
            "macro_f1": metrics.precision_recall_f1(y_test, test_pred, K, average="macro")[2],
            "confusion": metrics.confusion_matrix(y_test, test_pred, K).tolist(),
            "best_epoch": hist["best_epoch"], "cpu_s": cpu, "cpu_s_per_epoch": cpu / epochs}


def char_lm(variant, seed, *, lr, hidden, text, epochs=3, batch=32, k=32, clip=1.0, device=None):
    """A character LSTM of ``variant`` (seqlearn.torch.LSTM) trained by truncated BPTT, best epoch on validation.

    text: (train, val, test) id arrays and the vocabulary size, as ``lm_text`` returns them.
    Returns validation and test bits per character, 'hidden', 'params' (of which 'unused' the
    variant never reads) and 'cpu_s' (training only).
    """
    from ..text import lm
    train, val, test, V = text
    torch.manual_seed(seed)
    core = st.LSTM(V, hidden, variant=variant, device=device)
    model = lm.CharLM(core, V)
    data_ = torch.as_tensor(lm.batchify(train, batch), device=device)
    hist = lm.train_tbptt(model, data_, k=k, lr=lr, epochs=epochs, clip=clip, val=val, keep_best=True)
    test_bpc = lm.bits(lm.evaluate(model, test, batch=16))
    finite = [v for v in hist["val_bpc"] if not math.isnan(v)]
    return {"task": "char_lm", "cell": "LSTM", "variant": variant, "seed": seed, "lr": lr,
            "hidden": hidden, "params": sum(p.numel() for p in model.parameters()),
            "unused": core.unused_parameters(), "val": min(finite) if finite else math.nan,
            "val_curve": hist["val_bpc"], "test": test_bpc, "best_epoch": hist["best_epoch"],
            "cpu_s": float(sum(hist["cpu_seconds"]))}


def lm_text(train_chars=150_000, eval_chars=20_000):
    """Chapter 9's corpus, cut down: the first characters of its training, validation and test parts, as ids."""
    from ..text.corpus import load_corpus, split_by_position
    from ..text.vocab import Vocab
    split = split_by_position(load_corpus())
    vocab = Vocab(split.train)
    return (vocab.encode(split.train[:train_chars]), vocab.encode(split.val[:eval_chars]),
            vocab.encode(split.test[:eval_chars]), len(vocab))
