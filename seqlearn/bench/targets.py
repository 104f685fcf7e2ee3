"""The project's speed targets next to the committed runs: ``python -m seqlearn.bench.targets``.

Prints the markdown table of ``benchmarks/README.md`` ("Targets") from the four committed CPU tables
(one and two threads, each run twice); ``tests/test_bench.py`` checks that the README shows what the
committed files say. Targets are ratios to torch.nn, float32; a row names one or two sizes, and its
cells give the ratio at each, separated by " / ".
"""
import json
from pathlib import Path

from .cases import RESULTS

# (implementation, kind, mode, sizes, largest ratio wanted)
TARGETS = [
    *(("seqlearn.torch", kind, "forward", ("medium", "large"), target)
      for kind, target in [("LSTM", 1.2), ("GRU", 1.2), ("RNN", 1.0), ("BiLSTM", 1.3), ("LSTM-2L", 1.3)]),
    *(("seqlearn.torch", kind, "forward+backward", ("medium", "large"), target)
      for kind, target in [("LSTM", 1.0), ("GRU", 1.0), ("RNN", 0.9), ("BiLSTM", 1.1), ("LSTM-2L", 1.1)]),
    *(("seqlearn.numpy", kind, "forward+backward", ("medium", "large"), 1.2)
      for kind in ["LSTM", "GRU", "RNN", "BiLSTM", "LSTM-2L"]),
    ("seqlearn.numpy", "LSTM", "forward+backward", ("char-rnn",), 0.8),
]
# the committed runs, as (column heading, file stem)
RUNS = [("1 thread, run 1", "cpu_1t"), ("1 thread, run 2", "cpu_1t_repeat"),
        ("2 threads, run 1", "cpu_2t"), ("2 threads, run 2", "cpu_2t_repeat")]


def ratio(result, impl, kind, mode, size, dtype="float32"):
    """The median ratio to torch.nn of one case of a results dict; a clear error if the run lacks it."""
    found = [r["ratio"] for r in result["records"]
             if (r["impl"], r["kind"], r["mode"], r["size"], r["dtype"]) == (impl, kind, mode, size, dtype)]
    if len(found) != 1:
        raise ValueError(f"expected one record of {impl} {kind} {mode} {size} {dtype} in the run "
                         f"{result['meta']['command']!r}, found {len(found)}")
    return found[0]


def markdown(results_dir=RESULTS):
    """The targets table, as markdown, from the committed runs in ``results_dir``."""
    runs = [json.loads((Path(results_dir) / f"{stem}.json").read_text()) for _, stem in RUNS]
    lines = ["| implementation | kind | mode | sizes | target | " + " | ".join(h for h, _ in RUNS) + " |",
             "|---|---|---|---|--:|" + "--:|" * len(RUNS)]
    for impl, kind, mode, sizes, target in TARGETS:
        cells = [" / ".join(f"{ratio(run, impl, kind, mode, size):.2f}" for size in sizes) for run in runs]
        lines.append(f"| {impl} | {kind} | {mode} | {', '.join(sizes)} | <= {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
