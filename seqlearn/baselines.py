"""The simple forecasters a recurrent model must beat: persistence and an autoregression fitted by least squares.

Windows are laid out as in ``seqlearn.data.windows``: x (N, T, 1) holds T past values, y (N,) the
value after them. ``choose_ar_order`` picks the order p on validation data, so that the test set
is touched once, as it is for the networks.
"""
import numpy as np


def persistence(x):
    """Predict that the next value equals the last one: x (N, T, 1) -> (N,)."""
    return np.asarray(x)[:, -1, 0]


def _design(x, p):
    x = np.asarray(x)[..., 0]
    if not 1 <= p <= x.shape[1]:
        raise ValueError(f"the order p must be between 1 and the window length {x.shape[1]}, got {p}")
    return np.c_[x[:, -p:], np.ones(len(x))]             # the last p values and a constant


def fit_ar(x, y, p):
    """Least-squares AR(p) with an intercept on windows x (N, T, 1) and next values y (N,).

    Returns the coefficients, (p + 1,): one per lag (oldest first) and the intercept.
    """
    coef, *_ = np.linalg.lstsq(_design(x, p), np.asarray(y), rcond=None)
    return coef


def predict_ar(coef, x):
    """The AR forecasts of ``fit_ar``'s coefficients for windows x (N, T, 1) -> (N,)."""
    return _design(x, len(coef) - 1) @ coef


def choose_ar_order(train, val, orders):
    """Fit AR(p) on ``train`` = (x, y) for each p in ``orders``; keep the p with the lowest validation MSE.

    Returns (p, coef, {p: validation MSE}).
    """
    scores, fits = {}, {}
    for p in orders:
        fits[p] = fit_ar(*train, p)
        scores[p] = float(np.mean((predict_ar(fits[p], val[0]) - np.asarray(val[1])) ** 2))
    best = min(scores, key=scores.get)
    return best, fits[best], scores
