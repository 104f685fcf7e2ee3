"""Numbers over seeds: mean and spread, success rates with intervals, and how much each factor matters."""
import math

import numpy as np


def mean_sd(values):
    """(mean, sample standard deviation) of the values; the deviation is nan for fewer than two."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("mean_sd needs at least one value")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else math.nan


def wilson(successes, trials, z=1.96):
    """The Wilson score interval of a success rate: (low, high), 95 % for z = 1.96."""
    if not 0 <= successes <= trials or trials < 1:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1; got {successes} of {trials}")
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def select(runs, **where):
    """The runs whose fields equal every ``where`` value."""
    return [r for r in runs if all(r.get(k) == v for k, v in where.items())]


def group(runs, *keys):
    """{tuple of the keys' values: [runs]}, in the order first met."""
    out = {}
    for r in runs:
        out.setdefault(tuple(r[k] for k in keys), []).append(r)
    return out


def variance_shares(runs, factors, value="test"):
    """The share of the variance of ``value`` that each factor's main effect explains.

    For a factor A: the variance of the means of ``value`` within each level of A (each level
    weighted by its runs) over the total variance, as in a one-way analysis of variance; the part
    no single factor explains is 1 minus their sum, which on a full grid is what the factors do
    together plus the seeds. Returns {factor: share, "rest": share}.
    """
    y = np.array([r[value] for r in runs], dtype=np.float64)
    total = ((y - y.mean()) ** 2).sum()
    if total == 0:
        raise ValueError("the values do not vary: no variance to share")
    shares = {}
    for f in factors:
        between = sum(len(rs) * (np.mean([r[value] for r in rs]) - y.mean()) ** 2
                      for rs in group(runs, f).values())
        shares[f] = float(between / total)
    shares["rest"] = 1.0 - sum(shares.values())
    return shares


def pm(values, digits=3):
    """'mean ± sd' of the values as text (just the value for one)."""
    m, s = mean_sd(values)
    return f"{m:.{digits}f}" if math.isnan(s) else f"{m:.{digits}f} ± {s:.{digits}f}"
