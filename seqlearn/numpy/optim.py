"""Optimisers in NumPy, the twins of ``torch.optim.Adam`` and ``torch.optim.Adagrad``, and gradient clipping.

Each follows torch's single-tensor update formula operation by operation, so that in float64 a NumPy
model and its torch twin, started from the same weights and fed the same data, take the same steps
to rounding. Parameters are NumPy arrays updated in place; ``step(grads)`` takes their gradients in
the same order (for a ``seqlearn.numpy`` layer: ``list(model.params.values())`` and
``list(model.grads.values())``).
"""
import numpy as np


class Adam:
    """Adam (Kingma & Ba 2015) as torch.optim.Adam computes it (no weight decay, no amsgrad).

        m ← m + (1 - β1)(g - m)            (torch's lerp)
        v ← β2 v + (1 - β2) g ⊙ g
        θ ← θ - η / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + ε)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads):
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"expected {len(self.params)} gradients, got {len(grads)}")
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1 ** self.t)               # η / (1 - β1^t)
        bias2_sqrt = (1 - b2 ** self.t) ** 0.5                 # sqrt(1 - β2^t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - b1) * (g - m)                            # first moment
            v *= b2
            v += (1 - b2) * g * g                              # second moment
            p += -step_size * (m / (np.sqrt(v) / bias2_sqrt + self.eps))


class Adagrad:
    """Adagrad (Duchi, Hazan & Singer 2011) as torch.optim.Adagrad computes it (lr_decay = 0).

        s ← s + g ⊙ g,      θ ← θ - η g / (sqrt(s) + ε)

    min-char-rnn's update is the same with ε inside the square root and η = 0.1.
    """

    def __init__(self, params, lr=1e-2, eps=1e-10):
        self.params, self.lr, self.eps = list(params), lr, eps
        self.sums = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"expected {len(self.params)} gradients, got {len(grads)}")
        for p, g, s in zip(self.params, grads, self.sums):
            s += g * g
            p += -self.lr * (g / (np.sqrt(s) + self.eps))


def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` in place so that their joint Euclidean norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_: the factor is min(1, max_norm / (norm + 1e-6)). Returns the
    norm before clipping.
    """
    grads = list(grads)
    norm = float(np.linalg.norm([np.linalg.norm(g.ravel()) for g in grads]))   # norm of the norms
    scale = min(max_norm / (norm + 1e-6), 1.0)
    for g in grads:
        g *= scale
    return norm
