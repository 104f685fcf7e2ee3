"""The sLSTM cell of xLSTM in PyTorch (Beck et al. 2024): one head, a full recurrent matrix.

Its job: an LSTM whose input and forget gates are exponentials, so a strong new input can outweigh
everything stored so far; a normaliser state n keeps h in range and a stabiliser state m keeps the
exponentials from overflowing. Rows of weight_ih (4H, I), weight_hh (4H, H) and bias (4H,) stack the
gates in the order i, f, z, o.

    a = x_t W_ih^T + h_{t-1} W_hh^T + b,      ĩ, f̃, z̃, õ = split(a)
    z_t = tanh(z̃)   o_t = σ(õ)
    log f_t = f̃  (forget="exp", xLSTM's exponential gate)  or  log σ(f̃) = -softplus(-f̃)  (forget="sigmoid")
    naive:       i_t = exp(ĩ)                  f_t = exp(log f_t)
    stabilised:  m_t = max(log f_t + m_{t-1}, ĩ)
                 i'_t = exp(ĩ - m_t)           f'_t = exp(log f_t + m_{t-1} - m_t)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t      (f', i' when stabilised)
    n_t = f_t ⊙ n_{t-1} + i_t
    h_t = o_t ⊙ c_t / n_t

The stabiliser is a change of units, and h does not see it. If c_{t-1} = C_{t-1} e^{-m_{t-1}}, where C is
the naive cell state, then c_t = e^{-m_t} (e^{log f_t} C_{t-1} + e^{ĩ} z_t) = C_t e^{-m_t}, and n likewise.
With m_0 = 0 the two forms therefore agree at every step, and h_t = o_t ⊙ c_t / n_t is the same, because
the factor e^{-m_t} cancels in c_t / n_t. Any sequence m_t would do; the max keeps i', f' ≤ 1, so
nothing overflows, and one of them equals 1 in every unit. In exact arithmetic both forms give the same
h; in floating point the naive one overflows once ĩ passes about 88.7 (float32) or 709.8 (float64).
(xLSTM's code starts from m_1 = ĩ_1 when n_0 = 0; that gives the same h, too.)

Autograd differentiates through m as well; since h does not depend on m, that path adds zero, which is
why the hand-written backward pass of ``seqlearn.numpy.slstm`` may hold m constant.
"""
import math

import torch
import torch.nn.functional as nnf
from torch import nn

from .. import _checks

FORGETS = ("exp", "sigmoid")


def check_forget(forget):
    """Raise InputError unless ``forget`` names a forget gate: "exp" or "sigmoid"."""
    if forget not in FORGETS:
        raise _checks.InputError(f"forget must be 'exp' or 'sigmoid', got {forget!r}")


def slstm_step(gates, state, stabilised=True, forget="exp"):
    """One step. gates (B, 4H) are the pre-activations a, state = (h, c, n, m), each (B, H); returns the new state."""
    check_forget(forget)
    c, n, m = state[1:]                           # h_{t-1}, state[0], is already inside the gates
    a_i, a_f, a_z, a_o = gates.chunk(4, dim=1)    # ĩ, f̃, z̃, õ, each (B, H)
    z = torch.tanh(a_z)                           # z_t = tanh(z̃)
    o = torch.sigmoid(a_o)                        # o_t = σ(õ)
    # log f_t = f̃  or  log σ(f̃) = -softplus(-f̃)
    log_f = a_f if forget == "exp" else nnf.logsigmoid(a_f)
    if stabilised:
        # m_t = max(log f_t + m_{t-1}, ĩ)
        m_new = torch.maximum(log_f + m, a_i)
        # i'_t = exp(ĩ - m_t)
        i = torch.exp(a_i - m_new)
        # f'_t = exp(log f_t + m_{t-1} - m_t)
        f = torch.exp(log_f + m - m_new)
    else:
        m_new = m                                 # naive: m is carried along, unused
        i = torch.exp(a_i)                        # i_t = exp(ĩ)
        f = torch.exp(log_f)                      # f_t = exp(log f_t)
    # c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t
    c_new = f * c + i * z
    # n_t = f_t ⊙ n_{t-1} + i_t
    n_new = f * n + i
    # h_t = o_t ⊙ c_t / n_t
    h_new = o * c_new / n_new
    return h_new, c_new, n_new, m_new


