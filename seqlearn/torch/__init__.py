"""Recurrent networks as torch.nn.Modules written from the gate equations (CPU or CUDA).

``RNN``, ``LSTM`` and ``GRU`` take torch.nn's constructor arguments, carry its parameter names and
return what it returns, so ``load_state_dict`` works both ways with ``torch.nn.RNN/LSTM/GRU``.
"""
from .gru import gru_step
from .layers import GRU, LSTM, RNN, Recurrent
from .lstm import lstm_step
from .rnn import rnn_step

__all__ = ["RNN", "LSTM", "GRU", "Recurrent", "rnn_step", "lstm_step", "gru_step"]
