"""A small, explicit training loop shared by the chapters (mini-batches, shuffling, validation, clipping).

Works with any torch.nn.Module; the recurrent core can be torch.nn's or seqlearn.torch's.
"""
import copy

import torch
from torch import nn


class SequenceModel(nn.Module):
    """A recurrent core followed by a linear readout y_t = h_t W_hy^T + b_y.

    The recurrent layer itself has no output layer (unlike some textbook equations): the readout is
    a separate ``Linear`` on h_t. ``many_to_one=True`` reads out the last step only (batch_first data).
    """

    def __init__(self, core, output_size, many_to_one=True):
        super().__init__()
        self.core, self.many_to_one = core, many_to_one
        width = core.hidden_size * (2 if core.bidirectional else 1)
        self.readout = nn.Linear(width, output_size, dtype=core.weight_ih_l0.dtype,
                                 device=core.weight_ih_l0.device)

    def forward(self, x):
        out, _ = self.core(x)                     # (B, T, D*H) with batch_first=True
        if self.many_to_one:
            out = out[:, -1] if self.core.batch_first else out[-1]
        return self.readout(out)


def fit(model, loss_fn, x, y, *, epochs, batch_size, lr=1e-2, clip=None, val=None, keep_best=False,
        generator=None):
    """Train with Adam on (x, y) in shuffled mini-batches of batch_size along dim 0.

    x, y and ``val`` must already be on the model's device. clip: max global gradient norm
    (``clip_grad_norm_``), or None. val: optional (x_val, y_val), evaluated after every epoch in
    ``eval()`` mode without gradients. keep_best: with ``val``, end with the parameters of the epoch
    whose validation loss was lowest (model selection on validation, never on the test set).
    Returns a history dict with per-epoch 'train' and 'val' loss, the per-step 'grad_norm' (measured
    before clipping) and 'best_epoch' (1-based; the last epoch unless keep_best).
    """
    if keep_best and val is None:
        raise ValueError("keep_best=True selects the epoch with the lowest validation loss: pass val=(x, y)")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train": [], "val": [], "grad_norm": [], "best_epoch": epochs}
    best, best_state = float("inf"), None
    n = x.shape[0]
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for idx in torch.randperm(n, generator=generator).split(batch_size):
            idx = idx.to(x.device)
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
            history["grad_norm"].append(float(norm))
            opt.step()
            total += loss.item() * len(idx)
        history["train"].append(total / n)
        if val is not None:
            model.eval()
            with torch.no_grad():
                history["val"].append(float(loss_fn(model(val[0]), val[1])))
            if keep_best and history["val"][-1] < best:
                best, history["best_epoch"] = history["val"][-1], epoch
                best_state = copy.deepcopy(model.state_dict())
    if keep_best:
        model.load_state_dict(best_state)
    return history
