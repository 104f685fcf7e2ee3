"""seqlearn.numpy timed in a process of its own, as a NumPy user runs it: no torch, BLAS threads set at start.

With torch and NumPy in one process, torch's OpenMP workers and NumPy's OpenBLAS workers are two thread
pools on the same cores, which a NumPy user's process does not have. ``NumpyWorker`` starts
``python -m seqlearn.bench.worker``, which never imports torch and gets its BLAS thread count from
OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS, read when NumPy loads. The two processes
talk over the worker's stdin and stdout with pickle; the parent waits on the pipe while the worker
times a block, and the worker waits while the parent times torch's.

A thread pool keeps spinning for a while after its last task (OpenBLAS's workers for about 2^28 cycles,
0.1 s; torch's OpenMP workers for less), and a block that starts meanwhile in the other process loses a
core to it (on 2 cores, torch.nn's small LSTM took twice as long right after a NumPy block). So each side
waits until its own process is quiet (``settle``) before the other side's block starts; the waits are
not timed. Messages, each answered by a reply:

    ("setup", spec, state, x, grad, mode, clock)  build seqlearn.numpy.<cell>(**spec), load the state -> "ok"
    ("block", n)                                   seconds per call, over n calls (then it settles)
    ("run",)                                       one call's output (and grads, for forward+backward)
    ("info",)                                      {"torch_imported", "blas", "numpy", "threads_env"}
    ("quit",)                                      no reply; the worker exits (so it does at end of input)

This module imports only NumPy and seqlearn.numpy, since the worker runs it; ``harness`` uses its
``call`` and ``cpu_timer`` too, so that both sides are timed by the same loop.
"""
import os
import pickle
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from .. import numpy as snp

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def call(model, x, grad, mode):
    """A no-argument function that runs a seqlearn.numpy model once on the array x: forward, or forward
    and the backward pass of the fixed output gradient ``grad``."""
    if mode == "forward":
        return lambda: model(x)

    def run():
        model(x)
        model.backward(grad)
    return run


def cpu_timer(clock="wall"):
    """block(fn, n) -> seconds per call of fn over n calls: wall-clock time, or this process's CPU time."""
    now = time.perf_counter if clock == "wall" else time.process_time

    def block(fn, n):
        start = now()
        for _ in range(n):
            fn()
        return (now() - start) / n
    return block


def settle(step=0.01, limit=1.0):
    """Wait until this process's threads have stopped spinning: its CPU time, summed over its threads,
    grows by less than a quarter of a pause of ``step`` seconds (at most ``limit`` seconds in all). The
    pause is long because the CPU time of threads other than the caller grows in scheduler ticks (4 ms on
    the book's Linux machine)."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        cpu = time.process_time()
        time.sleep(step)
        if time.process_time() - cpu < step / 4:
            return


def blas_threads():
    """The BLAS and OpenMP thread pools loaded in this process, as threadpoolctl reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed; " + ", ".join(f"{v}={os.environ.get(v, 'unset')}"
                                                            for v in THREAD_VARIABLES)]
    return [f"{d['internal_api']} {d.get('version') or d['prefix']} ({d['num_threads']} threads)"
            for d in threadpool_info()]


class NumpyWorker:
    """The worker process, as a context manager; ``setup`` gives it a case, ``block`` times it there.

        with NumpyWorker(threads=2) as worker:
            worker.setup(model, x, grad, "forward")   # a seqlearn.numpy model, NumPy arrays
            worker.block(10)                          # seconds per call, timed in the worker

    ``info`` holds the worker's report on itself; entering fails if the worker has imported torch.
    """

    def __init__(self, threads):
        self.threads = threads
        self.timing = f"own process (torch not imported), OPENBLAS/OMP/MKL_NUM_THREADS={threads}"

    def __enter__(self):
        env = dict(os.environ, **{v: str(self.threads) for v in THREAD_VARIABLES})
        # cwd: the folder that holds this seqlearn, which ``-m`` puts first on the worker's sys.path
        self.process = subprocess.Popen([sys.executable, "-m", "seqlearn.bench.worker"], env=env,
                                        cwd=Path(__file__).resolve().parents[2],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            self.info = self.ask("info")
            if self.info["torch_imported"]:
                raise RuntimeError("the NumPy worker imported torch, so it would time what it should avoid")
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, error, *_):
        if error is None:
            self._send(("quit",))
        else:                                     # it may be in the middle of a block: no reason to wait
            self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()

    def _send(self, message):
        pickle.dump(message, self.process.stdin)
        self.process.stdin.flush()

    def ask(self, *message):
        """Send one message and return the worker's answer; its error becomes a RuntimeError here."""
        self._send(message)
        try:
            status, value = pickle.load(self.process.stdout)
        except EOFError:
            raise RuntimeError(f"the NumPy worker stopped (exit code {self.process.wait()})") from None
        if status == "error":
            raise RuntimeError(f"the NumPy worker failed:\n{value}")
        return value

    def setup(self, model, x, grad, mode, clock="wall"):
        """Make the worker build a copy of ``model`` (seqlearn.numpy RNN, LSTM or GRU, without projection)
        and the call of ``call``; return self, whose ``block(n)`` then times that case."""
        spec = dict(cell=model.mode, input_size=model.input_size, hidden_size=model.hidden_size,
                    num_layers=model.num_layers, bias=model.bias, batch_first=model.batch_first,
                    bidirectional=model.bidirectional, **model.options)
        self.ask("setup", spec, model.state_dict(), np.asarray(x), np.asarray(grad), mode, clock)
        return self

    def block(self, n):
        settle()                                  # torch's pool in this process first goes quiet
        return self.ask("block", n)

    def run(self):
        return self.ask("run")


# ------------------------------------------------------------------------------------------------
# The worker's side

class _Case:
    """What a "setup" message asks for: the model with the given weights, its call and its clock."""

    def __init__(self, spec, state, x, grad, mode, clock):
        spec = dict(spec)
        self.model = getattr(snp, spec.pop("cell"))(**spec)
        self.model.load_state_dict(state)
        self.x, self.grad, self.mode = x, grad, mode
        self.fn, self.timer = call(self.model, x, grad, mode), cpu_timer(clock)

    def block(self, n):
        seconds = self.timer(self.fn, n)
        settle()                                  # NumPy's BLAS threads go quiet before the parent's next block
        return seconds

    def run(self):
        out = {"output": self.model(self.x)[0]}
        if self.mode != "forward":
            out["grad_input"] = self.model.backward(self.grad)[0]
            out["grads"] = dict(self.model.grads)
        return out


def _info():
    return {"torch_imported": "torch" in sys.modules, "blas": blas_threads(), "numpy": np.__version__,
            "threads_env": {v: os.environ.get(v) for v in THREAD_VARIABLES}}


def serve(inp, out):
    """Answer messages from ``inp`` on ``out`` (binary files) until ("quit",) or the end of the input."""
    case = None
    while True:
        try:
            op, *args = pickle.load(inp)
        except EOFError:
            return
        if op == "quit":
            return
        try:
            if op == "setup":
                case, value = _Case(*args), "ok"
            elif op == "info":
                value = _info()
            else:                                 # "block" or "run"
                value = getattr(case, op)(*args)
            reply = ("ok", value)
        except Exception:
            reply = ("error", traceback.format_exc())
        pickle.dump(reply, out)
        out.flush()


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches this process too; the parent stops it, so it ignores the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The pipe to the parent is a copy of fd 1; fd 1 itself then goes to stderr, so that nothing
    # printed here (by Python or a C library) can corrupt the pickled replies.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, replies)
