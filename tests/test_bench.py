"""The benchmark harness and the LSTM variants of seqlearn.ladder: correctness and output format, never speed."""
import json
import math
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import seqlearn.torch as st
from seqlearn import bench, ladder
from seqlearn.bench import worker

T, B, I, H = 7, 3, 4, 5


def weights(model, suffix=""):
    return [getattr(model, f"{p}_l0{suffix}") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def max_grad_diff(fn, ref, x):
    """Largest difference of output and of gradients (input and parameters) between fn(x) and ref(x)."""
    expected = ref(x)[0]
    got = fn(x)
    grad = torch.randn_like(expected)
    leaves = [x] + list(ref.parameters())
    g_got = torch.autograd.grad(got, leaves, grad)
    g_exp = torch.autograd.grad(expected, leaves, grad)
    with torch.no_grad():
        return max([float((got - expected).abs().max())] + [float((a - b).abs().max()) for a, b in zip(g_got, g_exp)])


@pytest.mark.parametrize("name", list(ladder.RUNGS) + ["indexed", "scripted"])
def test_every_rung_is_torch_nn_lstm_in_float64(name):
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, dtype=torch.float64)
    fn = {"scripted": ladder.scripted(), "indexed": ladder.indexed}.get(name) or ladder.RUNGS[name]
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    assert max_grad_diff(lambda x: fn(x, *weights(ref)), ref, x) < 1e-12


def test_batched_directions_are_torch_nn_bilstm_in_float64():
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, bidirectional=True, dtype=torch.float64)
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    fn = lambda x: ladder.bidirectional_batched(x, weights(ref), weights(ref, "_reverse"))  # noqa: E731
    assert max_grad_diff(fn, ref, x) < 1e-12


@pytest.mark.parametrize("kind", list(bench.KINDS))
def test_flop_formula_counts_the_matrix_products_that_run(kind):
    """gemm_flops against torch's FLOP counter on seqlearn.torch, forward and forward+backward."""
    cell, L, bi = bench.KINDS[kind]
    model = getattr(st, cell)(I, H, L, bidirectional=bi)
    x = torch.randn(T, B, I, requires_grad=True)
    with FlopCounterMode(display=False) as forward:
        out = model(x)[0]
    with FlopCounterMode(display=False) as backward:
        out.sum().backward()
    assert forward.get_total_flops() == bench.gemm_flops(kind, (T, B, I, H), "forward")
    total = forward.get_total_flops() + backward.get_total_flops()
    assert total == bench.gemm_flops(kind, (T, B, I, H), "forward+backward")


def test_measure_interleaves_rounds_and_reports_median_ratios():
    """A fake clock: the candidate takes 2x the reference, except in one round disturbed 6x."""
    calls = []
    times = {"ref": iter([1.0] * 7), "cand": iter([2.0, 2.0] + [2.0, 2.0, 6.0, 2.0, 2.0])}

    def block(fn, n):
        calls.append(fn.__name__)
        return next(times[fn.__name__])

    def ref():
        pass

    def cand():
        pass

    stats = bench.measure({"torch.nn": ref, "cand": cand}, block, budget=0, min_rounds=5, max_rounds=5)
    timed = calls[4:]                             # after warm-up and sizing: one block per name per round
    assert len(timed) == 10 and all(set(timed[2 * r:2 * r + 2]) == {"ref", "cand"} for r in range(5))
    assert timed[0] != timed[2]                   # the order alternates between rounds
    assert stats["torch.nn"]["ratio"] == 1.0
    assert stats["cand"]["ratio"] == 2.0          # the median ignores the disturbed round; a mean would not
    assert stats["cand"]["ratio_q25"] == stats["cand"]["ratio_q75"] == 2.0
    assert stats["cand"]["rounds"] == 5 and stats["cand"]["median_s"] == 2.0


def test_measure_times_a_case_with_a_block_method_by_that_method():
    """A case in another process (the NumPy worker) times its own blocks; the others use ``block``."""
    class Remote:
        def __init__(self):
            self.blocks = []

        def block(self, n):
            self.blocks.append(n)
            return 3.0

    def ref():
        pass

    remote, local = Remote(), []
    stats = bench.measure({"torch.nn": ref, "remote": remote}, lambda fn, n: local.append(fn) or 1.0,
                          budget=0, min_rounds=4, max_rounds=4)
    assert len(remote.blocks) == 2 + 4 and local == [ref] * (2 + 4)    # warm-up, sizing, then the rounds
    assert stats["remote"]["ratio"] == 3.0 and stats["remote"]["median_s"] == 3.0


