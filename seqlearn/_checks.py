"""Input validation shared by both backends: clear errors naming what was expected and what came.

Works on anything with ``.shape`` (NumPy arrays and torch tensors), so neither backend
has to import the other.
"""

# cell options and their defaults (left out of a model's repr when unchanged)
OPTION_DEFAULTS = {"nonlinearity": "tanh", "reset_after": True}


def check_input(shape, input_size, batch_first):
    """Validate an input shape; return True for a batched (3-D) input, False for unbatched (2-D)."""
    layout = "(B, T, I)" if batch_first else "(T, B, I)"
    shape = tuple(shape)
    if len(shape) not in (2, 3):
        raise ValueError(
            f"input must be 3-D {layout} or 2-D (T, I) for one unbatched sequence, "
            f"got a {len(shape)}-D input of shape {shape}")
    if shape[-1] != input_size:
        raise ValueError(
            f"input has the wrong feature size: expected input_size={input_size}, "
            f"got {shape[-1]} (input shape {shape})")
    if 0 in shape[:-1]:
        raise ValueError(f"input must have at least one time step and one sequence, got shape {shape}")
    return len(shape) == 3


def check_state(name, shape, expected):
    """Raise unless ``shape`` equals ``expected`` (both tuples)."""
    if tuple(shape) != tuple(expected):
        raise ValueError(f"{name} has the wrong shape: expected {tuple(expected)}, got {tuple(shape)}")


def check_dtype(name, dtype, expected):
    """Raise unless ``dtype`` equals the model's dtype ``expected``."""
    if dtype != expected:
        raise ValueError(
            f"{name} has dtype {dtype} but the model's parameters are {expected}; "
            f"convert one of them so they match")


def check_lengths(lengths, seq_len, batch_size):
    """Validate per-sequence lengths (a list of ints) for a padded batch of ``seq_len`` steps."""
    if len(lengths) != batch_size:
        raise ValueError(f"lengths must give one length per sequence: expected {batch_size}, got {len(lengths)}")
    bad = [n for n in lengths if not 1 <= n <= seq_len]
    if bad:
        raise ValueError(f"lengths must lie in [1, {seq_len}] (the padded length), got {bad}")


def state_shape(num_states, batched, batch_size, hidden_size):
    """The expected shape of h_0 (and c_0): (L*D, B, H), or (L*D, H) for unbatched input."""
    return (num_states, batch_size, hidden_size) if batched else (num_states, hidden_size)
