"""Recurrent networks in NumPy alone, with backpropagation through time written by hand.

``RNN``, ``LSTM`` and ``GRU`` mirror torch.nn's constructors and parameter names; the step
functions (``rnn_step``, ``lstm_step``, ``gru_step`` and their ``*_backward``) are the equations
of one time step, and ``cell_forward`` / ``cell_backward`` run one step from the raw input.
``Linear`` and ``cross_entropy`` are the readout and the loss, with their backward passes.
``LSTM(..., proj_size=R)`` projects the state as torch.nn.LSTM does (``lstm_proj_step``). Bad input
raises ``InputError``, a ValueError and a RuntimeError, as in seqlearn.torch.
``attention`` holds additive, dot and general attention with padding masks and their backward passes
(``*_attention`` and ``*_attention_backward``), the twins of ``seqlearn.torch.attention``.
Chapter 14's twins: the linear recurrence's four schedules and its backward pass (``scan``), minGRU and
minLSTM with their backward (``min_rnn_forward``/``min_rnn_backward``), the LRU as a recurrence and
as a convolution (``lru_*``, forward only), and the stabilised sLSTM with its BPTT (``slstm_*``).
"""
from .._checks import InputError
from .attention import (additive_attention, additive_attention_backward, dot_attention,
                        dot_attention_backward, general_attention, general_attention_backward,
                        masked_softmax, masked_softmax_backward)
from .cells import cell_backward, cell_forward
from .gru import gru_step, gru_step_backward
from .layers import Recurrent
from .lru import lru_convolution, lru_kernel, lru_params_eigenvalues, lru_recurrent
from .lstm import lstm_step, lstm_step_backward, sigmoid
from .minrnn import min_rnn_backward, min_rnn_forward
from .models import GRU, LSTM, RNN
from .projection import lstm_proj_step, lstm_proj_step_backward
from .readout import Linear, cross_entropy, log_softmax
from .rnn import rnn_step, rnn_step_backward
from .scan import (linear_scan_backward, linear_scan_doubling, linear_scan_log, linear_scan_log_backward,
                   linear_scan_loop, linear_scan_tree)
from .slstm import slstm_backward, slstm_forward, slstm_step, slstm_step_backward

__all__ = ["RNN", "LSTM", "GRU", "Recurrent", "InputError", "Linear", "cross_entropy", "log_softmax",
           "cell_forward", "cell_backward", "sigmoid",
           "rnn_step", "rnn_step_backward", "lstm_step", "lstm_step_backward",
           "lstm_proj_step", "lstm_proj_step_backward", "gru_step", "gru_step_backward",
           "dot_attention", "dot_attention_backward", "general_attention", "general_attention_backward",
           "additive_attention", "additive_attention_backward", "masked_softmax", "masked_softmax_backward",
           "linear_scan_loop", "linear_scan_doubling", "linear_scan_tree", "linear_scan_log",
           "linear_scan_backward", "linear_scan_log_backward", "min_rnn_forward", "min_rnn_backward",
           "lru_params_eigenvalues", "lru_kernel", "lru_recurrent", "lru_convolution",
           "slstm_step", "slstm_step_backward", "slstm_forward", "slstm_backward"]
