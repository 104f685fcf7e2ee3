"""Single-step cells from the raw input, forward and backward: what the chapters show one equation at a time.

A step function (``rnn_step``, ``lstm_step``, ``gru_step``) takes the input projection
gi = x_t W_ih^T + b_ih; these wrappers add that projection so a cell can be called with x_t itself.
"""
from .gru import gru_step, gru_step_backward
from .lstm import lstm_step, lstm_step_backward
from .rnn import rnn_step, rnn_step_backward

# mode -> (step, step_backward, number of gate blocks G, number of state tensors)
CELLS = {
    "RNN": (rnn_step, rnn_step_backward, 1, 1),
    "LSTM": (lstm_step, lstm_step_backward, 4, 2),
    "GRU": (gru_step, gru_step_backward, 3, 1),
}


def cell_forward(mode, x, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, **options):
    """One step of cell ``mode`` on x (B, I) and state (a tuple of (B, H) arrays); returns (new_state, cache).

    ``options`` go to the step: ``nonlinearity`` for the RNN, ``reset_after`` for the GRU.
    """
    step = CELLS[mode][0]
    gi = x @ weight_ih.T                          # (B, G*H)
    if bias_ih is not None:
        gi = gi + bias_ih
    new_state, cache = step(gi, tuple(state), weight_hh, bias_hh, **options)
    return new_state, (mode, x, weight_ih, weight_hh, bias_ih is not None, cache)


def cell_backward(dstate, cache):
    """Backward of ``cell_forward``: dstate holds dL/d(new state); returns (dx, dstate_prev, grads).

    ``grads`` is a dict with keys ``weight_ih``, ``weight_hh`` and, with biases, ``bias_ih``, ``bias_hh``.
    """
    mode, x, weight_ih, weight_hh, has_bias, step_cache = cache
    step_backward = CELLS[mode][1]
    dgi, dstate_prev, dW_hh, db_hh = step_backward(tuple(dstate), step_cache, weight_hh)
    grads = {"weight_ih": dgi.T @ x, "weight_hh": dW_hh}
    if has_bias:
        grads.update(bias_ih=dgi.sum(0), bias_hh=db_hh)
    return dgi @ weight_ih, dstate_prev, grads
