"""Recurrent networks as torch.nn.Modules written from the gate equations (CPU or CUDA).

``RNN``, ``LSTM`` and ``GRU`` take torch.nn's constructor arguments, carry its parameter names and
return what it returns, so ``load_state_dict`` works both ways with ``torch.nn.RNN/LSTM/GRU``.

``AdditiveAttention``, ``DotAttention`` and ``GeneralAttention`` (``attention``) are the attention of
Bahdanau et al. and Luong et al. with padding masks; the scaled dot and Luong's scores equal
``torch.nn.functional.scaled_dot_product_attention``.

Chapter 14's recurrences, whose gates do not read h_{t-1}: the linear recurrence h_t = a_t ⊙ h_{t-1} + b_t
solved by a loop, two parallel scans and in log space (``scan``), ``MinGRU`` and ``MinLSTM`` (Feng et al.
2024) trained through those scans, the ``LRU`` (Orvieto et al. 2023) as a recurrence and as a convolution,
and the ``SLSTM`` of xLSTM (Beck et al. 2024) with its stabilised exponential gates.

Coverage of torch.nn (details and tests: README, "Coverage of torch.nn"):

- covered: the constructor with torch.nn's checks (same exception types, its words in the messages),
  ``proj_size`` for the LSTM, ``device``/``dtype``; parameters, ``all_weights``, ``mode``, ``nonlinearity``,
  ``proj_size`` and the other attributes, ``repr``; time-major, ``batch_first``, unbatched and
  ``PackedSequence`` input, dropout between layers, empty batches, ``torch.autocast``; first-order
  gradients equal to torch.nn's, and higher orders (``create_graph``, Hessian-vector products,
  ``gradgradcheck``), ``torch.func``, forward-mode AD, checkpointing and weight norm.
- errors: a bad input, state, dtype or device raises ``InputError``, both a ValueError and a RuntimeError.
- not covered: cuDNN/oneDNN kernels and their flags (``flatten_parameters()`` does nothing), torch.nn's
  private ``_flat_weights`` machinery (``_flat_weights`` here is a read-only view) and its
  ``check_forward_args`` family, TorchScript, quantized RNNs; a whole saved module loads only with
  ``torch.load(..., weights_only=False)``, as torch.nn's own. ``bidirectional`` must be a bool.
"""
from .._checks import InputError
from .attention import AdditiveAttention, DotAttention, GeneralAttention, masked_softmax
from .gru import gru_step
from .layers import Recurrent
from .lru import LRU
from .lstm import lstm_step
from .minrnn import MinGRU, MinLSTM, MinRNN
from .models import GRU, LSTM, RNN
from .rnn import rnn_step
from .scan import linear_scan_doubling, linear_scan_log, linear_scan_loop, linear_scan_tree
from .slstm import SLSTM, slstm_step

__all__ = ["RNN", "LSTM", "GRU", "Recurrent", "InputError", "rnn_step", "lstm_step", "gru_step",
           "AdditiveAttention", "DotAttention", "GeneralAttention", "masked_softmax",
           "linear_scan_loop", "linear_scan_doubling", "linear_scan_tree", "linear_scan_log",
           "MinRNN", "MinGRU", "MinLSTM", "LRU", "SLSTM", "slstm_step"]
