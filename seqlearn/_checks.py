"""Input validation shared by both backends: clear errors naming what was expected and what came.

Works on anything with ``.shape`` (NumPy arrays and torch tensors), so neither backend
has to import the other. An input that does not fit raises ``InputError``, which is both a
``ValueError`` (Python's convention) and a ``RuntimeError`` (what torch.nn raises), so
``except RuntimeError`` written for torch.nn catches it too. Where torch.nn's own words differ
from ours, the message ends with them, ``(torch.nn: ...)``, so a search for torch's text finds it.
"""
import numbers

# cell options and their defaults (left out of a model's repr when unchanged)
OPTION_DEFAULTS = {"nonlinearity": "tanh", "reset_after": True, "variant": "vanilla"}


class InputError(ValueError, RuntimeError):
    """An input, state or gradient of the wrong shape, size, length, dtype or device."""


def _torch_says(message):
    return f" (torch.nn: {message})"


def check_input(shape, input_size, batch_first):
    """Validate an input shape; return True for a batched (3-D) input, False for unbatched (2-D).

    An empty batch (B = 0) is fine, as in torch.nn; an empty sequence (T = 0) is not.
    """
    layout = "(B, T, I)" if batch_first else "(T, B, I)"
    shape = tuple(shape)
    if len(shape) not in (2, 3):
        raise InputError(
            f"input must be 3-D {layout} or 2-D (T, I) for one unbatched sequence, "
            f"got a {len(shape)}-D input of shape {shape}")
    if shape[-1] != input_size:
        raise InputError(
            f"input has the wrong feature size: expected input_size={input_size}, "
            f"got {shape[-1]} (input shape {shape})" + _torch_says(
                f"input.size(-1) must be equal to input_size. Expected {input_size}, got {shape[-1]}"))
    steps = shape[1] if batch_first and len(shape) == 3 else shape[0]
    if steps == 0:
        raise InputError(f"input must have at least one time step, got shape {shape}"
                         + _torch_says("Expected sequence length to be larger than 0 in RNN"))
    return len(shape) == 3


def check_state(name, shape, expected, torch_name=None):
    """Raise unless ``shape`` equals ``expected`` (both tuples); torch_name: torch.nn's word for a state."""
    if tuple(shape) != tuple(expected):
        said = ""
        if torch_name is not None and len(shape) != len(expected):
            kind = "batched 3-D" if len(expected) == 3 else "unbatched 2-D"
            said = _torch_says(f"For {kind} input, hx should also be {len(expected)}-D "
                               f"but got {len(shape)}-D tensor")
        elif torch_name is not None:          # torch.nn: "Expected hidden size (2, 3, 7), got [1, 3, 7]"
            said = _torch_says(f"Expected {torch_name} size {tuple(expected)}, got {list(shape)}")
        raise InputError(f"{name} has the wrong shape: expected {tuple(expected)}, got {tuple(shape)}" + said)


def check_dtype(name, dtype, expected, convert="to"):
    """Raise unless ``dtype`` equals the model's dtype ``expected``; ``convert`` names the backend's method."""
    if dtype != expected:
        said = ""
        if name == "input" and convert == "to":
            said = _torch_says(f"RNN input dtype ({dtype}) does not match weight dtype ({expected}). Convert "
                               f"input: input.to({expected}), or convert model: model.to({dtype})")
        raise InputError(
            f"{name} has dtype {dtype} but the model's parameters are {expected}; convert one of them "
            f"so they match ({name}.{convert}({expected}) or model.{convert}({dtype}))" + said)


def check_lengths(lengths, seq_len, batch_size):
    """Validate per-sequence lengths (a list of ints) for a padded batch of ``seq_len`` steps."""
    if len(lengths) != batch_size:
        raise InputError(f"lengths must give one length per sequence: expected {batch_size}, got {len(lengths)}")
    bad = [n for n in lengths if not 1 <= n <= seq_len]
    if bad:
        raise InputError(f"lengths must lie in [1, {seq_len}] (the padded length), got {bad}")