@pytest.mark.parametrize("mode", bench.MODES)
def test_the_numpy_worker_computes_what_seqlearn_numpy_computes_here(mode):
    model = bench.models("BiLSTM", (T, B, I, H), torch.float64, "cpu")["seqlearn.numpy"]
    rng = np.random.default_rng(0)
    x, grad = rng.standard_normal((T, B, I)), rng.standard_normal((T, B, 2 * H))
    with bench.NumpyWorker(threads=1) as worker:
        got = worker.setup(model, x, grad, mode).run()
        assert worker.block(2) > 0
    want = {"output": model(x)[0]}
    if mode == "forward+backward":
        want["grad_input"] = model.backward(grad)[0]
        want["grads"] = model.grads
        assert list(got["grads"]) == list(want["grads"])
    assert set(got) == set(want)
    for key in ("output", "grad_input"):
        if key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-14)
    for name, g in want.get("grads", {}).items():
        np.testing.assert_allclose(got["grads"][name], g, rtol=1e-12, atol=1e-14)


def test_settle_waits_while_a_thread_of_this_process_spins():
    """What keeps one process's spinning thread pool off the cores while the other process times a block."""
    stop = time.perf_counter() + 0.3

    def spin():
        while time.perf_counter() < stop:
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    start = time.perf_counter()
    worker.settle()
    waited = time.perf_counter() - start
    spinner.join()
    assert waited > 0.15
    start = time.perf_counter()
    worker.settle()                               # now quiet: one pause
    assert time.perf_counter() - start < 0.5


def test_the_numpy_worker_runs_without_torch_and_with_the_thread_count_asked_for():
    with bench.NumpyWorker(threads=1) as worker:
        info = worker.info
        with pytest.raises(RuntimeError, match="the NumPy worker failed"):    # its traceback comes back
            worker.ask("block", 1)                # no case set up yet
        assert worker.ask("info") == info         # and it carries on
    assert info["torch_imported"] is False and info["numpy"] == np.__version__
    assert info["threads_env"] == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert worker.process.returncode == 0         # it stopped when asked to
    pytest.importorskip("threadpoolctl")
    assert info["blas"] and all("(1 threads)" in pool for pool in info["blas"])


def test_quick_table_writes_markdown_json_and_plot(tmp_path):
    result = bench.main(["--quick", "--out", str(tmp_path), "--name", "t"])
    files = {p.name for p in tmp_path.iterdir()}
    assert files == {"t.md", "t.json", "t.png"}
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["meta"]["torch_threads"] >= 1 and data["meta"]["command"].startswith("python -m seqlearn.bench")
    assert data["meta"]["numpy_timing"].startswith("own process (torch not imported)")
    records = data["records"]
    assert len(records) == len(result["records"])
    cases = {(r["dtype"], r["kind"], r["mode"]) for r in records}
    assert cases == {(d, k, m) for d in ("float32", "float64") for k in bench.KINDS for m in bench.MODES}
    for r in records:
        assert math.isfinite(r["ratio"]) and r["ratio"] > 0 and r["median_s"] > 0
        assert r["ratio_q25"] <= r["ratio"] <= r["ratio_q75"]
        if r["impl"] == "torch.nn":
            assert r["ratio"] == 1.0
    impls = {(r["dtype"], r["impl"]) for r in records}
    assert impls == {("float32", "torch.nn"), ("float32", "seqlearn.torch"), ("float32", "seqlearn.numpy"),
                     ("float64", "torch.nn"), ("float64", "seqlearn.numpy")}
    md = (tmp_path / "t.md").read_text()
    assert "## cpu, float32, forward+backward" in md and "| tiny (5, 2, 3, 4) | BiLSTM |" in md
    assert "seqlearn.numpy's timing: own process (torch not imported)" in md and "inter-op" in md
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_the_command_times_seqlearn_numpy_in_its_own_process(tmp_path):
    """``python -m seqlearn.bench --quick`` end to end, as a user runs it."""
    subprocess.run([sys.executable, "-m", "seqlearn.bench", "--quick", "--threads", "2", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=600)
    meta = json.loads((tmp_path / "quick_cpu.json").read_text())["meta"]
    assert meta["numpy_timing"] == "own process (torch not imported), OPENBLAS/OMP/MKL_NUM_THREADS=2"
    assert meta["numpy_worker"]["torch_imported"] is False and meta["numpy_worker"]["blas"]
    assert "seqlearn.numpy's timing: own process" in (tmp_path / "quick_cpu.md").read_text()


def test_numpy_in_process_keeps_the_old_way(tmp_path):
    bench.main(["--quick", "--numpy-in-process", "--kinds", "RNN", "--dtypes", "float64", "--out", str(tmp_path),
                "--name", "p"])
    data = json.loads((tmp_path / "p.json").read_text())
    assert data["meta"]["numpy_timing"] == "in process" and "numpy_worker" not in data["meta"]
    assert {r["impl"] for r in data["records"]} == {"torch.nn", "seqlearn.numpy"}


def test_quick_ladder_runs_every_rung(tmp_path):
    bench.main(["--quick", "--ladder", "--out", str(tmp_path), "--name", "l"])
    data = json.loads((tmp_path / "l.json").read_text())
    lstm = {r["impl"] for r in data["records"] if r["kind"] == "LSTM"}
    assert set(ladder.RUNGS) | {"torch.nn", "layers.py loop", "seqlearn.torch", "TorchScript layer"} <= lstm
    bi = {r["impl"] for r in data["records"] if r["kind"] == "BiLSTM"}
    assert bi == {"torch.nn", "layers.py loop", "seqlearn.torch", "batched directions"}


def test_render_rewrites_markdown_from_json(tmp_path):
    bench.main(["--quick", "--kinds", "RNN", "--dtypes", "float32", "--out", str(tmp_path), "--name", "r"])
    before = (tmp_path / "r.md").read_text()
    (tmp_path / "r.md").unlink()
    bench.main(["--render", str(tmp_path / "r.json")])
    assert (tmp_path / "r.md").read_text() == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on machines without CUDA")
def test_cuda_request_without_cuda_is_skipped_cleanly(tmp_path, capsys):
    assert bench.main(["--device", "cuda", "--quick", "--out", str(tmp_path)]) is None
    assert "CUDA is not available" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")
def test_quick_cuda_run_turns_tf32_off(tmp_path):
    bench.main(["--device", "cuda", "--quick", "--out", str(tmp_path), "--name", "g"])
    data = json.loads((tmp_path / "g.json").read_text())
    precision = data["meta"]["fp32_precision"]
    assert "ieee" in json.dumps(precision) or precision.get("cudnn.allow_tf32") is False
    assert "numpy_timing" not in data["meta"]     # no NumPy on a GPU
    assert {"torch.nn", "seqlearn.torch", "seqlearn.torch+graph"} <= {r["impl"] for r in data["records"]}


# seqlearn.torch's fast path (b_hh folded into the projection, dW_hh in one product after the loop) in the
# cases the parity tests do not cover: packed input and frozen weights (its higher-order gradients are
# checked in test_higher_order.py).

@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_packed_backward_matches_torch_nn(kind):
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(I, H, num_layers=2, bidirectional=True, dtype=torch.float64)
    ours = getattr(st, kind)(I, H, num_layers=2, bidirectional=True, dtype=torch.float64)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    grads = []
    for model in (ref, ours):
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, [7, 2, 5], enforce_sorted=False)
        out = model(packed)[0].data
        grads.append(torch.autograd.grad((out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum(),
                                         [x] + list(model.parameters())))
    assert max(float((a - b).abs().max()) for a, b in zip(*grads)) < 1e-10


def test_frozen_recurrent_weight_gets_no_gradient_and_the_others_are_right():
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, dtype=torch.float64)
    ours = st.LSTM(I, H, dtype=torch.float64)
    ours.load_state_dict(ref.state_dict())
    for model in (ref, ours):
        model.weight_hh_l0.requires_grad_(False)
        model(torch.ones(T, B, I, dtype=torch.float64))[0].pow(2).sum().backward()
    assert ours.weight_hh_l0.grad is None
    for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
        assert float((getattr(ours, name).grad - getattr(ref, name).grad).abs().max()) < 1e-10


