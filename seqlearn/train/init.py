"""Initialisation of a recurrent layer: torch's default, orthogonal W_hh, the forget-gate bias.

torch draws every weight and bias of ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` from
U(-1/sqrt(H), 1/sqrt(H)). ``initialise`` changes that in place, for every layer and direction:

- ``orthogonal=True``: each gate's (H, H) block of ``weight_hh`` becomes a random orthogonal
  matrix (all singular values 1, so a linear recurrence keeps the norm of its state);
- ``forget_bias=b`` (LSTM only): the forget gate's biases, rows H:2H in torch's order i, f, g, o,
  are set so that b_if + b_hf = b (b_if = 0, b_hf = b, by ``seqlearn.memory.set_forget_bias``),
  a forget gate near sigma(b) at the start.
"""
import torch
from torch import nn

from ..utils import GATES


def initialise(core, *, orthogonal=False, forget_bias=None, generator=None):
    """Re-initialise the recurrent layer ``core`` (torch.nn's or seqlearn.torch's) in place; return it.

    generator: a ``torch.Generator`` for the orthogonal matrices (torch's global one when None).
    """
    mode = str(getattr(core, "mode", type(core).__name__))
    mode = "RNN" if mode.startswith("RNN") else mode   # torch's RNN_TANH, RNN_RELU
    if mode not in GATES:
        raise ValueError(f"initialise knows RNN, LSTM and GRU layers, got {type(core).__name__}")
    if forget_bias is not None and mode != "LSTM":
        raise ValueError(f"only an LSTM has a forget gate; got forget_bias for a {mode}")
    H, G = core.hidden_size, GATES[mode]
    with torch.no_grad():
        for name, p in core.named_parameters():
            if orthogonal and name.startswith("weight_hh"):
                for k in range(G):                 # one (H, H) block per gate
                    block = torch.empty(H, p.shape[1], dtype=torch.float64)
                    nn.init.orthogonal_(block, **({"generator": generator} if generator else {}))
                    p[k * H:(k + 1) * H] = block.to(p.dtype)
    if forget_bias is not None:                    # b_if = 0, b_hf = forget_bias
        from ..memory import set_forget_bias       # chapter 4's, one source of truth
        set_forget_bias(core, forget_bias)
    return core