def split_states(hx, num_state):
    """hx as a tuple of states: (h_0,) for the RNN and GRU, (h_0, c_0) for the LSTM, which must get a pair."""
    if num_state == 1:
        return (hx,)
    if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
        raise InputError(f"the LSTM's hx must be a pair (h_0, c_0), got {type(hx).__name__}")
    return tuple(hx)


def state_shape(num_states, batched, batch_size, size):
    """The expected shape of h_0 or c_0: (L*D, B, size), or (L*D, size) for unbatched input."""
    return (num_states, batch_size, size) if batched else (num_states, size)


def check_device(name, device, expected):
    """Raise unless a tensor's device is the parameters' device (torch backend)."""
    if device != expected:
        if name == "input":
            said = ("Input and parameter tensors are not at the same device, "
                    f"found input tensor at {device} and parameter tensor at {expected}")
        else:
            said = ("Input and hidden tensors are not at the same device, "
                    f"found input tensor at {expected} and hidden tensor at {device}")
        raise InputError(f"{name} is on {device} but the parameters are on {expected}; move one of them"
                         + _torch_says(said))


# ---- constructor arguments: the checks torch.nn.RNNBase makes, in its words, plus the value that came
def _integer(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be greater than zero, got {value}" if minimum else
                         f"{name} should be a positive integer or zero to disable projections, got {value}")
    return int(value)


def _flag(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} should be of type bool, got: {type(value).__name__} ({value!r})")
    return value


def check_arguments(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                    bidirectional=False, dropout=0.0, proj_size=0):
    """Validate a layer's constructor arguments; return them as a dict of plain ints, bools and a float.

    Sizes are integers (NumPy integers too, not bools), ``input_size``, ``hidden_size`` and
    ``num_layers`` at least 1, ``0 <= proj_size < hidden_size``, ``dropout`` a probability, and
    the switches real bools: ``bias=0`` is a TypeError, not a model without biases.
    """
    args = {"input_size": _integer("input_size", input_size), "hidden_size": _integer("hidden_size", hidden_size),
            "num_layers": _integer("num_layers", num_layers), "proj_size": _integer("proj_size", proj_size, 0),
            "bias": _flag("bias", bias), "batch_first": _flag("batch_first", batch_first),
            "bidirectional": _flag("bidirectional", bidirectional)}
    if args["proj_size"] >= args["hidden_size"]:
        raise ValueError(f"proj_size has to be smaller than hidden_size, got proj_size={proj_size} "
                         f"and hidden_size={hidden_size}")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                         f"element being zeroed, got {dropout!r}")
    return dict(args, dropout=float(dropout))


def check_options(kind, nonlinearity="tanh", reset_after=True, unexpected=()):
    """Validate the cell options and refuse keywords the constructor does not know (as torch.nn does)."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}" + _torch_says(
            f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."))
    _flag("reset_after", reset_after)
    if "proj_size" in unexpected:
        raise ValueError(f"proj_size argument is only supported for LSTM, not RNN or GRU (this is a {kind})")
    if unexpected:
        raise TypeError(f"{kind}.__init__() got an unexpected keyword argument {next(iter(unexpected))!r}")


def parameter_shapes(gates, input_size, hidden_size, num_layers, bidirectional, bias, proj_size=0):
    """torch.nn's parameters, in its order: a list per layer and direction of (name, shape) pairs.

    W_ih (G*H, in), W_hh (G*H, S), b_ih and b_hh (G*H,), and with proj_size = R > 0 W_hr (R, H),
    where S = R or H is the size of h and layer k > 0 reads D*S inputs.
    """
    GH, S, D = gates * hidden_size, proj_size or hidden_size, 2 if bidirectional else 1
    groups = []
    for layer in range(num_layers):
        in_size = input_size if layer == 0 else S * D
        for suffix in ["", "_reverse"][:D]:
            shapes = [("weight_ih", (GH, in_size)), ("weight_hh", (GH, S))]
            shapes += [("bias_ih", (GH,)), ("bias_hh", (GH,))] if bias else []
            shapes += [("weight_hr", (proj_size, hidden_size))] if proj_size else []
            groups.append([(f"{name}_l{layer}{suffix}", shape) for name, shape in shapes])
    return groups
