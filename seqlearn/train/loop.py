"""The training loop the chapters share: mini-batches, validation, early stopping, a checkpoint.

Works with any torch.nn.Module whose ``forward(x)`` (or ``forward(x, lengths)``) returns what
``loss_fn(output, y)`` takes.
"""
import copy

import torch
from torch import nn

from ..batching import as_lengths
from .progress import progress as progress_bar


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs in a row.

    ``step(loss, epoch)`` returns True when ``loss`` is a new best (lower by more than
    ``min_delta``); afterwards ``best``, ``best_epoch`` and ``stop`` say where training stands.
    patience=None never stops, and only keeps track of the best epoch.
    """

    def __init__(self, patience=None, min_delta=0.0):
        if patience is not None and patience < 1:
            raise ValueError(f"patience must be at least 1 epoch (or None), got {patience}")
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.bad_epochs, self.stop = float("inf"), None, 0, False

    def step(self, loss, epoch):
        if loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = loss, epoch, 0
            return True
        self.bad_epochs += 1
        self.stop = self.patience is not None and self.bad_epochs >= self.patience
        return False


def _call(model, x, y, lengths, idx=None):
    """The model's output and the targets for the rows ``idx`` (all when None), cut to the
    longest of their sequences."""
    if lengths is None:
        return (model(x), y) if idx is None else (model(x[idx]), y[idx])
    n = lengths if idx is None else lengths[idx.cpu()]
    T = int(n.max())
    xb, yb = (x, y) if idx is None else (x[idx], y[idx])
    xb = xb[:, :T]
    if yb.dim() > 1 and y.shape[1] == x.shape[1]:   # a target per step: cut it alike
        yb = yb[:, :T]
    return model(xb, n), yb


def fit(model, loss_fn, x, y, *, epochs, batch_size=None, lr=1e-2, clip=None, val=None,
        keep_best=False, generator=None, lengths=None, batches=None, optimizer=None,
        scheduler=None, clip_value=None, patience=None, checkpoint=None, progress=False,
        callback=None):
    """Train on (x, y) in shuffled mini-batches along dim 0; return the history of the run.

    x, y and ``val`` must already be on the model's device. The defaults are Adam(lr) and batches
    ``torch.randperm(n, generator=generator).split(batch_size)`` every epoch.

    - lengths: (N,) lengths of the padded sequences in x (batch-first); the model is called as
      ``model(x_b, lengths_b)`` and each batch is cut to its longest sequence (y too, if it has a
      target per step). val is then (x_val, y_val, lengths_val).
    - batches: an iterable of index tensors, iterated once per epoch, instead of the default
      (for example ``seqlearn.batching.BucketBatchSampler``).
    - optimizer: a function params -> optimizer; scheduler: a function optimizer -> LR scheduler,
      stepped once per epoch.
    - clip: max global gradient norm (``clip_grad_norm_``); clip_value: max |component|
      (``clip_grad_value_``). The norm is measured before either.
    - val: evaluated after every epoch in ``eval()`` mode without gradients. keep_best: end with
      the parameters of the epoch of lowest validation loss. patience: stop after that many epochs
      without a new best. checkpoint: a path; the best epoch's ``{"epoch", "val", "model"}`` is
      saved there with ``torch.save`` whenever validation improves.
    - progress: a progress bar over the epochs (``tqdm.auto``); callback(epoch, history) runs after
      every epoch (a live plot, say), and ``callback.close()`` at the end if it has one.

    Returns a dict: per-epoch 'train' and 'val' loss and 'lr', per-step 'grad_norm', 'grad_max'
    (the largest |component| of the gradient, before clipping) and 'clipped',
    'best_epoch' (1-based; the last epoch unless validation chose one) and 'epochs' (run).
    """
    if (keep_best or patience or checkpoint) and val is None:
        raise ValueError("keep_best, patience and checkpoint select epochs on validation: pass val=(x, y)")
    if batch_size is None and batches is None:
        raise ValueError("pass batch_size, or batches to iterate over")
    opt = optimizer(model.parameters()) if optimizer else torch.optim.Adam(model.parameters(), lr=lr)
    sched = scheduler(opt) if scheduler else None
    lengths = None if lengths is None else as_lengths(lengths)
    val_lengths = None if val is None or len(val) < 3 else as_lengths(val[2])
    history = {"train": [], "val": [], "lr": [], "grad_norm": [], "grad_max": [], "clipped": [],
               "best_epoch": epochs}
    stopper, best_state, n = EarlyStopping(patience), None, x.shape[0]
    epoch_bar = progress_bar(range(1, epochs + 1), desc="epochs") if progress else range(1, epochs + 1)
    for epoch in epoch_bar:
        model.train()
        total = 0.0
        history["lr"].append(opt.param_groups[0]["lr"])
        order = batches if batches is not None else torch.randperm(n, generator=generator).split(batch_size)
        for idx in order:
            idx = torch.as_tensor(idx).to(x.device)
            opt.zero_grad()
            loss = loss_fn(*_call(model, x, y, lengths, idx))
            loss.backward()
            big = max(float(p.grad.abs().max()) for p in model.parameters() if p.grad is not None)
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
            if clip_value is not None:
                nn.utils.clip_grad_value_(model.parameters(), clip_value)
            history["grad_norm"].append(float(norm))
            history["grad_max"].append(big)
            history["clipped"].append(bool(clip and norm > clip) or bool(clip_value and big > clip_value))
            opt.step()
            total += loss.item() * len(idx)
        history["train"].append(total / n)
        if sched is not None:
            sched.step()
        if val is not None:
            model.eval()
            with torch.no_grad():
                history["val"].append(float(loss_fn(*_call(model, val[0], val[1], val_lengths))))
            if stopper.step(history["val"][-1], epoch):
                if keep_best:
                    best_state = copy.deepcopy(model.state_dict())
                if checkpoint:
                    torch.save({"epoch": epoch, "val": history["val"][-1], "model": model.state_dict()},
                               checkpoint)
        if progress:
            epoch_bar.set_postfix(train=f"{history['train'][-1]:.4g}",
                                  **({"val": f"{history['val'][-1]:.4g}"} if history["val"] else {}))
        if callback is not None:
            callback(epoch, history)
        if stopper.stop:
            break
    history["epochs"] = epoch
    if val is not None and (keep_best or patience or checkpoint):
        history["best_epoch"] = stopper.best_epoch
    if keep_best:
        model.load_state_dict(best_state)
    if callback is not None and hasattr(callback, "close"):
        callback.close()
    return history


def predict(model, x, lengths=None, batch_size=1024):
    """The model's outputs for all of x, in ``eval()`` mode without gradients, in batches along dim 0."""
    model.eval()
    lengths = None if lengths is None else as_lengths(lengths)
    outs = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch_size):
            part = slice(start, start + batch_size)
            outs.append(model(x[part]) if lengths is None else model(x[part], lengths[part]))
    return torch.cat(outs)
