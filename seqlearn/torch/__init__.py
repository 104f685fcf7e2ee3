"""Recurrent networks as torch.nn.Modules written from the gate equations (CPU or CUDA).

``RNN``, ``LSTM`` and ``GRU`` take torch.nn's constructor arguments, carry its parameter names and
return what it returns, so ``load_state_dict`` works both ways with ``torch.nn.RNN/LSTM/GRU``.

``AdditiveAttention``, ``DotAttention`` and ``GeneralAttention`` (``attention``) are the attention of
Bahdanau et al. and Luong et al. with padding masks; the scaled dot and Luong's scores equal
``torch.nn.functional.scaled_dot_product_attention``.

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
from .lstm import lstm_step
from .models import GRU, LSTM, RNN
from .rnn import rnn_step

__all__ = ["RNN", "LSTM", "GRU", "Recurrent", "InputError", "rnn_step", "lstm_step", "gru_step",
           "AdditiveAttention", "DotAttention", "GeneralAttention", "masked_softmax"]
