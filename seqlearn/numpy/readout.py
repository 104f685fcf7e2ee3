"""The readout and the loss in NumPy: a linear layer and softmax cross-entropy, forward and backward.

``Linear`` mirrors ``torch.nn.Linear`` (parameters ``weight`` (O, H) and ``bias`` (O,)), and
``cross_entropy`` mirrors ``torch.nn.functional.cross_entropy`` with its default mean over rows.
With the recurrent layers they make a whole model, such as a character-level language model,
trainable in NumPy alone.
"""
import numpy as np


class Linear:
    """y = x W^T + b over the last axis of x: (..., in_features) -> (..., out_features)."""

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype=np.float64):
        rng = np.random.default_rng(rng)
        k = 1.0 / np.sqrt(in_features)            # torch's init: U(-1/sqrt(in), 1/sqrt(in))
        self.params = {"weight": rng.uniform(-k, k, (out_features, in_features)).astype(dtype)}
        if bias:
            self.params["bias"] = rng.uniform(-k, k, out_features).astype(dtype)
        self.grads, self._x = {}, None

    def load_state_dict(self, state):
        """Take ``weight`` (and ``bias``) from arrays or torch tensors, e.g. an nn.Linear's state_dict."""
        if set(state) != set(self.params):
            raise ValueError(f"state_dict keys do not match: expected {sorted(self.params)}, got {sorted(state)}")
        for name, value in state.items():
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
            if value.shape != self.params[name].shape:
                raise ValueError(f"{name} has the wrong shape: expected {self.params[name].shape}, got {value.shape}")
            self.params[name] = value.copy()

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        x = np.asarray(x)
        W = self.params["weight"]
        if x.shape[-1] != W.shape[1]:
            raise ValueError(f"input has the wrong feature size: expected {W.shape[1]}, got {x.shape[-1]} "
                             f"(input shape {x.shape})")
        self._x = x
        y = x @ W.T                               # (..., O)
        return y + self.params["bias"] if "bias" in self.params else y

    def backward(self, dy):
        """dy: dL/dy, the output's shape. Stores dL/dweight, dL/dbias in ``grads``; returns dL/dx."""
        if self._x is None:
            raise RuntimeError("backward() needs a forward() first")
        x, W = self._x, self.params["weight"]
        dy = np.asarray(dy)
        flat_dy, flat_x = dy.reshape(-1, dy.shape[-1]), x.reshape(-1, x.shape[-1])
        self.grads = {"weight": flat_dy.T @ flat_x}               # sum over rows of dy^T x
        if "bias" in self.params:
            self.grads["bias"] = flat_dy.sum(0)
        return dy @ W                                             # dL/dx = dy W


def log_softmax(y, axis=-1):
    """log softmax(y), computed stably by subtracting the maximum first."""
    shifted = y - y.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy(logits, target):
    """Mean of -log softmax(logits)[target] over the rows, and its gradient.

    logits (N, C) scores, target (N,) class indices in [0, C). Returns (loss, dlogits), where
    dlogits = (softmax(logits) - onehot(target)) / N has the shape of logits.
    """
    logits, target = np.asarray(logits), np.asarray(target)
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ValueError(f"expected logits (N, C) and target (N,), got {logits.shape} and {target.shape}")
    if target.size and (target.min() < 0 or target.max() >= logits.shape[1]):
        raise ValueError(f"target must hold class indices in [0, {logits.shape[1]}), "
                         f"got values in [{target.min()}, {target.max()}]")
    n = len(target)
    logp = log_softmax(logits)
    loss = -logp[np.arange(n), target].mean()
    dlogits = np.exp(logp)                        # π = softmax(logits)
    dlogits[np.arange(n), target] -= 1            # π - e_{y*}
    return float(loss), dlogits / n
