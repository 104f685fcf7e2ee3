"""The recurrent layer in NumPy: stacking, two directions, padded batches, and BPTT by hand.

One class serves all three cells; ``RNN``, ``LSTM`` and ``GRU`` (``models.py``) only choose the step.
Parameters carry torch.nn's names and shapes, so ``load_state_dict(torch_model.state_dict())`` works.
"""
import numpy as np

from .. import _checks
from . import fast
from .cells import CELLS
from .projection import lstm_proj_step, lstm_proj_step_backward


def _as_array(name, x, dtype):
    """x as a NumPy array. A CPU torch tensor of the model's dtype is accepted as a convenience; any
    other tensor gets an error that says a tensor came and how to convert it (NumPy cannot run on a GPU,
    and a float32 tensor must not be silently promoted)."""
    if hasattr(x, "detach") and hasattr(x, "device"):          # a torch.Tensor, without importing torch
        convert = f"x.detach().cpu().numpy().astype(np.{np.dtype(dtype).name})"
        if x.device.type != "cpu":
            raise _checks.InputError(f"{name} is a torch.Tensor on {x.device}; seqlearn.numpy computes on "
                                     f"the CPU in NumPy: pass {convert}")
        if str(x.dtype).removeprefix("torch.") != np.dtype(dtype).name:
            raise _checks.InputError(f"{name} is a torch.Tensor of dtype {x.dtype}, but the model's parameters "
                                     f"are {np.dtype(dtype).name}: pass {convert}, or convert the model with astype()")
        return x.detach().numpy()
    return np.asarray(x)