class SLSTM(nn.Module):
    """One sLSTM head over a sequence: (T, B, I) in, (T, B, H) out and the final state (h, c, n, m).

    ``stabilised=False`` runs the naive exponentials (they overflow for large pre-activations);
    ``forget="sigmoid"`` uses a sigmoid forget gate in place of xLSTM's exponential one.
    """

    def __init__(self, input_size, hidden_size, *, batch_first=False, stabilised=True, forget="exp",
                 dtype=None, device=None):
        super().__init__()
        args = _checks.check_arguments(input_size, hidden_size, batch_first=batch_first)
        if not isinstance(stabilised, bool):
            raise TypeError(f"stabilised should be of type bool, got: {type(stabilised).__name__}")
        check_forget(forget)
        self.input_size, self.hidden_size = args["input_size"], args["hidden_size"]
        self.batch_first, self.stabilised, self.forget = batch_first, stabilised, forget
        H, kw = self.hidden_size, {"dtype": dtype, "device": device}
        self.weight_ih = nn.Parameter(torch.empty(4 * H, self.input_size, **kw))   # W_ih  (4H, I)
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H, **kw))                 # W_hh  (4H, H)
        self.bias = nn.Parameter(torch.empty(4 * H, **kw))                         # b     (4H,)
        self.reset_parameters()

    def reset_parameters(self):
        """torch.nn's initialisation for recurrent layers: every parameter uniform in ±1/sqrt(hidden_size)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def forward(self, x, state=None):
        """x (T, B, I), (B, T, I) with batch_first, or one sequence (T, I); state (h_0, c_0, n_0, m_0), each
        (B, H) ((H,) for one sequence), zeros when None. Returns (output, (h, c, n, m)), output (T, B, H)."""
        _checks.check_dtype("input", x.dtype, self.weight_ih.dtype)
        _checks.check_device("input", x.device, self.weight_ih.device)
        batched = _checks.check_input(x.shape, self.input_size, self.batch_first)
        x = (x.transpose(0, 1) if self.batch_first else x) if batched else x.unsqueeze(1)   # (T, B, I)
        state = self._initial_state(state, batched, x)
        gx = nnf.linear(x, self.weight_ih, self.bias)               # (T, B, 4H)  x_t W_ih^T + b, all steps
        outputs = []
        for t in range(x.shape[0]):
            gates = gx[t] + state[0] @ self.weight_hh.T             # (B, 4H)  a = ... + h_{t-1} W_hh^T
            state = slstm_step(gates, state, self.stabilised, self.forget)
            outputs.append(state[0])
        output = torch.stack(outputs)                               # (T, B, H)
        if not batched:
            return output.squeeze(1), tuple(s.squeeze(0) for s in state)
        return (output.transpose(0, 1) if self.batch_first else output), state

    def _initial_state(self, state, batched, x):
        """(h_0, c_0, n_0, m_0) as (B, H) tensors, checked; zeros when None."""
        B, H = x.shape[1], self.hidden_size
        if state is None:
            zeros = x.new_zeros(B, H)
            return zeros, zeros, zeros, zeros
        if not (isinstance(state, (tuple, list)) and len(state) == 4):
            raise _checks.InputError("the sLSTM's state must be a tuple (h_0, c_0, n_0, m_0), got "
                                     + (f"{len(state)} tensors" if isinstance(state, (tuple, list))
                                        else type(state).__name__))
        for name, s in zip(["h_0", "c_0", "n_0", "m_0"], state):
            _checks.check_state(name, s.shape, (B, H) if batched else (H,))
            _checks.check_dtype(name, s.dtype, x.dtype)
            _checks.check_device(name, s.device, x.device)
        return tuple(s if batched else s.unsqueeze(0) for s in state)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in [("batch_first", False), ("stabilised", True), ("forget", "exp")]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)!r}"
        return s
