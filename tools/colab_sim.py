"""Simulate a fresh Colab runtime: a new virtualenv with Colab's usual packages but no seqlearn, then run
each chapter top to bottom from an empty folder, where only its setup cell can make `import seqlearn` work.

    python tools/colab_sim.py [NOTEBOOK ...]      (default: every notebooks/*.ipynb)

The setup cell installs `seqlearn[book] @ git+<repository url>`. With no route to GitHub here, the
simulation points that URL at this repository (git+file://, the committed HEAD), so what is tested is
the cell's install path and the chapter's independence from files in the repository.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import nbtools  # noqa: E402

# What a Colab runtime already has (a CPU build of torch here; on Colab, its CUDA build).
COLAB_PACKAGES = ["torch==2.13.*", "numpy", "matplotlib", "ipywidgets", "statsmodels", "pandas",
                  "ipykernel", "nbclient", "nbformat"]

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print("ok")
"""


def make_runtime(where):
    venv = Path(where) / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", *COLAB_PACKAGES], check=True)
    probe = subprocess.run([str(py), "-c", "import seqlearn"], capture_output=True, cwd=where)
    assert probe.returncode != 0, "the fresh runtime must not have seqlearn before the setup cell runs"
    return py


def run_chapter(py, notebook, workdir):
    nb = nbformat.read(notebook, as_version=4)
    cell = nbtools.setup_cell(nb)
    if cell is None:
        raise SystemExit(f"{notebook}: no setup cell tagged 'setup'")
    url = nbtools.repository_url()
    # file://localhost/...: pip rejects a PEP 508 URL requirement with an empty host (file:///...)
    cell.source = cell.source.replace(f"git+{url}", f"git+file://localhost{ROOT}")
    target = Path(workdir) / Path(notebook).name
    nbformat.write(nb, target)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{py.parent}:{env['PATH']}"
    result = subprocess.run([str(py), "-c", RUNNER, str(target), str(workdir)], cwd=workdir, env=env,
                            capture_output=True, text=True)
    return result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args()
    notebooks = args.notebooks or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    failures = []
    with tempfile.TemporaryDirectory(prefix="colab-sim-") as tmp:
        py = make_runtime(tmp)
        for notebook in notebooks:
            workdir = Path(tempfile.mkdtemp(dir=tmp))      # empty: no repository files beside the notebook
            ok, log = run_chapter(py, notebook, workdir)
            print(f"{Path(notebook).name}: {'ran top to bottom' if ok else 'FAILED'}", flush=True)
            if not ok:
                failures.append((notebook, log))
            # each chapter installs seqlearn itself; remove it so the next one starts fresh too
            subprocess.run([str(py), "-m", "pip", "uninstall", "-q", "-y", "seqlearn"], check=True)
    for notebook, log in failures:
        print(f"\n--- {notebook}\n{log}")
    print(json.dumps({"chapters": len(notebooks), "failed": len(failures)}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
