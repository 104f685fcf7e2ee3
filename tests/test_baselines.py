"""Persistence and least-squares AR(p), and the book's sunspot split that chapters 1 and 5 share."""
import numpy as np
import pytest

from seqlearn import baselines, data


def test_persistence_repeats_the_last_value():
    x, y = data.windows(np.arange(10.0), 3)
    assert np.array_equal(baselines.persistence(x), y - 1)


def test_ar_recovers_the_coefficients_of_an_ar_process():
    rng = np.random.default_rng(0)
    series = np.zeros(5000)
    for t in range(2, len(series)):               # x_t = 0.6 x_{t-1} - 0.3 x_{t-2} + 0.5 + noise
        series[t] = 0.6 * series[t - 1] - 0.3 * series[t - 2] + 0.5 + 0.1 * rng.normal()
    x, y = data.windows(series, 6)
    coef = baselines.fit_ar(x, y, 2)
    np.testing.assert_allclose(coef, [-0.3, 0.6, 0.5], atol=0.02)   # oldest lag first, then the constant
    assert np.mean((baselines.predict_ar(coef, x) - y) ** 2) == pytest.approx(0.01, rel=0.1)
    with pytest.raises(ValueError, match="between 1 and the window length 6"):
        baselines.fit_ar(x, y, 7)


def test_order_is_chosen_on_validation():
    rng = np.random.default_rng(1)
    series = np.zeros(3000)
    for t in range(3, len(series)):               # an AR(3): lags 1 and 2 are not enough
        series[t] = 0.4 * series[t - 1] + 0.2 * series[t - 2] - 0.5 * series[t - 3] + rng.normal()
    x, y = data.windows(series, 8)
    p, coef, scores = baselines.choose_ar_order((x[:2000], y[:2000]), (x[2000:], y[2000:]), range(1, 9))
    assert p >= 3 and len(coef) == p + 1 and set(scores) == set(range(1, 9))
    assert scores[p] == min(scores.values()) and scores[1] > 1.1 * scores[3]


def test_sunspot_splits_follow_the_book():
    d = data.sunspot_splits()
    years = {name: d[name][2] for name in ("train", "val", "test")}
    assert (years["train"][0], years["train"][-1]) == (1720, 1899)
    assert (years["val"][0], years["val"][-1]) == (1900, 1949)
    assert (years["test"][0], years["test"][-1]) == (1950, 2008)
    all_years, values = data.sunspots()
    seen = values[all_years <= 1899]
    assert d["mean"] == pytest.approx(seen.mean()) and d["std"] == pytest.approx(seen.std())
    x, y, _ = d["test"]
    assert x.shape == (59, 20, 1)
    np.testing.assert_allclose(y * d["std"] + d["mean"], values[all_years >= 1950])
    np.testing.assert_allclose(x[0, :, 0] * d["std"] + d["mean"], values[(all_years >= 1930) & (all_years < 1950)])
