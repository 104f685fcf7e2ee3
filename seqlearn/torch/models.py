"""The three networks in PyTorch: which cell each one runs, with torch.nn's constructor arguments.

``Recurrent`` (``layers.py``) does the work; a subclass names its step and checks its options.
"""
from .. import _checks
from .gru import gru_step
from .layers import Recurrent
from .lstm import step as lstm_variant_step
from .lstm import unused_rows
from .rnn import rnn_step


class RNN(Recurrent):
    """Elman RNN with ``nonlinearity='tanh'`` or ``'relu'``, written from its equation (mirrors torch.nn.RNN)."""
    step, gates, num_state, additive = staticmethod(rnn_step), 1, 1, True

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _checks.check_options("RNN", nonlinearity=nonlinearity, unexpected=kwargs)
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype,
                         nonlinearity=nonlinearity)
        self.nonlinearity = nonlinearity


class LSTM(Recurrent):
    """LSTM written from its gate equations, gate order i, f, g, o (mirrors torch.nn.LSTM).

    ``proj_size=R > 0`` adds torch's projection (Sak et al. 2014): h_t = (o ⊙ tanh(c_t)) W_hr^T, R features.
    ``variant`` (not a torch.nn option): "vanilla" (default), or one of Greff et al.'s (2017) ablations
    "NIG", "NFG", "NOG", "NOAF", "CIFG" (``seqlearn.torch.lstm``).
    """
    step, gates, num_state, additive = staticmethod(lstm_variant_step), 4, 2, True

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None, *, variant="vanilla"):
        unused_rows(variant, 1)                   # checks the name
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype, variant=variant)

    def unused_parameters(self):
        """How many parameters the variant never reads (0 for "vanilla"): its dropped gate's rows."""
        rows = len(unused_rows(self.options["variant"], self.hidden_size))
        return sum(rows * (p.shape[1] if p.dim() == 2 else 1)
                   for name, p in self.named_parameters() if not name.startswith("weight_hr"))


class GRU(Recurrent):
    """GRU written from its gate equations, gate order r, z, n (mirrors torch.nn.GRU).

    ``reset_after=True`` (default) is torch's variant; ``reset_after=False`` the Cho et al. (2014) original.
    """
    step, gates, num_state = staticmethod(gru_step), 3, 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, *, reset_after=True, **kwargs):
        _checks.check_options("GRU", reset_after=reset_after, unexpected=kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, reset_after=reset_after)