def test_a_run_writes_outside_the_package_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bench.main(["--quick", "--kinds", "RNN", "--dtypes", "float32", "--name", "d"])
    assert (tmp_path / "bench_results" / "d.json").exists()
    assert not (bench.RESULTS / "d.json").exists()


def test_ctrl_c_stops_the_benchmark_without_a_traceback(tmp_path):
    import signal
    # A terminal delivers Ctrl-C to a process that has not ignored SIGINT. A test run started in the
    # background (`cmd &` in a script, some CI runners) inherits SIGINT ignored, and Python then keeps
    # it ignored: give the child the terminal's default back.
    proc = subprocess.Popen([sys.executable, "-m", "seqlearn.bench", "--sizes", "medium", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Interrupt once the benchmark has printed its first result, so that the signal reaches
    # seqlearn.bench's own handler (a SIGINT during the interpreter's start-up would kill it, rc -2,
    # whatever the code does); a sleep of a fixed length raced with start-up on a loaded machine.
    first = proc.stdout.readline()
    assert first, f"the benchmark ended before printing a result: {proc.communicate()[1]}"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted: no results written" in err
    assert not list(tmp_path.iterdir())


def test_readme_targets_table_is_what_the_committed_runs_say():
    """benchmarks/README.md's targets table is the output of python -m seqlearn.bench.targets."""
    from seqlearn.bench import targets

    readme = (Path(__file__).resolve().parents[1] / "benchmarks" / "README.md").read_text()
    table = targets.markdown()
    assert len(table.splitlines()) == 2 + len(targets.TARGETS)
    assert table in readme, "re-run `python -m seqlearn.bench.targets` and paste its table into the README"


def test_targets_name_a_missing_case_clearly():
    from seqlearn.bench import targets

    run = {"meta": {"command": "python -m seqlearn.bench --kinds GRU"}, "records": []}
    with pytest.raises(ValueError, match="expected one record of seqlearn.torch LSTM forward medium float32"):
        targets.ratio(run, "seqlearn.torch", "LSTM", "forward", "medium")
