"""Persistence, least-squares AR(p), the window lookup, and the book's sunspot split."""
import numpy as np
import pytest

from seqlearn import data
from seqlearn.baselines import AR, WindowLookup, persistence


def test_ar_recovers_the_coefficients_of_a_simulated_ar2():
    rng = np.random.default_rng(0)
    series = np.zeros(5000)
    for t in range(2, len(series)):               # y_t = 0.3 + 1.2 y_{t-1} - 0.5 y_{t-2} + noise
        series[t] = 0.3 + 1.2 * series[t - 1] - 0.5 * series[t - 2] + 0.1 * rng.normal()
    x, y = data.windows(series, 5)
    model = AR(2).fit(x, y)
    np.testing.assert_allclose(model.coef, [0.3, 1.2, -0.5], atol=0.02)
    # the forecast is the fitted linear function of the last two values
    np.testing.assert_allclose(model.predict(x[:3]), model.coef[0] + x[:3, -1, 0] * model.coef[1]
                               + x[:3, -2, 0] * model.coef[2])


def test_ar_matches_numpy_least_squares_with_its_own_design_matrix():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 6, 1)), rng.normal(size=40)
    design = np.c_[np.ones(40), x[:, -1, 0], x[:, -2, 0], x[:, -3, 0]]
    np.testing.assert_allclose(AR(3).fit(x, y).coef, np.linalg.lstsq(design, y, rcond=None)[0])


def test_ar_select_keeps_the_order_best_on_validation():
    rng = np.random.default_rng(2)
    series = np.zeros(3000)
    for t in range(3, len(series)):
        series[t] = 0.6 * series[t - 3] + 0.1 * rng.normal()   # only lag 3 matters
    x, y = data.windows(series, 6)
    best, scores = AR.select(x[:2000], y[:2000], x[2000:], y[2000:], range(1, 7))
    assert best.p == min(scores, key=scores.get) >= 3
    assert scores[3] < 0.7 * scores[2]            # noise variance 0.01 against 0.0156 without lag 3


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_ar_order_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        AR(bad)


def test_ar_errors_name_what_came():
    with pytest.raises(ValueError, match=r"at least 4 values, got 3"):
        AR(4).fit(np.zeros((5, 3, 1)), np.zeros(5))
    with pytest.raises(ValueError, match=r"\(N, T, 1\), got \(5, 3\)"):
        AR(1).fit(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(RuntimeError, match="fit"):
        AR(1).predict(np.zeros((5, 3, 1)))


def test_persistence_repeats_the_last_value():
    x = np.arange(12.0).reshape(3, 4, 1)
    assert np.array_equal(persistence(x), [3.0, 7.0, 11.0])


def test_window_lookup_learns_a_rule_that_fits_its_window_and_not_one_that_does_not():
    rng = np.random.default_rng(3)
    symbols = rng.integers(0, 2, size=(400, 30))
    xor2 = symbols ^ np.roll(symbols, 1, axis=1)                  # needs the last 2 symbols
    xor2[:, 0] = symbols[:, 0]
    parity = np.cumsum(symbols, axis=1) % 2                        # needs all of them
    for labels, p, good in [(xor2, 2, True), (parity, 4, False)]:
        model = WindowLookup(p, 2).fit(symbols[:300], labels[:300])
        acc = (model.predict(symbols[300:]) == labels[300:]).mean()
        assert (acc == 1.0) if good else (acc < 0.7)


def test_window_lookup_sees_the_start_of_the_sequence():
    symbols = np.array([[0, 0, 1, 1], [1, 1, 0, 0]])
    codes = WindowLookup(2, 2)._codes(symbols)     # windows of the last 2 symbols
    assert codes[0, 1] == codes[1, 3]              # (0, 0) in both rows: same window, same code
    assert codes[0, 3] == codes[1, 1]              # (1, 1) in both rows
    assert codes[0, 0] != codes[0, 1]              # (start, 0) is not (0, 0)
    assert len({codes[0, 0], codes[0, 1], codes[0, 2], codes[0, 3]}) == 4
    with pytest.raises(ValueError, match=r"\[0, 2\), got values in \[0, 2\]"):
        WindowLookup(2, 2).fit(np.array([[0, 2]]), np.array([[0, 1]]))


def test_sunspot_split_by_target_year_with_training_statistics():
    split = data.sunspot_split(window=20, val_start=1900, test_start=1950)
    (x_tr, y_tr, yr_tr), (x_va, y_va, yr_va), (x_te, y_te, yr_te) = split.train, split.val, split.test
    assert (yr_tr[0], yr_tr[-1], yr_va[0], yr_va[-1], yr_te[0], yr_te[-1]) == (1720, 1899, 1900, 1949, 1950, 2008)
    assert (len(x_tr), len(x_va), len(x_te)) == (180, 50, 59) and x_tr.shape[1:] == (20, 1)
    early = split.values[split.years < 1900]
    assert split.mean == pytest.approx(early.mean()) and split.std == pytest.approx(early.std())
    np.testing.assert_allclose(split.unscale(y_te), split.values[split.years >= 1950])
    with pytest.raises(ValueError, match="val_start < test_start"):
        data.sunspot_split(val_start=1950, test_start=1900)
