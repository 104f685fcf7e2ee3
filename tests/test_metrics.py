"""Classification metrics: hand counts on a small case, and scikit-learn on many random ones."""
import numpy as np
import pytest
import torch

from seqlearn import metrics

# 3 classes, 8 examples: counted by hand below
TRUE = [0, 0, 0, 1, 1, 2, 2, 2]
PRED = [0, 1, 0, 1, 2, 2, 2, 0]


def test_confusion_matrix_rows_are_true_classes():
    C = metrics.confusion_matrix(TRUE, PRED)
    assert C.tolist() == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]
    assert metrics.confusion_matrix(torch.tensor(TRUE), torch.tensor(PRED), num_classes=4).shape == (4, 4)


def test_precision_recall_f1_by_hand():
    p, r, f1 = metrics.precision_recall_f1(TRUE, PRED)
    # class 0: TP 2, FP 1 (a 2 predicted as 0), FN 1; class 1: TP 1, FP 1, FN 1; class 2: TP 2, FP 1, FN 1
    np.testing.assert_allclose(p, [2 / 3, 1 / 2, 2 / 3])
    np.testing.assert_allclose(r, [2 / 3, 1 / 2, 2 / 3])
    np.testing.assert_allclose(f1, [2 / 3, 1 / 2, 2 / 3])
    assert metrics.precision_recall_f1(TRUE, PRED, average="macro")[1] == pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3)
    assert metrics.accuracy(TRUE, PRED) == 5 / 8


def test_recall_is_not_accuracy():
    # a classifier that always says 0 on 9 zeros and 1 one: accuracy 0.9, but class 1 is never recalled
    true, pred = [0] * 9 + [1], [0] * 10
    assert metrics.accuracy(true, pred) == 0.9
    _, r, _ = metrics.precision_recall_f1(true, pred)
    assert r.tolist() == [1.0, 0.0]
    assert metrics.precision_recall_f1(true, pred, average="macro")[1] == 0.5


def test_micro_averages_equal_accuracy_for_single_labels():
    rng = np.random.default_rng(0)
    true, pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    p, r, f1 = metrics.precision_recall_f1(true, pred, average="micro")
    assert p == r == f1 == pytest.approx(metrics.accuracy(true, pred))


def test_agrees_with_scikit_learn_on_random_predictions():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    for trial in range(20):
        K = int(rng.integers(2, 8))
        true = rng.integers(0, K, 200)
        pred = np.where(rng.random(200) < 0.5, true, rng.integers(0, K, 200))
        pred[pred == K - 1] = 0                   # one class never predicted: 0 / 0 precision
        np.testing.assert_array_equal(metrics.confusion_matrix(true, pred, K),
                                      sk.confusion_matrix(true, pred, labels=range(K)))
        for average in (None, "macro", "micro"):
            want = sk.precision_recall_fscore_support(true, pred, labels=range(K), average=average,
                                                      zero_division=0)[:3]
            np.testing.assert_allclose(metrics.precision_recall_f1(true, pred, K, average), want,
                                       rtol=0, atol=1e-12)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="1-D array of integers"):
        metrics.accuracy([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="shape"):
        metrics.confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="average must be"):
        metrics.precision_recall_f1(TRUE, PRED, average="weighted")
