"""Inside a character-level LSTM: record its cells and gates on a text, find the units that track a
feature of the text, and measure how often its gates saturate (Karpathy, Johnson & Fei-Fei 2015).

NumPy only: the trained weights are rerun with ``seqlearn.gates.lstm_gate_trace``, which keeps what
torch.nn.LSTM computes but does not return (the gates i, f, o and the cell state c at every step).
"""
import numpy as np

from ..gates import lstm_gate_trace, unit_correlations


def lstm_trace(state_dict, ids, vocab_size, layer=0):
    """Run the LSTM core of a CharLM (its state_dict, keys ``core.*``) over ids (T,) from a zero state.

    Returns the dict of (T, H) arrays i, f, g, o, c, h of ``layer``, in the weights' dtype (float32
    halves the time of the step-by-step NumPy loop; correlations do not need float64).
    """
    core = {k[len("core."):]: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
            for k, v in state_dict.items() if k.startswith("core.")}
    dtype = core["weight_ih_l0"].dtype
    onehot = np.eye(vocab_size, dtype=dtype)[np.asarray(ids)]  # (T, V)
    return lstm_gate_trace(core, onehot, layer=layer)


def feature_correlations(values, features):
    """Pearson correlation of every unit with every feature: {name: (H,)}; values (T, H).

    A feature that is constant over the text gets correlations of 0 (it explains nothing).
    """
    out = {}
    for name, target in features.items():
        target = np.asarray(target, dtype=np.float64)
        out[name] = np.zeros(values.shape[1]) if target.std() == 0 else unit_correlations(values, target)
    return out


def tracking_units(correlations, threshold):
    """{feature: units whose |r| >= threshold, strongest first} and the share of all units that track any."""
    units = {name: [int(u) for u in np.argsort(-np.abs(r)) if abs(r[u]) >= threshold]
             for name, r in correlations.items()}
    H = len(next(iter(correlations.values())))
    any_unit = set().union(*map(set, units.values()))
    return units, len(any_unit) / H


def saturation(gate, low=0.1, high=0.9):
    """Per unit, the fraction of steps a gate spends left-saturated (< low) and right-saturated (> high).

    gate: (T, H) activations in (0, 1). Returns (left (H,), right (H,)).
    """
    gate = np.asarray(gate)
    return (gate < low).mean(0), (gate > high).mean(0)
