"""The contestants at one parameter budget: tanh RNN, LSTM, GRU and a bidirectional LSTM.

Chung et al. (2014) compared cells at matched parameter counts; so does this study. A model is a
``SequenceModel`` (a recurrent layer and a linear readout), and its size is the hidden size whose
whole parameter count (readout and embedding included) comes closest to the budget from below.
"""
from torch import nn

import seqlearn.torch as st

from ..train.models import SequenceModel
from ..utils import expected_parameters

CELLS = ("RNN", "LSTM", "GRU", "BiLSTM")


def _mode(cell):
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}; got {cell!r}")
    return "LSTM" if cell == "BiLSTM" else cell


def parameter_count(cell, input_size, hidden_size, output_size, embedding=0):
    """Parameters of the model ``build`` makes: the layer, the readout, an optional embedding (its size)."""
    D = 2 if cell == "BiLSTM" else 1
    layer = expected_parameters(_mode(cell), input_size, hidden_size, bidirectional=D == 2)
    return layer + (D * hidden_size + 1) * output_size + embedding


def hidden_for_budget(cell, input_size, output_size, budget, embedding=0):
    """The largest hidden size whose model has at most ``budget`` parameters."""
    H = 1
    if parameter_count(cell, input_size, 1, output_size, embedding) > budget:
        raise ValueError(f"a budget of {budget} parameters is too small for a {cell} "
                         f"with {input_size} inputs and {output_size} outputs")
    while parameter_count(cell, input_size, H + 1, output_size, embedding) <= budget:
        H += 1
    return H


def build(cell, input_size, output_size, budget, *, many_to_one=True, vocab=None, variant="vanilla",
          dtype=None, device=None):
    """A SequenceModel at ``budget`` parameters, and its hidden size.

    vocab: (V, E) puts ``nn.Embedding(V, E, padding_idx=0)`` in front (input_size must be E).
    variant: an LSTM ablation of Greff et al. (2017); anything but "vanilla" builds
    ``seqlearn.torch.LSTM(variant=...)``, the rest are torch.nn's layers (the same equations:
    the parity tests check it), which run faster on a CPU.
    """
    mode = _mode(cell)
    embed = 0 if vocab is None else vocab[0] * vocab[1]
    H = hidden_for_budget(cell, input_size, output_size, budget, embed)
    kwargs = dict(batch_first=True, bidirectional=cell == "BiLSTM", dtype=dtype, device=device)
    if variant != "vanilla":
        if mode != "LSTM":
            raise ValueError(f"variant={variant!r} is an LSTM ablation; the cell is {cell}")
        core = st.LSTM(input_size, H, variant=variant, **kwargs)
    else:
        core = getattr(nn, mode)(input_size, H, **kwargs)
    embedding = None if vocab is None else nn.Embedding(*vocab, padding_idx=0, dtype=dtype, device=device)
    return SequenceModel(core, output_size, many_to_one=many_to_one, embedding=embedding), H
