"""Notebook chores: run a chapter and store its outputs, and keep every setup cell in step with _config.yml.

    python tools/nbtools.py run notebooks/01_recurrent_cell.ipynb [...]   # execute in place, record the run
    python tools/nbtools.py sync                                           # rewrite setup cells from _config.yml
    python tools/nbtools.py check                                          # fail if a setup cell is stale

The repository URL lives in _config.yml alone (repository: url:). Each chapter's first code cell, the
setup cell that installs seqlearn on Colab, is generated from it, so a fork changes one line and runs `sync`.
"""
import datetime
import platform
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "setup"
# In the HTML book the setup cell is collapsed (the run record under the title says what it is for);
# in Jupyter and Colab it is an ordinary cell.
SETUP_TAGS = [SETUP_TAG, "hide-input"]


def repository_url():
    """The repository URL from _config.yml (read with a regex: no YAML dependency needed)."""
    text = (ROOT / "_config.yml").read_text()
    match = re.search(r"^repository:\s*\n(?:\s+.*\n)*?\s+url:\s*(\S+)", text, re.M)
    if not match:
        raise SystemExit("_config.yml has no repository: url:")
    return match.group(1)


def setup_cell_source(url=None):
    url = url or repository_url()
    return (
        "# Setup: on Colab, or wherever seqlearn is missing, install it from the\n"
        "# book's repository. Where the repository is checked out and `make` has\n"
        "# run, seqlearn is installed already and this cell does nothing.\n"
        "import importlib.util, subprocess, sys\n"
        "if importlib.util.find_spec(\"seqlearn\") is None:\n"
        f"    package = \"seqlearn[book] @ git+{url}\"\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\",\n"
        "                    package], check=True)"
    )


def notebooks():
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb"))


def setup_cell(nb):
    """The first code cell, which must be tagged 'setup'."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            return cell if SETUP_TAG in cell.metadata.get("tags", []) else None
    return None


def sync(check_only=False):
    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        cell = setup_cell(nb)
        if cell is None:
            stale.append(f"{path.name}: first code cell is not tagged '{SETUP_TAG}'")
            continue
        problems = []
        if cell.source != setup_cell_source():
            problems.append("setup cell differs from the one generated from _config.yml")
        if cell.metadata.get("tags", []) != SETUP_TAGS:
            problems.append(f"setup cell tags are {cell.metadata.get('tags', [])}, expected {SETUP_TAGS}")
        stale += [f"{path.name}: {p}" for p in problems]
        if problems and not check_only:
            cell.source = setup_cell_source()
            cell.metadata["tags"] = list(SETUP_TAGS)
            nbformat.write(nb, path)
    return stale


def run(path):
    """Execute a notebook top to bottom in its folder, store outputs and a record of the run."""
    from nbclient import NotebookClient
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    import numpy
    import torch
    import seqlearn
    nb.metadata["seqlearn_run"] = {
        "seqlearn": seqlearn.__version__, "torch": torch.__version__, "numpy": numpy.__version__,
        "python": platform.python_version(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU",
        "seconds": round(seconds, 1),
        "date": datetime.date.today().isoformat(),
    }
    nbformat.write(nb, path)
    print(f"{path.name}: ran in {seconds:.1f} s")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["check"]
    if command == "run":
        for arg in args:
            run(arg)
    elif command in ("sync", "check"):
        problems = sync(check_only=command == "check")
        for p in problems:
            print(p)
        sys.exit(1 if problems and command == "check" else 0)
    else:
        raise SystemExit(__doc__)
