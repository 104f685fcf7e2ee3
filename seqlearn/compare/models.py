"""The contestants at one parameter budget: tanh RNN, LSTM, GRU and a bidirectional LSTM.

Chapter 14 adds minGRU and minLSTM (``MIN_CELLS``, ``seqlearn.torch.minrnn``): one layer, or two
stacked ("minGRU-2"), whose gates read the input only.

Chung et al. (2014) compared cells at matched parameter counts; so does this study. A model is a
``SequenceModel`` (a recurrent layer and a linear readout), and its size is the hidden size whose
whole parameter count (readout and embedding included) comes closest to the budget from below.
"""
from torch import nn

import seqlearn.torch as st
from seqlearn.torch.minrnn import MinRNN

from ..train.models import SequenceModel
from ..utils import expected_parameters

CELLS = ("RNN", "LSTM", "GRU", "BiLSTM")
MIN_CELLS = {"minGRU": ("minGRU", 1), "minLSTM": ("minLSTM", 1),       # cell: (kind, layers)
             "minGRU-2": ("minGRU", 2), "minLSTM-2": ("minLSTM", 2)}


def _mode(cell):
    if cell in MIN_CELLS:
        return MIN_CELLS[cell][0]
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS + tuple(MIN_CELLS))}; got {cell!r}")
    return "LSTM" if cell == "BiLSTM" else cell


def min_parameters(kind, input_size, hidden_size, num_layers=1):
    """A minGRU/minLSTM stack: G(I·H + H) for the first layer, G(H·H + H) per further one (G = 2, 3)."""
    G = 2 if kind == "minGRU" else 3
    return sum(G * hidden_size * ((input_size if k == 0 else hidden_size) + 1) for k in range(num_layers))


def parameter_count(cell, input_size, hidden_size, output_size, embedding=0):
    """Parameters of the model ``build`` makes: the layer, the readout, an optional embedding (its size)."""
    D = 2 if cell == "BiLSTM" else 1
    if cell in MIN_CELLS:
        kind, layers = MIN_CELLS[cell]
        layer = min_parameters(kind, input_size, hidden_size, layers)
    else:
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
    if cell in MIN_CELLS:
        if variant != "vanilla":
            raise ValueError(f"variant={variant!r} is an LSTM ablation; the cell is {cell}")
        kind, layers = MIN_CELLS[cell]
        # mode "scan": the log-space schedule gives the same numbers, slower on a CPU (chapter 14)
        core = MinRNN(kind, input_size, H, layers, batch_first=True, mode="scan", dtype=dtype, device=device)
    elif variant != "vanilla":
        if mode != "LSTM":
            raise ValueError(f"variant={variant!r} is an LSTM ablation; the cell is {cell}")
        core = st.LSTM(input_size, H, variant=variant, **kwargs)
    else:
        core = getattr(nn, mode)(input_size, H, **kwargs)
    embedding = None if vocab is None else nn.Embedding(*vocab, padding_idx=0, dtype=dtype, device=device)
    return SequenceModel(core, output_size, many_to_one=many_to_one, embedding=embedding), H
