"""What a seqlearn.torch layer shares with torch.nn.RNNBase: arguments, parameters, attributes, repr.

The constructor checks its arguments as torch.nn does, registers the parameters under torch.nn's
names, in its order and shapes, and keeps the attributes a user of torch.nn touches: ``mode``,
``input_size`` ... ``proj_size``, ``all_weights``, ``flatten_parameters()``, ``reset_parameters()``.
How the layer runs is in ``layers.py``.
"""
import math
import warnings

import torch
from torch import nn

from .. import _checks


class RecurrentBase(nn.Module):
    """Parameters and attributes of a recurrent layer; ``layers.Recurrent`` adds the forward pass."""

    gates = None            # gate blocks G: 1 for the RNN, 4 for the LSTM, 3 for the GRU

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None, **options):
        super().__init__()
        args = _checks.check_arguments(input_size, hidden_size, num_layers, bias, batch_first,
                                       bidirectional, dropout, proj_size)
        if args["dropout"] > 0 and args["num_layers"] == 1:       # the same advice torch.nn gives
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        self.mode = mode                                          # 'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'
        self.input_size, self.hidden_size = args["input_size"], args["hidden_size"]
        self.num_layers, self.bias, self.batch_first = args["num_layers"], args["bias"], args["batch_first"]
        self.dropout, self.bidirectional = args["dropout"], args["bidirectional"]
        self.proj_size = args["proj_size"]
        self.num_directions = 2 if self.bidirectional else 1
        self.options = options
        self._all_weights = []                                    # parameter names per layer and direction
        for group in _checks.parameter_shapes(self.gates, self.input_size, self.hidden_size, self.num_layers,
                                              self.bidirectional, self.bias, self.proj_size):
            for name, shape in group:
                self.register_parameter(name, nn.Parameter(torch.empty(shape, device=device, dtype=dtype)))
            self._all_weights.append([name for name, _ in group])
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self.reset_parameters()

    def reset_parameters(self):
        """torch's initialisation: every parameter uniform in ±1/sqrt(hidden_size)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def flatten_parameters(self):
        """Accepted for compatibility with torch.nn (cuDNN weight packing); nothing to do here."""

    @property
    def all_weights(self):
        """The parameters as a list per layer and direction: [W_ih, W_hh, b_ih, b_hh(, W_hr)], as torch.nn."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        """torch.nn's flat list of weights (None for a deleted one); read live, so never out of date."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in [("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        # torch.nn's repr leaves the nonlinearity out; seqlearn's own options show when not the default
        options = {k: v for k, v in self.options.items() if k != "nonlinearity"}
        return s + "".join(f", {k}={v!r}" for k, v in options.items() if v != _checks.OPTION_DEFAULTS[k])

    def _weights(self, layer, d):
        """[W_ih, W_hh, b_ih, b_hh, W_hr] of one layer and direction, None for those it has not."""
        suffix = f"_l{layer}" + ("_reverse" if d else "")
        return [getattr(self, p + suffix, None) for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
