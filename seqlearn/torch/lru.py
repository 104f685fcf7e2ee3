"""The Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks for Long
Sequences"), the simplest state-space model. Its job: mix a sequence through a stable, complex,
diagonal linear recurrence, so the same map is both a recurrence and a causal convolution.

With state size N, input size I and output size O:

    λ_j = exp(-exp(ν_j) + i exp(θ_j))        |λ_j| = exp(-exp(ν_j)) < 1: stable by construction
    γ_j = exp(gamma_log_j)                   initialised to sqrt(1 - |λ_j|²), then learned
    x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t),   x_0 = 0,   B = B_re + i B_im   (N, I)
    y_t = Re(C x_t) + D u_t,                      C = C_re + i C_im   (O, N),   D real (O, I)

Unrolling the recurrence gives the convolution (the duality of S4, Gu et al. 2022):

    y_t = Σ_{k=0..t} K_k u_{t-k} + D u_t,   K_k = Re(C diag(λ^k ⊙ γ) B)   (O, I)

``forward`` computes y three ways, equal up to rounding: "recurrent" (``seqlearn.torch.scan``'s
loop, the reference), "scan" (its doubling scan, log2 T levels, with a_t = λ at every step) and
"convolution" (the kernel, applied with the FFT).

Initialisation, as in the paper's Appendix A: |λ|² uniform in [r_min², r_max²] (so λ is uniform on
the ring r_min ≤ |λ| ≤ r_max), phase exp(θ) uniform in [0, max_phase]; B_re, B_im ~ N(0, 1/(2I)),
C_re, C_im ~ N(0, 1/N). The paper's D is a diagonal with N(0, 1) entries; ours is a full (O, I)
matrix, so we draw D ~ N(0, 1/I), which gives D u the same scale.
"""
import math
import numbers

import torch
from torch import nn

from .._checks import InputError, _flag, _integer, check_device, check_dtype, check_input, check_state
from .scan import linear_scan_doubling, linear_scan_loop

MODES = ("recurrent", "scan", "convolution")
_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}


