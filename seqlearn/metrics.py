"""Classification metrics from their definitions: confusion matrix, accuracy, precision, recall, F1.

For class k, with TP_k the examples of class k predicted as k, FP_k the others predicted as k and
FN_k the examples of class k predicted as something else:

    precision_k = TP_k / (TP_k + FP_k),   recall_k = TP_k / (TP_k + FN_k),
    F1_k = 2 precision_k recall_k / (precision_k + recall_k).

Macro averages the K per-class values (each class counts the same); micro pools the counts of all
classes first (each example counts the same; for single-label data micro precision, recall and
F1 all equal the accuracy). A ratio 0 / 0 is taken as 0, as scikit-learn does by default.
Inputs are 1-D arrays or tensors of class indices; results are NumPy arrays or floats.
"""
import numpy as np


def _labels(y):
    y = y.detach().cpu().numpy() if hasattr(y, "detach") else np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"class labels must be a 1-D array of integers, got {y.ndim}-D {y.dtype}")
    return y


def confusion_matrix(y_true, y_pred, num_classes=None):
    """C (K, K) int64: C[i, j] counts the examples of true class i predicted as class j."""
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    K = num_classes if num_classes is not None else int(max(y_true.max(), y_pred.max())) + 1
    C = np.zeros((K, K), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def accuracy(y_true, y_pred):
    """The share of examples whose predicted class is the true one."""
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    return float((y_true == y_pred).mean())


def _ratio(num, den):
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision_recall_f1(y_true, y_pred, num_classes=None, average=None):
    """(precision, recall, F1): per class (arrays of K) with average=None, else "macro" or "micro"."""
    C = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(C)
    fp = C.sum(0) - tp                            # predicted as k, but of another class
    fn = C.sum(1) - tp                            # of class k, but predicted as another
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    elif average not in (None, "macro"):
        raise ValueError(f"average must be None, 'macro' or 'micro', got {average!r}")
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * precision * recall, precision + recall)
    if average == "macro":
        return float(precision.mean()), float(recall.mean()), float(f1.mean())
    if average == "micro":
        return float(precision), float(recall), float(f1)
    return precision, recall, f1
