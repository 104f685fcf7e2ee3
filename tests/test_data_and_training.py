"""The chapters' data sets and training loop."""
import numpy as np
import pytest
import torch

import seqlearn.torch as st
from seqlearn import data
from seqlearn.train import SequenceModel, fit


def test_sunspots_ship_with_statsmodels():
    years, values = data.sunspots()
    assert years[0] == 1700 and years[-1] == 2008 and len(values) == 309
    assert values.min() >= 0
    assert values.flags.writeable          # torch.from_numpy takes it without complaint


def test_windows_pair_each_window_with_the_next_value():
    x, y = data.windows(np.arange(10.0), 3)
    assert x.shape == (7, 3, 1) and y.shape == (7,)
    assert np.array_equal(x[2, :, 0], [2, 3, 4]) and y[2] == 5
    with pytest.raises(ValueError, match="longer than length=3"):
        data.windows(np.arange(3.0), 3)


def test_adding_problem_targets_are_the_marked_sums():
    x, y = data.adding_problem(50, 20, np.random.default_rng(0))
    assert x.shape == (50, 20, 2)
    assert np.all(x[..., 1].sum(1) == 2)
    assert np.all(x[:, :10, 1].sum(1) == 1)          # one marker in each half
    np.testing.assert_allclose(y, (x[..., 0] * x[..., 1]).sum(1))


def test_bracket_depth_counts_open_brackets():
    x, depth = data.bracket_sequences(30, 40, np.random.default_rng(1), max_depth=3)
    steps = x[..., 0] - x[..., 1]                     # +1 for '(' and -1 for ')'
    assert np.array_equal(np.cumsum(steps, axis=1), depth)
    assert depth.min() >= 0 and depth.max() <= 3


def test_sine_waves_continue_the_wave():
    x, y = data.sine_waves(8, 30, np.random.default_rng(2))
    assert x.shape == (8, 30, 1) and y.shape == (8,)
    assert np.abs(x).max() <= 1 and np.abs(y).max() <= 1


def test_python_text_is_shipped_prose():
    text = data.python_text()
    assert len(text) > 100_000 and "the" in text


def test_one_hot_checks_its_range():
    assert np.array_equal(data.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"\[0, 3\), got values in \[0, 3\]"):
        data.one_hot([0, 3], 3)


def test_fit_learns_a_sine_continuation_and_clips():
    torch.manual_seed(0)
    x, y = data.sine_waves(256, 20, np.random.default_rng(3))
    x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y[:, None], dtype=torch.float32)
    model = SequenceModel(st.GRU(1, 16, batch_first=True), 1)
    hist = fit(model, torch.nn.functional.mse_loss, x, y, epochs=15, batch_size=32, lr=1e-2, clip=1.0,
               val=(x[:64], y[:64]), generator=torch.Generator().manual_seed(0))
    assert hist["train"][-1] < hist["train"][0] / 5
    assert len(hist["val"]) == 15 and len(hist["grad_norm"]) == 15 * 8


def test_fit_keeps_the_epoch_with_the_lowest_validation_loss():
    torch.manual_seed(0)
    x, y = data.sine_waves(128, 20, np.random.default_rng(4))
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y[:, None], dtype=torch.float64)
    val = (x[:32], y[:32])
    model = SequenceModel(st.RNN(1, 8, batch_first=True, dtype=torch.float64), 1)
    # a learning rate so large that the validation loss is not monotone: the best epoch is not the last
    hist = fit(model, torch.nn.functional.mse_loss, x[32:], y[32:], epochs=12, batch_size=16, lr=0.3,
               val=val, keep_best=True, generator=torch.Generator().manual_seed(0))
    best = int(np.argmin(hist["val"])) + 1
    assert hist["best_epoch"] == best < 12
    with torch.no_grad():
        restored = float(torch.nn.functional.mse_loss(model(val[0]), val[1]))
    assert restored == pytest.approx(hist["val"][best - 1], rel=1e-12)
    with pytest.raises(ValueError, match="pass val="):
        fit(model, torch.nn.functional.mse_loss, x, y, epochs=1, batch_size=16, keep_best=True)


def test_remember_first_asks_for_the_marked_first_bit():
    x, y = data.remember_first(200, 7, np.random.default_rng(5))
    assert x.shape == (200, 7, 2) and y.shape == (200,)
    assert set(np.unique(x[..., 0])) == {-1.0, 1.0}
    assert np.all(x[:, 0, 1] == 1) and np.all(x[:, 1:, 1] == 0)     # the marker: step 1 only
    np.testing.assert_array_equal(y, x[:, 0, 0] > 0)
    assert 0.3 < y.mean() < 0.7
    with pytest.raises(ValueError, match="at least 1, got 0"):
        data.remember_first(3, 0, np.random.default_rng(0))


def test_copy_task_asks_for_the_first_symbols_after_the_delimiter():
    x, y = data.copy_task(30, 6, np.random.default_rng(0), symbols=4, length=3)
    assert x.shape == y.shape == (30, 12) and x.dtype == np.int64
    assert (y[:, -3:] == x[:, :3]).all() and (x[:, :3] < 4).all()
    assert (x[:, 8] == 5).all()                                # the delimiter ends the delay
    assert (np.delete(x, [0, 1, 2, 8], axis=1) == 4).all()    # blanks everywhere else
    assert (y[:, :-3] == 4).all()
    # the memoryless model: blank for sure, then uniform over the symbols
    assert np.isclose(data.copy_baseline(6, 4, 3), 3 * np.log(4) / 12)
    assert np.isclose(data.copy_baseline(100), 10 * np.log(8) / 120)
    with pytest.raises(ValueError, match="need delay >= 1"):
        data.copy_task(3, 0, np.random.default_rng(0))
