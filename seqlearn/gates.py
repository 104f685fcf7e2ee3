"""Look inside an LSTM: record its gates over a sequence, find units that track a quantity, draw heatmaps.

The job of ``lstm_gate_trace`` is to rerun a trained LSTM with ``seqlearn.numpy.lstm_step`` and keep
what torch.nn.LSTM computes but never returns: the gates i, f, g, o and the cell state c at every step.
matplotlib is imported inside ``plot_gate_heatmaps`` only.
"""
import re

import numpy as np

from .numpy.lstm import lstm_step

TRACE_KEYS = ("i", "f", "g", "o", "c", "h")


def _arrays(model):
    """The parameters of a torch or seqlearn LSTM (or a state_dict) as a dict of NumPy arrays."""
    state = model.state_dict() if hasattr(model, "state_dict") else model
    return {k: (v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)) for k, v in state.items()}


def lstm_gate_trace(model, x, hx=None, *, layer=0, batch_first=None):
    """Run an LSTM over x and record every step: a dict of arrays i, f, g, o, c, h.

    model: torch.nn.LSTM, seqlearn.torch.LSTM, seqlearn.numpy.LSTM or a state_dict of one
    (unidirectional, any number of layers, with or without biases). ``layer`` picks the layer to record;
    the layers below it are run to produce its input.
    x: unbatched (T, I) gives arrays (T, H); batched (T, B, I) gives (T, B, H), or with
    batch_first (B, T, I) gives (B, T, H). batch_first=None takes the model's own setting.
    hx: optional (h_0, c_0) shaped as torch.nn.LSTM takes them, (L, B, H) or unbatched (L, H).
    """
    p = _arrays(model)
    if any(k.endswith("_reverse") for k in p):
        raise ValueError("lstm_gate_trace records unidirectional LSTMs only; this state_dict has _reverse weights")
    if any(k.startswith("weight_hr") for k in p):
        raise ValueError("lstm_gate_trace does not support LSTMs with proj_size > 0")
    num_layers = 1 + max(int(re.search(r"_l(\d+)$", k).group(1)) for k in p)
    if not 0 <= layer < num_layers:
        raise ValueError(f"layer must be in [0, {num_layers}), got {layer}")
    if batch_first is None:
        batch_first = bool(getattr(model, "batch_first", False))
    x = np.asarray(x, dtype=p["weight_ih_l0"].dtype)
    unbatched = x.ndim == 2
    x = x[:, None] if unbatched else (x.transpose(1, 0, 2) if batch_first else x)   # (T, B, I)
    T, B, _ = x.shape
    H = p["weight_hh_l0"].shape[1]
    if hx is None:
        h0 = c0 = np.zeros((num_layers, B, H), x.dtype)
    else:
        h0, c0 = (np.asarray(s.detach().cpu().numpy() if hasattr(s, "detach") else s, x.dtype) for s in hx)
        h0, c0 = (s[:, None] if unbatched else s for s in (h0, c0))
    inp = x
    for k in range(layer + 1):
        gi = inp @ p[f"weight_ih_l{k}"].T                              # (T, B, 4H)
        if f"bias_ih_l{k}" in p:
            gi = gi + p[f"bias_ih_l{k}"]
        state = (h0[k], c0[k])
        trace = {key: np.empty((T, B, H), x.dtype) for key in TRACE_KEYS}
        for t in range(T):
            (h, c), cache = lstm_step(gi[t], state, p[f"weight_hh_l{k}"], p.get(f"bias_hh_l{k}"))
            _, _, i, f, g, o, _ = cache
            for key, value in zip(TRACE_KEYS, (i, f, g, o, c, h)):
                trace[key][t] = value
            state = (h, c)
        inp = trace["h"]
    if unbatched:
        return {key: v[:, 0] for key, v in trace.items()}
    return {key: (v.transpose(1, 0, 2) if batch_first else v) for key, v in trace.items()}


def unit_correlations(values, target):
    """Pearson correlation of each unit with a target over all positions: values (..., H), target (...) -> (H,)."""
    values = np.asarray(values, dtype=np.float64)
    v = values.reshape(-1, values.shape[-1])
    y = np.asarray(target, dtype=np.float64).reshape(-1)
    if len(y) != len(v):
        raise ValueError(f"target has {len(y)} entries but values have {len(v)} positions")
    v, y = v - v.mean(0), y - y.mean()
    return (v * y[:, None]).sum(0) / np.sqrt((v * v).sum(0) * (y * y).sum())


def plot_gate_heatmaps(trace, tokens=None, keys=("i", "f", "o", "c"), axes=None, row_scale=False):
    """Heatmaps of trace[key] (T, H) for one sequence, one panel per key: time on x, units on y.

    Gates share the colour scale [0, 1]; c, h and g use a diverging scale centred on 0.
    tokens: optional labels for the time steps (e.g. the input characters).
    row_scale: divide each unit's row of c, h or g by its largest |value|, so that a unit with a
    large range does not wash out the others (the gates are never rescaled). Returns the figure.
    """
    import matplotlib.pyplot as plt
    if axes is None:
        T, H = trace[keys[0]].shape
        _, axes = plt.subplots(len(keys), 1, figsize=(min(2 + 0.2 * T, 12), 0.6 + (0.18 * H + 0.6) * len(keys)),
                               sharex=True, squeeze=False, constrained_layout=True)
        axes = axes[:, 0]
    names = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
             "c": "cell state c", "h": "hidden state h"}
    for ax, key in zip(axes, keys):
        a = np.asarray(trace[key]).T                                   # (H, T): units on y
        if key in ("i", "f", "o"):
            im = ax.imshow(a, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        else:
            if row_scale:
                a = a / np.maximum(np.abs(a).max(axis=1, keepdims=True), 1e-12)
            m = max(float(np.abs(a).max()), 1e-12)
            im = ax.imshow(a, aspect="auto", cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
        ax.set_ylabel("unit")
        ax.set_yticks(range(a.shape[0]))
        scaled = row_scale and key not in ("i", "f", "o")
        ax.set_title(names.get(key, key) + (" (each unit divided by its largest |value|)" if scaled else ""), loc="left")
        ax.grid(False)
        ax.figure.colorbar(im, ax=ax, pad=0.01, fraction=0.03)
    if tokens is not None:
        axes[-1].set_xticks(range(len(tokens)))
        axes[-1].set_xticklabels(list(tokens))
    axes[-1].set_xlabel("time step t (input character)" if tokens is not None else "time step t")
    return axes[0].figure
