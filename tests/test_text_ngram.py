"""The n-gram baselines: interpolated Kneser-Ney against a direct dictionary implementation of its formulas."""
from collections import Counter

import numpy as np
import pytest

from seqlearn.text.ngram import KneserNey, Unigram, bits_per_char


def markov_text(n, V, seed, chain=0):
    """n symbols of a second-order Markov chain over V symbols (the chain fixed by ``chain``, the draw
    by ``seed``): enough structure for orders 1-3 to differ."""
    table = np.random.default_rng(1000 + chain).dirichlet(np.full(V, 0.3), size=(V, V))
    rng = np.random.default_rng(seed)
    x = [0, 1]
    for _ in range(n - 2):
        x.append(rng.choice(V, p=table[x[-2], x[-1]]))
    return np.array(x)


class Reference:
    """Interpolated Kneser-Ney written from the formulas with dictionaries of tuples."""

    def __init__(self, x, V, order):
        self.V, self.order = V, order
        grams = [Counter(tuple(x[i:i + k]) for i in range(len(x) - k + 1)) for k in range(order + 2)]
        self.raw = [grams[m + 1] for m in range(order)]             # c(h w), len(h) = m
        self.cont = []                                              # N1+(. h w)
        for m in range(order):
            cont = Counter(g[1:] for g in grams[m + 2])
            self.cont.append(cont)

        def discount(counts):
            n1 = sum(1 for c in counts.values() if c == 1)
            n2 = sum(1 for c in counts.values() if c == 2)
            return n1 / (n1 + 2 * n2) if n1 else 0.5
        self.D_raw = [discount(c) for c in self.raw]
        self.D_cont = [discount(c) for c in self.cont]

    def prob(self, n, hist, w, top=True):
        if n == 0:
            return 1 / self.V
        m = n - 1
        if len(hist) < m:
            return self.prob(n - 1, hist, w, False)
        h = tuple(hist[len(hist) - m:])
        counts, D = (self.raw[m], self.D_raw[m]) if top else (self.cont[m], self.D_cont[m])
        following = {g[-1]: c for g, c in counts.items() if g[:-1] == h and c > 0}
        A = sum(following.values())
        if A == 0:
            return self.prob(n - 1, hist, w, False)
        lower = self.prob(n - 1, hist, w, False)
        return max(following.get(w, 0) - D, 0) / A + D * len(following) / A * lower


@pytest.mark.parametrize("seed", [0, 1])
def test_kneser_ney_matches_the_formulas_at_every_order(seed):
    V, order = 4, 4
    train, test = markov_text(400, V, seed), markov_text(60, V, seed + 10)
    model = KneserNey(order).fit(train, V)
    ref = Reference(list(train), V, order)
    got = np.exp(-model.nll_by_order(test))                     # (order, len(test) - 1)
    want = np.array([[ref.prob(n, list(test[:t]), test[t]) for t in range(1, len(test))]
                     for n in range(1, order + 1)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_sums_to_one_even_after_unseen_contexts(order):
    V = 5
    model = KneserNey(order).fit(markov_text(300, V, 3), V)
    rng = np.random.default_rng(0)
    for length in [0, 1, 2, 7]:
        p = model.distribution(rng.integers(0, V, length))
        assert p.shape == (V,) and (p > 0).all() and abs(p.sum() - 1) < 1e-12
    # a symbol never seen in training still gets probability (the uniform floor)
    model = KneserNey(order).fit(np.array([0, 1, 2, 0, 1, 2, 0, 1]), V)
    assert model.distribution([0, 1])[4] > 0


def test_more_context_helps_on_a_second_order_chain_and_select_finds_it():
    V = 4
    train, val = markov_text(20000, V, 5), markov_text(4000, V, 6)
    model, scores = KneserNey.select(train, val, V, orders=range(1, 6))
    assert scores[1] > scores[2] > scores[3]                   # the chain remembers two symbols
    assert model.order in (3, 4, 5) and abs(scores[3] - min(scores.values())) < 0.01
    assert np.isclose(bits_per_char(model.nll(val)), scores[model.order])


def test_unigram_is_add_one_smoothed_frequency():
    model = Unigram().fit(np.array([0, 0, 1]), 3)
    np.testing.assert_allclose(model.probs, [3 / 6, 2 / 6, 1 / 6])
    np.testing.assert_allclose(model.nll(np.array([2, 0, 1])), -np.log([3 / 6, 2 / 6]))
    assert bits_per_char(np.full(10, np.log(2))) == pytest.approx(1.0)
