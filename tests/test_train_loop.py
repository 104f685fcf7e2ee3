"""seqlearn.train.fit beyond the defaults: lengths, batch samplers, optimisers and schedules, clipping
by value, early stopping, a checkpoint, progress displays; and the default path, bit for bit."""
import numpy as np
import pytest
import torch
from torch import nn

import seqlearn.torch as st
from seqlearn import batching, data
from seqlearn.train import EarlyStopping, LiveLoss, SequenceModel, fit, predict, progress


def sines(n=96, T=12, seed=0, dtype=torch.float64):
    x, y = data.sine_waves(n, T, np.random.default_rng(seed))
    return torch.tensor(x, dtype=dtype), torch.tensor(y[:, None], dtype=dtype)


def rnn(seed=0, hidden=6):
    torch.manual_seed(seed)
    return SequenceModel(st.RNN(1, hidden, batch_first=True, dtype=torch.float64), 1)


def test_default_path_is_the_plain_loop_bit_for_bit():
    x, y = sines()
    model, twin = rnn(), rnn()
    hist = fit(model, nn.functional.mse_loss, x, y, epochs=3, batch_size=16,
               generator=torch.Generator().manual_seed(5))
    opt, order, losses = torch.optim.Adam(twin.parameters(), lr=1e-2), torch.Generator().manual_seed(5), []
    for _ in range(3):
        total = 0.0
        for idx in torch.randperm(len(x), generator=order).split(16):
            opt.zero_grad()
            loss = nn.functional.mse_loss(twin(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(x))
    assert hist["train"] == losses and hist["epochs"] == 3 and hist["best_epoch"] == 3
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), twin.state_dict().values()))
    assert hist["clipped"] == [False] * len(hist["grad_norm"]) == [False] * 18


def test_early_stopping_counts_epochs_without_a_new_best():
    stop = EarlyStopping(patience=2)
    assert [stop.step(v, e) for e, v in enumerate([3.0, 2.0, 2.5, 1.0, 1.5, 1.2], 1)] == [
        True, True, False, True, False, False]
    assert stop.stop and stop.best == 1.0 and stop.best_epoch == 4
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_patience_stops_training_and_the_checkpoint_holds_the_best_epoch(tmp_path):
    x, y = sines(seed=1)
    model = rnn()
    path = tmp_path / "best.pt"
    # too large a learning rate: validation stops improving after a few epochs
    hist = fit(model, nn.functional.mse_loss, x[24:], y[24:], epochs=60, batch_size=8, lr=0.3,
               val=(x[:24], y[:24]), patience=3, keep_best=True, checkpoint=path,
               generator=torch.Generator().manual_seed(0))
    best = int(np.argmin(hist["val"])) + 1
    assert hist["epochs"] < 60 and hist["epochs"] == best + 3 == hist["best_epoch"] + 3
    saved = torch.load(path)
    assert saved["epoch"] == best and saved["val"] == min(hist["val"])
    fresh = rnn(seed=9)
    fresh.load_state_dict(saved["model"])
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    with pytest.raises(ValueError, match="pass val="):
        fit(model, nn.functional.mse_loss, x, y, epochs=1, batch_size=8, patience=2)


def test_optimizer_and_scheduler_factories():
    x, y = sines()
    model = rnn()
    hist = fit(model, nn.functional.mse_loss, x, y, epochs=4, batch_size=32,
               optimizer=lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
               scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5))
    assert hist["lr"] == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_clip_value_caps_every_component_and_flags_the_step():
    x, y = sines()
    model = rnn()
    seen = []
    opt_step = torch.optim.Adam.step

    def spy(self, *a, **k):                       # the gradients the optimiser is given
        seen.append(max(float(p.grad.abs().max()) for g in self.param_groups for p in g["params"]))
        return opt_step(self, *a, **k)

    torch.optim.Adam.step = spy
    try:
        hist = fit(model, nn.functional.mse_loss, x, y, epochs=1, batch_size=32, clip_value=1e-3)
    finally:
        torch.optim.Adam.step = opt_step
    assert max(seen) <= 1e-3 and all(hist["clipped"])
    hist = fit(model, nn.functional.mse_loss, x, y, epochs=1, batch_size=32, clip_value=1e6, clip=1e6)
    assert not any(hist["clipped"])


def test_lengths_cut_each_batch_to_its_longest_sequence():
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(2, 9, (40,), generator=g)
    ids = [torch.randint(1, 6, (int(n),), generator=g) for n in lengths]
    x, _ = batching.pad(ids)
    y = torch.randint(0, 3, (40,), generator=g)
    calls = []

    class Spy(SequenceModel):
        def forward(self, x, lengths=None):
            calls.append((x.shape[1], int(lengths.max()), lengths.dtype, lengths.device.type))
            return super().forward(x, lengths)

    torch.manual_seed(0)
    model = Spy(nn.GRU(4, 5, batch_first=True), 3, embedding=nn.Embedding(6, 4, padding_idx=0))
    sampler = batching.BucketBatchSampler(lengths, 8, pool=2, generator=torch.Generator().manual_seed(0))
    hist = fit(model, nn.functional.cross_entropy, x, y, epochs=2, batches=sampler, lengths=lengths,
               val=(x[:10], y[:10], lengths[:10]))
    assert len(hist["val"]) == 2 and len(hist["grad_norm"]) == 2 * len(sampler)
    assert all(T == longest and dtype == torch.int64 and dev == "cpu" for T, longest, dtype, dev in calls)
    assert len({T for T, *_ in calls}) > 1


def test_predict_in_batches_equals_one_call():
    x, _ = sines()
    model = rnn()
    with torch.no_grad():
        whole = model(x)
    assert torch.allclose(predict(model, x, batch_size=7), whole, rtol=0, atol=1e-14) and not model.training


def test_progress_is_silent_when_tqdm_disable_is_set(monkeypatch, capsys):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert list(progress(range(3), desc="quiet")) == [0, 1, 2]
    LiveLoss()(1, {"train": [1.0], "val": []})    # no kernel, quiet: draws nothing
    assert capsys.readouterr().err == ""
    monkeypatch.delenv("TQDM_DISABLE")
    list(progress(range(3), desc="loud"))
    assert "loud" in capsys.readouterr().err


def test_fit_with_progress_and_a_callback():
    x, y = sines()
    epochs_seen = []

    class Record:
        closed = False

        def __call__(self, epoch, history):
            epochs_seen.append((epoch, len(history["train"])))

        def close(self):
            Record.closed = True

    fit(rnn(), nn.functional.mse_loss, x, y, epochs=3, batch_size=32, progress=True, callback=Record())
    assert epochs_seen == [(1, 1), (2, 2), (3, 3)] and Record.closed