class Recurrent:
    """A multi-layer, optionally bidirectional recurrent network (the NumPy twin of torch.nn.RNNBase)."""

    mode = None

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 bidirectional=False, *, proj_size=0, rng=None, dtype=np.float64, **options):
        args = _checks.check_arguments(input_size, hidden_size, num_layers, bias, batch_first,
                                       bidirectional, proj_size=proj_size)
        self.step, self.step_backward, self.gates, self.num_state = CELLS[self.mode]
        if args["proj_size"]:                     # the LSTM with a projection: projection.py
            self.step, self.step_backward = lstm_proj_step, lstm_proj_step_backward
        self.input_size, self.hidden_size = args["input_size"], args["hidden_size"]
        self.num_layers, self.proj_size = args["num_layers"], args["proj_size"]
        self.bias, self.batch_first, self.bidirectional = args["bias"], args["batch_first"], args["bidirectional"]
        self.num_directions = 2 if self.bidirectional else 1
        self.options = options
        rng = np.random.default_rng(rng)
        k = 1.0 / np.sqrt(self.hidden_size)       # torch's init: U(-1/sqrt(H), 1/sqrt(H))
        self.params = {name: rng.uniform(-k, k, shape).astype(dtype) for name, shape in self._shapes()}
        self.grads = {}
        self._tape = None

    def _shapes(self):
        """Parameter names and shapes, in torch.nn's order."""
        for group in _checks.parameter_shapes(self.gates, self.input_size, self.hidden_size, self.num_layers,
                                              self.bidirectional, self.bias, self.proj_size):
            yield from group

    @property
    def dtype(self):
        return self.params["weight_ih_l0"].dtype

    def state_dict(self):
        """A dict of copies of the parameters, keyed and ordered like torch.nn's state_dict."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state):
        """Load arrays (or torch tensors) keyed like torch.nn; the model takes their dtype."""
        names = dict(self._shapes())
        if set(state) != set(names):
            raise ValueError(f"state_dict keys do not match: missing {sorted(set(names) - set(state))}, "
                             f"unexpected {sorted(set(state) - set(names))}")
        arrays = {k: (v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)).copy()
                  for k, v in state.items()}
        for name, shape in names.items():
            _checks.check_state(name, arrays[name].shape, shape)
        dtypes = {a.dtype for a in arrays.values()}
        if len(dtypes) != 1 or not np.issubdtype(dtypes.pop(), np.floating):
            raise ValueError(f"parameters must share one floating dtype, got {sorted(map(str, {a.dtype for a in arrays.values()}))}")
        self.params = {name: arrays[name] for name in names}

    def astype(self, dtype):
        """Convert the parameters to ``dtype`` (e.g. np.float32) in place; returns self."""
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}
        return self

    def __call__(self, x, hx=None, lengths=None):
        return self.forward(x, hx, lengths)

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in [("proj_size", self.proj_size), ("num_layers", self.num_layers),
                        ("bias", self.bias), ("batch_first", self.batch_first), ("bidirectional", self.bidirectional)]
                        if v != {"proj_size": 0, "num_layers": 1, "bias": True}.get(k, False))
        extra += "".join(f", {k}={v!r}" for k, v in self.options.items() if v != _checks.OPTION_DEFAULTS[k])
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"

    # ----------------------------------------------------------------------------------------------
    def forward(self, x, hx=None, lengths=None):
        """Run the network. x: (T, B, I), (B, T, I) with batch_first, or unbatched (T, I).

        hx: h_0 of shape (L*D, B, H) ((h_0, c_0) for the LSTM), zeros when None.
        lengths: per-sequence lengths of a padded batch (torch's pack -> nn -> pad semantics).
        Returns (output, h_n) ((output, (h_n, c_n)) for the LSTM); output is (T, B, D*H).
        With proj_size = R > 0 (LSTM), h_0, h_n and the output carry R features instead of H.
        """
        x = _as_array("input", x, self.dtype)
        _checks.check_dtype("input", x.dtype, self.dtype, convert="astype")
        batched = _checks.check_input(x.shape, self.input_size, self.batch_first)
        x = (x.transpose(1, 0, 2) if self.batch_first else x) if batched else x[:, None]
        T, B, _ = x.shape
        L, D = self.num_layers, self.num_directions
        mask = None
        if lengths is not None:
            lengths = [int(n) for n in np.atleast_1d(lengths)]
            _checks.check_lengths(lengths, T, B)
            mask = (np.arange(T)[:, None] < np.array(lengths)[None, :])[:, :, None]   # (T, B, 1)
        states = self._initial_state(hx, batched, B)
        final = [np.empty((L * D, B, size), self.dtype) for size in self._state_sizes()]
        self._tape = {"batched": batched, "mask": mask, "layers": []}
        inp = x
        for layer in range(L):
            outs, tapes = [], []
            for d in range(D):
                k = layer * D + d
                out, state, tape = self._run_direction(inp, tuple(s[k] for s in states),
                                                       self._names(layer, d), d == 1, mask)
                outs.append(out)
                tapes.append(tape)
                for s, f in zip(state, final):
                    f[k] = s
            self._tape["layers"].append((inp, tapes))
            inp = outs[0] if D == 1 else np.concatenate(outs, axis=2)
        output = (inp.transpose(1, 0, 2) if self.batch_first else inp) if batched else inp[:, 0]
        final = [f if batched else f[:, 0] for f in final]
        return output, (tuple(final) if self.num_state == 2 else final[0])

    def _names(self, layer, d):
        suffix = f"_l{layer}" + ("_reverse" if d else "")
        extra = ("weight_hr",) if self.proj_size else ()          # weights a step takes beyond W_hh, b_hh
        return [f"{p}{suffix}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") + extra]

    def _state_sizes(self):
        """Features of h (R with a projection, else H) and, for the LSTM, of c (H)."""
        return [self.proj_size or self.hidden_size, self.hidden_size][:self.num_state]

    def _initial_state(self, hx, batched, B):
        LD = self.num_layers * self.num_directions
        if hx is None:                            # one zero array serves h_0 and c_0 when they have one size
            zeros = {size: np.zeros((LD, B, size), self.dtype) for size in set(self._state_sizes())}
            return [zeros[size] for size in self._state_sizes()]
        hx = _checks.split_states(hx, self.num_state)
        states = []
        for name, torch_name, s, size in zip(["h_0", "c_0"], ["hidden[0]", "hidden[1]"] if self.num_state == 2
                                             else ["hidden"], hx, self._state_sizes()):
            s = _as_array(name, s, self.dtype)
            _checks.check_state(name, s.shape, _checks.state_shape(LD, batched, B, size), torch_name)
            _checks.check_dtype(name, s.dtype, self.dtype, convert="astype")
            states.append(s if batched else s[:, None])
        return states

    def _run_direction(self, inp, state, names, reverse, mask):
        """One layer, one direction over the whole sequence: returns (output (T, B, H), final state, tape)."""
        if fast.applies(self, inp, mask):         # the plain LSTM runs fast.py's loop: same numbers, fewer operations
            return fast.run_direction(self, inp, state, names, reverse)
        w_ih, w_hh, b_ih, b_hh, *extra = (self.params.get(n) for n in names)    # extra: [W_hr] or []
        gi = inp @ w_ih.T                         # (T, B, G*H): input projection for every step at once
        if b_ih is not None:
            gi += b_ih
        T = inp.shape[0]
        out = np.empty(inp.shape[:2] + state[0].shape[1:], self.dtype)
        caches = [None] * T
        for t in (reversed(range(T)) if reverse else range(T)):
            new, caches[t] = self.step(gi[t], state, w_hh, b_hh, *extra, **self.options)
            if mask is None:
                state, out[t] = new, new[0]
            else:                                 # past its length a sequence keeps its state, outputs 0
                state = tuple(np.where(mask[t], n, s) for n, s in zip(new, state))
                out[t] = np.where(mask[t], new[0], 0)
        return out, state, (names, reverse, caches)

    def saved_arrays(self):
        """The arrays the last ``forward`` keeps for ``backward`` (its tape), each block of memory once.

        Per layer the tape holds the layer's input and, per direction, every step's cache. A view
        (such as a slice of a larger array) keeps its whole parent alive, so the parent is listed.
        ``sum(a.nbytes for a in model.saved_arrays())`` is the memory that training adds to inference.
        """
        found = {}

        def walk(obj):
            if isinstance(obj, np.ndarray):
                owner = obj if obj.base is None else obj.base
                found[id(owner)] = owner
            elif isinstance(obj, (list, tuple)):
                for item in obj:
                    walk(item)
            elif isinstance(obj, dict):
                for item in obj.values():
                    walk(item)

        walk(self._tape)
        return list(found.values())

    # ----------------------------------------------------------------------------------------------
    def backward(self, grad_output, grad_hn=None):
        """Backpropagation through time for the last ``forward``.

        grad_output has the output's shape; grad_hn the shape of h_n ((dh_n, dc_n) for the LSTM).
        Returns (grad_input, grad_hx) and stores parameter gradients in ``self.grads``.
        """
        if self._tape is None:
            raise RuntimeError("backward() needs a forward() first")
        tape, mask = self._tape, self._tape["mask"]
        batched = tape["batched"]
        inp0 = tape["layers"][0][0]
        T, B, _ = inp0.shape
        L, D, H = self.num_layers, self.num_directions, self.proj_size or self.hidden_size
        g = np.asarray(grad_output, self.dtype)
        want = (T, B, D * H) if not self.batch_first else (B, T, D * H)
        _checks.check_state("grad_output", g.shape, want if batched else (T, D * H))
        g = (g.transpose(1, 0, 2) if self.batch_first else g) if batched else g[:, None]
        sizes = self._state_sizes()
        if grad_hn is None:
            dfinal = [np.zeros((L * D, B, size), self.dtype) for size in sizes]
        else:
            dfinal = [np.asarray(d, self.dtype) for d in (grad_hn if self.num_state == 2 else (grad_hn,))]
            for d, size in zip(dfinal, sizes):
                _checks.check_state("grad_hn", d.shape, _checks.state_shape(L * D, batched, B, size))
            dfinal = [d if batched else d[:, None] for d in dfinal]
        dinit = [np.empty((L * D, B, size), self.dtype) for size in sizes]
        self.grads = {}
        for layer in reversed(range(L)):
            inp, tapes = tape["layers"][layer]
            dinp = np.zeros_like(inp)
            for d, (names, reverse, caches) in enumerate(tapes):
                k = layer * D + d
                dstate = tuple(df[k] for df in dfinal)
                dinp_d, dstate = self._backward_direction(g[:, :, d * H:(d + 1) * H], dstate, inp, names,
                                                          reverse, caches, mask)
                dinp += dinp_d
                for s, di in zip(dstate, dinit):
                    di[k] = s
            g = dinp
        grad_input = (g.transpose(1, 0, 2) if self.batch_first else g) if batched else g[:, 0]
        dinit = [di if batched else di[:, 0] for di in dinit]
        self.grads = {name: self.grads[name] for name, _ in self._shapes()}
        return grad_input, (tuple(dinit) if self.num_state == 2 else dinit[0])

    def _backward_direction(self, dout, dstate, inp, names, reverse, caches, mask):
        """BPTT over one layer and direction: returns (dL/d input (T, B, In), dL/d initial state)."""
        if isinstance(caches, fast.Tape):         # the forward pass took fast.py's loop
            return fast.backward_direction(self, dout, dstate, inp, names, reverse, caches)
        w_ih, w_hh, b_ih, _, *extra = (self.params.get(n) for n in names)    # extra: [W_hr] or []
        T = inp.shape[0]
        dgi = np.empty((T,) + dout.shape[1:2] + (w_ih.shape[0],), self.dtype)
        dW_hh, db_hh, dextra = 0, 0, [0] * len(extra)
        for t in (range(T) if reverse else reversed(range(T))):
            dnew = (dstate[0] + dout[t],) + dstate[1:]          # h_t feeds both the output and step t+1
            if mask is not None:                  # a masked step passed its state through unchanged
                keep = tuple(np.where(mask[t], 0, s) for s in dstate)
                dnew = tuple(np.where(mask[t], s, 0) for s in dnew)
            dgi[t], dstate, dW, db, *dW_extra = self.step_backward(dnew, caches[t], w_hh, *extra)
            if mask is not None:
                dstate = tuple(s + k for s, k in zip(dstate, keep))
            dW_hh, db_hh = dW_hh + dW, db_hh + db
            dextra = [a + b for a, b in zip(dextra, dW_extra)]
        In, GH = inp.shape[2], w_ih.shape[0]
        self.grads[names[0]] = dgi.reshape(-1, GH).T @ inp.reshape(-1, In)   # sum_t dgi_t^T x_t
        self.grads[names[1]] = dW_hh                                         # sum_t da_t^T h_{t-1}
        if b_ih is not None:
            self.grads[names[2]] = dgi.sum((0, 1))
            self.grads[names[3]] = db_hh
        self.grads.update(zip(names[4:], dextra))                            # sum_t dr_t^T h_t for W_hr
        return dgi @ w_ih, dstate
