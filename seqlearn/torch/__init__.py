"""Recurrent networks as torch.nn.Modules written from the gate equations (CPU or CUDA).

``RNN``, ``LSTM`` and ``GRU`` take torch.nn's constructor arguments, carry its parameter names and
return what it returns, so ``load_state_dict`` works both ways with ``torch.nn.RNN/LSTM/GRU``.
"""
from .._checks import InputError
from .gru import gru_step
from .layers import GRU, LSTM, RNN, Recurrent
from .lstm import lstm_step
from .rnn import rnn_step

__all__ = ["RNN", "LSTM", "GRU", "Recurrent", "InputError", "rnn_step", "lstm_step", "gru_step"]
