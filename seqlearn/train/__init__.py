"""Training: the sequence model with its readout, the loop, early stopping, progress displays.

- ``models``: ``SequenceModel`` (a recurrent core and a linear readout, read at each sequence's
  last real step in both directions) and ``last_step``;
- ``loop``: ``fit`` (mini-batches, validation, early stopping, a best-model checkpoint, clipping,
  optimisers and schedules), ``EarlyStopping`` and ``predict``;
- ``init``: ``initialise`` (orthogonal W_hh, the LSTM's forget-gate bias);
- ``graph``: ``graph_nodes`` and ``saved_bytes``, the size of the autograd graph behind a tensor;
- ``progress``: progress bars and a live loss plot that stay out of stored outputs.
"""
from .graph import graph_nodes, saved_bytes
from .init import initialise
from .loop import EarlyStopping, fit, predict
from .models import SequenceModel, last_step
from .progress import LiveLoss, progress, quiet

__all__ = ["SequenceModel", "last_step", "fit", "predict", "EarlyStopping", "LiveLoss", "progress",
           "quiet", "initialise", "graph_nodes", "saved_bytes"]
