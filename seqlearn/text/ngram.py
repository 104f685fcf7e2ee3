"""The baselines of a character-level language model: the unigram and the interpolated Kneser-Ney n-gram.

Both take integer ids (``Vocab.encode``) and return negative log-likelihoods in nats, one per predicted
character: for a stream ``ids`` the targets are ``ids[1:]``, each predicted from the characters before
it (at most n - 1 of them), the same targets a recurrent model predicts. Interpolated Kneser-Ney
(Kneser & Ney 1995, in the form of Chen & Goodman 1999, one discount per order) is, for the n-gram
with context h = the last n - 1 characters and h' = the last n - 2,

    P_n(w | h) = max(c(h w) - D, 0) / c(h)  +  D · N1+(h •) / c(h) · P_{n-1}(w | h'),

where c counts occurrences in the training text and N1+(h •) is the number of distinct characters
seen after h. The lower orders replace c(h' w) by the continuation count N1+(• h' w), the number of
distinct characters seen before h' w; below order 1 sits the uniform 1/V. A context never seen
hands all its mass to the order below. Everything is vectorised with NumPy over positions.
"""
import numpy as np


def bits_per_char(nll):
    """Mean negative log-likelihood in nats -> bits per character (divide by ln 2)."""
    return float(np.mean(nll)) / np.log(2)


class Unigram:
    """P(w) = (c(w) + 1) / (N + V): character frequencies with add-one (Laplace) smoothing."""

    def fit(self, ids, vocab_size):
        counts = np.bincount(np.asarray(ids), minlength=vocab_size)
        self.probs = (counts + 1) / (counts.sum() + vocab_size)
        return self

    def nll(self, ids):
        """-ln P(ids[t]) for t = 1 .. N-1 (the context is ignored)."""
        return -np.log(self.probs[np.asarray(ids)[1:]])

    def distribution(self, history):
        """The distribution of the next character (V,); the history does not matter."""
        return self.probs.copy()


class _Counts:
    """Counts a(h, w) at one order, stored by key h·V + w: totals A(h), types T(h) and the discount D."""

    def __init__(self, keys, counts, num_contexts, V):
        self.keys, self.counts = keys, counts                  # sorted unique keys, their counts
        ctx = keys // V
        self.total = np.bincount(ctx, weights=counts, minlength=num_contexts)   # A(h) = sum_w a(h, w)
        self.types = np.bincount(ctx, minlength=num_contexts)                    # T(h) = #{w: a(h, w) > 0}
        n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
        self.D = n1 / (n1 + 2 * n2) if n1 > 0 else 0.5        # Ney's estimate of the discount

    @classmethod
    def of(cls, keys, num_contexts, V):
        keys, counts = np.unique(keys, return_counts=True)
        return cls(keys, counts, num_contexts, V)

    def lookup(self, keys):
        """a(h, w) for an array of keys h·V + w (0 where never seen)."""
        idx = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[idx] == keys, self.counts[idx], 0)

    def interpolate(self, ctx, w, lower, V):
        """max(a(h, w) - D, 0) / A(h) + D T(h) / A(h) · lower, where h is known; lower elsewhere."""
        p = lower.copy()
        seen = ctx >= 0
        seen[seen] = self.total[ctx[seen]] > 0
        h, A = ctx[seen], self.total[ctx[seen]]
        a = self.lookup(h * V + w[seen])
        p[seen] = np.maximum(a - self.D, 0) / A + self.D * self.types[h] / A * lower[seen]
        return p