class LRU(nn.Module):
    """A Linear Recurrent Unit: u (B, T, I) -> y (B, T, O), or (T, B, ·) with batch_first=False."""

    def __init__(self, input_size, state_size, output_size=None, *, r_min=0.0, r_max=1.0,
                 max_phase=2 * math.pi, batch_first=True, dtype=None, device=None, generator=None):
        super().__init__()
        self.input_size = _integer("input_size", input_size)
        self.state_size = _integer("state_size", state_size)
        self.output_size = self.input_size if output_size is None else _integer("output_size", output_size)
        self.batch_first = _flag("batch_first", batch_first)
        if not all(isinstance(v, numbers.Real) for v in (r_min, r_max, max_phase)):
            raise InputError(f"r_min, r_max and max_phase must be real numbers, "
                             f"got {r_min!r}, {r_max!r} and {max_phase!r}")
        if not (0 <= r_min <= r_max <= 1 and r_min < 1 and r_max > 0):
            raise InputError("the ring of eigenvalues needs 0 <= r_min <= r_max <= 1, r_min < 1 and "
                             "r_max > 0 (a radius of exactly 0 or 1 everywhere makes ν infinite), "
                             f"got r_min={r_min} and r_max={r_max}")
        if not 0 <= max_phase < math.inf:
            raise InputError(f"max_phase must be a finite number >= 0, got {max_phase}")
        dtype = torch.get_default_dtype() if dtype is None else dtype
        if dtype not in _COMPLEX:
            raise InputError(f"the LRU needs dtype torch.float32 or torch.float64, got {dtype}")
        self.r_min, self.r_max, self.max_phase = float(r_min), float(r_max), float(max_phase)
        N, I, O = self.state_size, self.input_size, self.output_size

        # drawn in float64 on the generator's device, then cast (float32 would round |λ| near 1 to 1)
        def draw(sample, *shape):
            where = generator.device if generator is not None else "cpu"
            return sample(*shape, generator=generator, dtype=torch.float64, device=where)

        u1, u2 = draw(torch.rand, N), draw(torch.rand, N)
        # |λ|² = u1 (r_max² - r_min²) + r_min²,   ν = log(-log|λ|)   (so |λ| = exp(-exp(ν)))
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2))
        # arg λ = exp(θ) = max_phase · u2
        theta_log = torch.log(max_phase * u2)
        # log γ = log sqrt(1 - |λ|²) = ½ log(1 - exp(-2 exp(ν)))
        gamma_log = 0.5 * torch.log(-torch.expm1(-2 * torch.exp(nu_log)))
        values = {"nu_log": nu_log, "theta_log": theta_log, "gamma_log": gamma_log,
                  "B_re": draw(torch.randn, N, I) / math.sqrt(2 * I),
                  "B_im": draw(torch.randn, N, I) / math.sqrt(2 * I),
                  "C_re": draw(torch.randn, O, N) / math.sqrt(N),
                  "C_im": draw(torch.randn, O, N) / math.sqrt(N),
                  "D": draw(torch.randn, O, I) / math.sqrt(I)}
        for name, value in values.items():
            self.register_parameter(name, nn.Parameter(value.to(device=device, dtype=dtype)))

    def extra_repr(self):
        return (f"{self.input_size}, {self.state_size}, {self.output_size}, r_min={self.r_min}, "
                f"r_max={self.r_max}, max_phase={self.max_phase:.4g}, batch_first={self.batch_first}")

    def _log_eigenvalues(self):
        # log λ = -exp(ν) + i exp(θ)   (N,) complex, so λ^k = exp(k log λ)
        return torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log))

    def eigenvalues(self):
        """The diagonal of the state matrix, λ (N,) complex, each |λ_j| < 1."""
        return torch.exp(self._log_eigenvalues())

    def kernel(self, T):
        """The convolution kernel K_k = Re(C diag(λ^k ⊙ γ) B) for k = 0..T-1, real (T, O, I)."""
        if isinstance(T, bool) or not isinstance(T, numbers.Integral) or T < 1:
            raise InputError(f"the kernel length T must be a positive integer, got {T!r}")
        k = torch.arange(T, device=self.nu_log.device, dtype=self.nu_log.dtype)
        powers = torch.exp(k[:, None] * self._log_eigenvalues())               # (T, N)  λ^k
        scaled = powers * torch.exp(self.gamma_log)                             # (T, N)  λ^k ⊙ γ
        B = torch.complex(self.B_re, self.B_im)                                 # (N, I)
        C = torch.complex(self.C_re, self.C_im)                                 # (O, N)
        return torch.einsum("on,tn,ni->toi", C, scaled, B).real                 # (T, O, I)

    def _check(self, u, name="input", dim=3):
        """Refuse all but a (B, T, I) (dim=3) or (B, I) (dim=2) tensor of our dtype, on our device."""
        if not torch.is_tensor(u) or u.dim() != dim:
            layout = ("(B, T, I)" if self.batch_first else "(T, B, I)") if dim == 3 else "(B, I)"
            got = (f"a {u.dim()}-D tensor of shape {tuple(u.shape)}" if torch.is_tensor(u)
                   else type(u).__name__)
            raise InputError(f"{name} must be a {dim}-D tensor {layout}, got {got}")
        if dim == 3:
            check_input(u.shape, self.input_size, self.batch_first)
        elif u.shape[-1] != self.input_size:
            raise InputError(f"{name} has the wrong feature size: expected input_size={self.input_size}, "
                             f"got {u.shape[-1]} (shape {tuple(u.shape)})")
        check_dtype(name, u.dtype, self.nu_log.dtype)
        check_device(name, u.device, self.nu_log.device)

    def _inputs(self, u):
        """b_t = γ ⊙ (B u_t): u (..., I) real -> (..., N) complex."""
        Bu = torch.complex(u @ self.B_re.T, u @ self.B_im.T)                    # (..., N)  B u
        return torch.exp(self.gamma_log) * Bu

    def _readout(self, x, u):
        """y_t = Re(C x_t) + D u_t: x (..., N) complex, u (..., I) -> (..., O) real."""
        C = torch.complex(self.C_re, self.C_im)                                 # (O, N)
        return (x @ C.T).real + u @ self.D.T

    def forward(self, u, mode="recurrent"):
        """y (B, T, O) from u (B, T, I) (time first with batch_first=False), by one of MODES."""
        if mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        self._check(u)
        u = u if self.batch_first else u.transpose(0, 1)                       # (B, T, I)
        T = u.shape[1]
        if mode == "convolution" and len(u) > 0:                                # (MKL's FFT refuses B = 0)
            # y_t = Σ_{k=0..t} K_k u_{t-k}: zero-padded to 2T, the FFT's circular convolution is causal
            K = torch.fft.rfft(self.kernel(T), n=2 * T, dim=0)                 # (T+1, O, I)
            U = torch.fft.rfft(u, n=2 * T, dim=1)                               # (B, T+1, I)
            y = torch.fft.irfft(torch.einsum("foi,bfi->bfo", K, U), n=2 * T, dim=1)[:, :T]
            y = y + u @ self.D.T                                                # (B, T, O)  + D u_t
        else:
            b = self._inputs(u)                                                 # (B, T, N)
            x = self._recurrence(b) if mode == "recurrent" else self._scan(b)   # (B, T, N)
            y = self._readout(x, u)                                             # (B, T, O)
        return y if self.batch_first else y.transpose(0, 1)

    def _recurrence(self, b):
        """The reference: x_t = λ ⊙ x_{t-1} + b_t, one step at a time. b (B, T, N) -> x (B, T, N)."""
        return self._solve(linear_scan_loop, b)

    def _scan(self, b):
        """The same recurrence by Hillis and Steele's doubling scan, ceil(log2 T) levels.

        It is ``seqlearn.torch.scan``'s scan, the one minGRU uses, with a_t = λ at every step.
        """
        return self._solve(linear_scan_doubling, b)

    def _solve(self, scan, b):
        b = b.transpose(0, 1)                                                  # (T, B, N), time first
        a = self.eigenvalues().expand_as(b)                                     # a_t = λ for every t
        return scan(a, b).transpose(0, 1)                                       # (B, T, N)

    def final_state(self, u):
        """The last state x_T = Σ_{t=1..T} λ^{T-t} b_t, complex (B, N), to continue with ``step``."""
        self._check(u)
        u = u if self.batch_first else u.transpose(0, 1)                       # (B, T, I)
        T = u.shape[1]
        k = torch.arange(T - 1, -1, -1, device=u.device, dtype=u.dtype)         # T-t for t = 1..T
        powers = torch.exp(k[:, None] * self._log_eigenvalues())                # (T, N)  λ^{T-t}
        return torch.einsum("tn,btn->bn", powers, self._inputs(u))

    def step(self, u_t, x_prev=None):
        """One step of streaming inference: u_t (B, I), x_prev (B, N) complex or None (zeros) -> y_t, x_t."""
        self._check(u_t, "u_t", dim=2)
        cdtype = _COMPLEX[self.nu_log.dtype]
        if x_prev is None:
            x_prev = torch.zeros(u_t.shape[0], self.state_size, dtype=cdtype, device=u_t.device)
        if not torch.is_tensor(x_prev) or x_prev.dtype != cdtype:
            got = x_prev.dtype if torch.is_tensor(x_prev) else type(x_prev).__name__
            raise InputError(f"x_prev must be a {cdtype} tensor (the state of this model), got {got}")
        check_state("x_prev", x_prev.shape, (u_t.shape[0], self.state_size))
        check_device("x_prev", x_prev.device, self.nu_log.device)
        # x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t)
        x_t = self.eigenvalues() * x_prev + self._inputs(u_t)
        # y_t = Re(C x_t) + D u_t
        return self._readout(x_t, u_t), x_t
