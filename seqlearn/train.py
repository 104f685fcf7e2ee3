"""A small, explicit training loop shared by the chapters (mini-batches, shuffling, validation, clipping).

Works with any torch.nn.Module; the recurrent core can be torch.nn's or seqlearn.torch's.
"""
import copy

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def last_step(out, lengths=None, *, bidirectional=False, batch_first=False):
    """The many-to-one summary of a recurrent layer's output: (T, B, D*H) or (B, T, D*H) -> (B, D*H).

    The forward half is read at each sequence's last real step (``lengths - 1``, or T - 1 when
    lengths is None), the reverse half of a bidirectional layer at position 0, where the reverse
    direction ends after reading the whole sequence (its half at T - 1 has read one input only).
    Unbatched output (T, D*H) gives (D*H,). With lengths, the output must come from a packed run:
    on a padded tensor the reverse direction starts in the padding, and no index undoes that.
    """
    time = 1 if batch_first and out.dim() == 3 else 0
    if lengths is None:
        last = out.select(time, out.shape[time] - 1)
    elif out.dim() != 3:
        raise ValueError(f"lengths need a batch: got an unbatched output of shape {tuple(out.shape)}")
    else:
        rows = torch.arange(out.shape[1 - time], device=out.device)
        steps = torch.as_tensor(lengths, device=out.device) - 1
        last = out[rows, steps] if batch_first else out[steps, rows]
    if not bidirectional:
        return last
    H = out.shape[-1] // 2
    return torch.cat([last[..., :H], out.select(time, 0)[..., H:]], dim=-1)


class SequenceModel(nn.Module):
    """A recurrent core followed by a linear readout y_t = h_t W_hy^T + b_y.

    The recurrent layer itself has no output layer (unlike some textbook equations): the readout is
    a separate ``Linear`` on h_t. ``many_to_one=True`` reads out one summary per sequence
    (``last_step``: for a bidirectional core the forward half at the last real step and the reverse
    half at position 0); ``many_to_one=False`` reads out every step.

    ``forward(x, lengths=None)`` takes a tensor laid out as the core expects (``batch_first`` or
    not), a ``PackedSequence``, or a padded tensor with the ``lengths`` of its sequences, which is
    then packed so that each sequence, in both directions, runs over its own steps only. Many to
    many, a packed input gives a ``PackedSequence`` of readouts and a padded one a padded tensor
    with zeros past each sequence's end.
    """

    def __init__(self, core, output_size, many_to_one=True):
        super().__init__()
        self.core, self.many_to_one = core, many_to_one
        per_direction = getattr(core, "proj_size", 0) or core.hidden_size
        width = per_direction * (2 if core.bidirectional else 1)
        self.readout = nn.Linear(width, output_size, dtype=core.weight_ih_l0.dtype,
                                 device=core.weight_ih_l0.device)

    def forward(self, x, lengths=None):
        batch_first, total = self.core.batch_first, None
        if lengths is not None:
            if isinstance(x, PackedSequence):
                raise ValueError("a PackedSequence carries its lengths already; pass lengths=None")
            total = x.shape[1 if batch_first else 0]
            x = pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=batch_first,
                                     enforce_sorted=False)
        out, _ = self.core(x)                     # (B, T, D*H) with batch_first=True
        if isinstance(out, PackedSequence):
            if not self.many_to_one:              # the readout of every real step, packed alike
                y = PackedSequence(self.readout(out.data), out.batch_sizes, out.sorted_indices,
                                   out.unsorted_indices)
                return y if total is None else pad_packed_sequence(y, batch_first, total_length=total)[0]
            out, lengths = pad_packed_sequence(out, batch_first)
        elif not self.many_to_one:
            return self.readout(out)
        return self.readout(last_step(out, lengths, bidirectional=self.core.bidirectional,
                                      batch_first=batch_first))


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
