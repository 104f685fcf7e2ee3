"""The simple baselines a recurrent model must beat: persistence and AR(p) for a series, a window lookup for labels.

All work on NumPy arrays in the batch-first window layout of ``seqlearn.data.windows``: x (N, T, 1)
holds N windows of T past values, y (N,) the value that follows each window.
"""
import numpy as np


def persistence(x):
    """Tomorrow equals today: the last value of each window, (N, T, 1) -> (N,)."""
    return np.asarray(x)[:, -1, 0]


class AR:
    """Autoregression of order p, y_t = c + a_1 y_{t-1} + ... + a_p y_{t-p}, fitted by least squares.

    Yule (1927) fitted this model to the sunspot numbers. ``coef`` holds (c, a_1, ..., a_p).
    """

    def __init__(self, p):
        if not isinstance(p, (int, np.integer)) or p < 1:
            raise ValueError(f"the order p must be a positive integer, got {p!r}")
        self.p, self.coef = int(p), None

    def _design(self, x):
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != 1:
            raise ValueError(f"x must be windows of shape (N, T, 1), got {x.shape}")
        if x.shape[1] < self.p:
            raise ValueError(f"AR({self.p}) needs windows of at least {self.p} values, got {x.shape[1]}")
        lags = x[:, ::-1, 0][:, :self.p]          # (N, p): y_{t-1}, ..., y_{t-p}
        return np.concatenate([np.ones((len(x), 1)), lags], axis=1)

    def fit(self, x, y):
        """Least squares on windows x (N, T, 1) and targets y (N,); returns self."""
        self.coef, *_ = np.linalg.lstsq(self._design(x), np.asarray(y), rcond=None)
        return self

    def predict(self, x):
        """One-step forecasts for windows x (N, T, 1) -> (N,)."""
        if self.coef is None:
            raise RuntimeError("predict() needs fit() first")
        return self._design(x) @ self.coef

    @classmethod
    def select(cls, x_train, y_train, x_val, y_val, orders):
        """Fit AR(p) on the training windows for every p in ``orders``; keep the one best on validation.

        Returns (best model, {p: validation MSE}).
        """
        scores = {}
        for p in orders:
            model = cls(p).fit(x_train, y_train)
            scores[p] = float(np.mean((model.predict(x_val) - y_val) ** 2))
        best = min(scores, key=scores.get)
        return cls(best).fit(x_train, y_train), scores


class WindowLookup:
    """The best a model that sees only the last p symbols can learn from data: a table of majority labels.

    For each pattern of the last p symbols (steps before the start count as a symbol of their own),
    ``fit`` counts the labels seen after it and keeps the most frequent; unseen patterns get the most
    frequent label overall. With enough data this is the optimal classifier of a window of length p.
    """

    def __init__(self, p, num_symbols):
        if p < 1:
            raise ValueError(f"the window length p must be at least 1, got {p}")
        self.p, self.num_symbols, self.table, self.fallback = p, num_symbols, None, None

    def _codes(self, symbols):
        """symbols (N, T) ints in [0, num_symbols) -> (N, T) code of the window ending at each step."""
        symbols = np.asarray(symbols)
        if symbols.min() < 0 or symbols.max() >= self.num_symbols:
            raise ValueError(f"symbols must lie in [0, {self.num_symbols}), "
                             f"got values in [{symbols.min()}, {symbols.max()}]")
        base = self.num_symbols + 1               # symbol num_symbols marks "before the start"
        padded = np.concatenate([np.full((len(symbols), self.p - 1), self.num_symbols), symbols], 1)
        codes = np.zeros(symbols.shape, dtype=np.int64)
        for j in range(self.p):                   # oldest symbol of the window first
            codes = codes * base + padded[:, j:j + symbols.shape[1]]
        return codes

    def fit(self, symbols, labels):
        """Count labels (N, T) ints after each window of ``symbols`` (N, T); returns self."""
        codes, labels = self._codes(symbols).ravel(), np.asarray(labels).ravel()
        pairs, counts = np.unique(np.stack([codes, labels]), axis=1, return_counts=True)
        order = np.lexsort((-counts, pairs[0]))   # by code, most frequent label first
        pairs = pairs[:, order]
        first = np.r_[True, pairs[0, 1:] != pairs[0, :-1]]
        self.table = dict(zip(pairs[0, first].tolist(), pairs[1, first].tolist()))
        self.fallback = int(np.bincount(labels).argmax())
        return self

    def predict(self, symbols):
        """The majority label of each window, (N, T)."""
        if self.table is None:
            raise RuntimeError("predict() needs fit() first")
        codes = self._codes(symbols)
        return np.vectorize(lambda c: self.table.get(c, self.fallback), otypes=[np.int64])(codes)
