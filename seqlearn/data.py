"""Data for the chapters: synthetic tasks made from a seeded generator, and real data that ships in packages.

Nothing here downloads. Arrays are batch-first, (N, T, features), the layout for slicing mini-batches;
pass ``batch_first=True`` to the model or transpose to (T, B, features).
"""
import numpy as np


def sunspots():
    """Yearly mean sunspot numbers, 1700-2008 (309 values), from the copy that statsmodels ships.

    Returns (years, values) as float64 arrays.
    """
    try:
        from statsmodels.datasets import sunspots as ds
    except ImportError as e:                      # pragma: no cover - depends on the environment
        raise ImportError("sunspots() reads the data set that ships with statsmodels: pip install statsmodels") from e
    table = ds.load_pandas().data
    # copies: statsmodels hands out read-only arrays, which torch.from_numpy warns about
    return table["YEAR"].to_numpy(np.float64).copy(), table["SUNACTIVITY"].to_numpy(np.float64).copy()


class SeriesSplit:
    """Windows of a yearly series split by the year of their target, standardised with training years only.

    Attributes: ``train``, ``val``, ``test``: (x (N, T, 1), y (N,), target years (N,)) in standardised
    units; ``mean`` and ``std`` of the training years (multiply an MSE by ``std**2`` for the original
    units); ``years``, ``values``: the raw series.
    """

    def __init__(self, years, values, window, val_start, test_start):
        if not years[window] < val_start < test_start <= years[-1]:
            raise ValueError(f"need {years[window]:.0f} < val_start < test_start <= {years[-1]:.0f}, "
                             f"got val_start={val_start}, test_start={test_start}")
        self.years, self.values, self.window = years, values, window
        early = years < val_start                 # every value of the training years, and no other
        self.mean, self.std = values[early].mean(), values[early].std()
        x, y = windows((values - self.mean) / self.std, window)
        target_year = years[window:]
        parts = {"train": target_year < val_start,
                 "val": (target_year >= val_start) & (target_year < test_start),
                 "test": target_year >= test_start}
        for name, keep in parts.items():
            setattr(self, name, (x[keep], y[keep], target_year[keep]))

    def unscale(self, z):
        """Standardised values back to the series' own units."""
        return np.asarray(z) * self.std + self.mean


def sunspot_split(window=20, val_start=1900, test_start=1950):
    """The book's sunspot forecasting task: windows of ``window`` years, targets before ``val_start`` to
    train on, up to ``test_start`` to choose models with, the rest to test once (see ``SeriesSplit``)."""
    years, values = sunspots()
    return SeriesSplit(years, values, window, val_start, test_start)


def windows(series, length):
    """Sliding windows for next-step forecasting: x (N, length, 1) and the value after each window y (N,)."""
    series = np.asarray(series)
    if series.ndim != 1 or len(series) <= length:
        raise ValueError(f"series must be 1-D and longer than length={length}, got shape {series.shape}")
    idx = np.arange(length)[None, :] + np.arange(len(series) - length)[:, None]
    return series[idx][..., None], series[length:]


def sine_waves(n, length, rng, noise=0.0):
    """n sine waves of random frequency and phase: x (N, length, 1) and the next value of each y (N,)."""
    freq = rng.uniform(0.05, 0.25, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(length + 1)[None, :]
    wave = np.sin(2 * np.pi * freq * t + phase) + noise * rng.normal(size=(n, length + 1))
    return wave[:, :-1, None], wave[:, -1]


def adding_problem(n, length, rng):
    """The adding problem of Hochreiter & Schmidhuber (1997).

    Each step carries a value in [0, 1) and a marker; exactly two markers are 1, one in each half.
    The target is the sum of the two marked values. Returns x (N, length, 2), y (N,).
    """
    values = rng.uniform(0, 1, size=(n, length))
    markers = np.zeros((n, length))
    half = length // 2
    first, second = rng.integers(0, half, n), rng.integers(half, length, n)
    markers[np.arange(n), first] = markers[np.arange(n), second] = 1
    x = np.stack([values, markers], axis=-1)
    return x, values[np.arange(n), first] + values[np.arange(n), second]


def copy_task(n, delay, rng, symbols=8, length=10):
    """The copy task (Hochreiter & Schmidhuber 1997; the setting of Arjovsky et al. 2016 is 8 symbols, 10 of them).

    A sequence of ``length`` symbols drawn from ``symbols`` categories (ids 0 .. symbols-1), then
    ``delay`` steps of blank (id ``symbols``) of which the last is the delimiter (id ``symbols + 1``),
    then ``length`` blanks during which the symbols are to be given back, in order. The target is
    blank at every step but the last ``length``. Returns x and y, (N, delay + 2 * length) int64.
    A memoryless model that outputs blank, then guesses uniformly, scores the cross-entropy
    ``copy_baseline(delay, symbols, length)`` nats per step.
    """
    if delay < 1 or length < 1 or symbols < 2:
        raise ValueError(f"need delay >= 1, length >= 1 and symbols >= 2; got delay={delay}, "
                         f"length={length}, symbols={symbols}")
    seq = rng.integers(0, symbols, size=(n, length))
    x = np.full((n, delay + 2 * length), symbols, dtype=np.int64)
    x[:, :length] = seq
    x[:, length + delay - 1] = symbols + 1
    y = np.full_like(x, symbols)
    y[:, -length:] = seq
    return x, y


def copy_baseline(delay, symbols=8, length=10):
    """The memoryless cross-entropy of the copy task, length·log(symbols) / (delay + 2·length) nats per step."""
    return length * np.log(symbols) / (delay + 2 * length)


def remember_first(n, length, rng):
    """Remember one bit over ``length`` steps: a minimal long-range dependency.

    Every step carries a random bit b_t in {-1, +1} and a marker, which is 1 at the first step only.
    The target is the first bit, 1 if b_1 = +1 else 0, to be given after the last step. Every later
    bit is a distractor, so nothing but a memory of step 1 beats chance (accuracy 0.5).
    Returns x (N, length, 2) and y (N,), float64.
    """
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    bits = rng.integers(0, 2, size=(n, length)) * 2.0 - 1
    marker = np.zeros((n, length))
    marker[:, 0] = 1
    return np.stack([bits, marker], axis=-1), (bits[:, 0] > 0).astype(np.float64)


def bracket_sequences(n, length, rng, max_depth=4):
    """Random balanced-so-far bracket strings and their nesting depth after each character.

    x (N, length, 2) is one-hot over '(' and ')', depth (N, length) counts open brackets. A ')' is
    only drawn when something is open and '(' only below ``max_depth``, so depth stays in [0, max_depth].
    """
    x = np.zeros((n, length, 2))
    depth = np.zeros((n, length), dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)
    for t in range(length):
        p_open = np.where(d == 0, 1.0, np.where(d >= max_depth, 0.0, 0.5))
        opens = rng.uniform(size=n) < p_open
        d = d + np.where(opens, 1, -1)
        x[np.arange(n), t, np.where(opens, 0, 1)] = 1
        depth[:, t] = d
    return x, depth


def python_text():
    """About 460,000 characters of English prose: the Python language reference topics shipped with CPython."""
    from pydoc_data.topics import topics
    return "\n".join(topics[k] for k in sorted(topics))


def one_hot(indices, size):
    """One-hot encode an integer array: shape (...,) -> (..., size), float64."""
    indices = np.asarray(indices)
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"indices must lie in [0, {size}), got values in [{indices.min()}, {indices.max()}]")
    return np.eye(size)[indices]