class KneserNey:
    """Interpolated Kneser-Ney n-grams of every order up to ``max_order``, fitted at once.

    ``order`` (at most ``max_order``) is the order that ``nll`` and ``distribution`` use; ``select``
    sets it to the order that predicts the validation text best.
    """

    def __init__(self, max_order):
        if max_order < 1:
            raise ValueError(f"max_order must be at least 1, got {max_order}")
        self.max_order = self.order = int(max_order)

    def fit(self, ids, vocab_size):
        """Count every context of up to max_order - 1 characters in the training ids; returns self."""
        x, V = np.asarray(ids, dtype=np.int64), int(vocab_size)
        N, self.V = len(x), V
        self.context_keys = [np.zeros(1, np.int64)]            # order 1: one empty context, id 0
        ctx = np.zeros(N, np.int64)                            # id of the context of length m before x[t]
        self.raw, contexts = [], [ctx]
        for m in range(self.max_order):
            if m > 0:                                          # extend each context by one character on the left
                keys = ctx[m:] * V + x[:N - m]                 # parent (last m-1 chars) · V + x[t - m]
                uniq, inv = np.unique(keys, return_inverse=True)
                ctx = np.full(N, -1, np.int64)
                ctx[m:] = inv
                self.context_keys.append(uniq)
                contexts.append(ctx)
            self.raw.append(_Counts.of(ctx[m:] * V + x[m:], len(self.context_keys[m]), V))
        # continuation counts N1+(• h w) of order m + 1: distinct (longer context, w) pairs per (h, w)
        self.cont = []
        for m in range(self.max_order - 1):
            longer = self.raw[m + 1].keys                      # unique (context of length m + 1, w)
            parent = self.context_keys[m + 1][longer // V] // V   # its context without the first char
            self.cont.append(_Counts.of(parent * V + longer % V, len(self.context_keys[m]), V))
        return self

    def _contexts(self, y):
        """For each order, the id of the training context before y[t] (-1: unseen or too close to the start)."""
        M, V = len(y), self.V
        out = [np.zeros(M, np.int64)]
        for m in range(1, self.order):
            ctx = np.full(M, -1, np.int64)
            t = np.arange(m, M)
            prev = out[m - 1][t]
            t = t[prev >= 0]
            keys = out[m - 1][t] * V + y[t - m]
            known = self.context_keys[m]
            idx = np.minimum(np.searchsorted(known, keys), len(known) - 1)
            hit = known[idx] == keys
            ctx[t[hit]] = idx[hit]
            out.append(ctx)
        return out

    def _probs(self, contexts, w):
        """P_n(w | context) for n = 1 .. order, an array (order, len(w))."""
        lower = np.full(len(w), 1.0 / self.V)                  # below order 1: uniform
        out = []
        for m in range(self.order):
            out.append(self.raw[m].interpolate(contexts[m], w, lower, self.V))   # order m + 1 on top
            if m + 1 < self.order:                              # order m + 1 as a lower order
                lower = self.cont[m].interpolate(contexts[m], w, lower, self.V)
        return np.array(out)

    def nll_by_order(self, ids):
        """-ln P_n(ids[t] | ids[:t]) for t = 1 .. N-1 and every n = 1 .. order: an array (order, N-1)."""
        y = np.asarray(ids, dtype=np.int64)
        return -np.log(self._probs(self._contexts(y), y)[:, 1:])

    def nll(self, ids):
        """-ln P(ids[t] | ids[:t]) under the n-gram of order ``order``, for t = 1 .. N-1."""
        return self.nll_by_order(ids)[-1]

    def distribution(self, history):
        """The distribution (V,) of the character after the ids ``history``."""
        y = np.append(np.asarray(history, dtype=np.int64)[-(self.order - 1):] if self.order > 1 else [], 0)
        y = y.astype(np.int64)
        contexts = [np.repeat(c[-1:], self.V) for c in self._contexts(y)]
        return self._probs(contexts, np.arange(self.V))[-1]

    @classmethod
    def select(cls, train_ids, val_ids, vocab_size, orders):
        """Fit every order in ``orders`` on the training ids, keep the one with the lowest validation bpc.

        Returns (model with ``order`` set to the best, {n: validation bits per character}).
        """
        model = cls(max(orders)).fit(train_ids, vocab_size)
        nll = model.nll_by_order(val_ids)
        scores = {n: bits_per_char(nll[n - 1]) for n in orders}
        model.order = min(scores, key=scores.get)
        return model, scores
