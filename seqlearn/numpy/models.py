"""The three networks in NumPy: which cell each one runs, with torch.nn's constructor arguments.

``Recurrent`` (``layers.py``) does the work; a subclass names its cell and checks its options.
"""
import numpy as np

from .. import _checks
from .layers import Recurrent


class RNN(Recurrent):
    """Elman RNN with ``nonlinearity='tanh'`` or ``'relu'`` (NumPy twin of torch.nn.RNN)."""
    mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, bidirectional=False, *, rng=None, dtype=np.float64, **kwargs):
        _checks.check_options("RNN", nonlinearity=nonlinearity, unexpected=kwargs)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         rng=rng, dtype=dtype, nonlinearity=nonlinearity)
        self.nonlinearity = nonlinearity


class LSTM(Recurrent):
    """Long short-term memory, gate order i, f, g, o (NumPy twin of torch.nn.LSTM).

    ``proj_size=R > 0`` projects the state to R features, as torch.nn.LSTM does (``projection.py``).
    """
    mode = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, proj_size=0, *, rng=None, dtype=np.float64):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         proj_size=proj_size, rng=rng, dtype=dtype)


class GRU(Recurrent):
    """Gated recurrent unit, gate order r, z, n (NumPy twin of torch.nn.GRU).

    ``reset_after=True`` (default) is torch's variant, the reset gate applied after the hidden
    matmul; ``reset_after=False`` is the original of Cho et al. (2014), applied before it.
    """
    mode = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, *, reset_after=True, rng=None, dtype=np.float64, **kwargs):
        _checks.check_options("GRU", reset_after=reset_after, unexpected=kwargs)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, bidirectional,
                         rng=rng, dtype=dtype, reset_after=reset_after)
