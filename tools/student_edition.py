"""Make the student edition of the chapters: solutions removed, exercise outputs cleared.

    python tools/student_edition.py OUTDIR [NOTEBOOK ...]     (default: every notebooks/*.ipynb)

Driven by cell tags that every chapter uses:
- `solution`: a worked solution (the markdown cell with the {solution} directive, or code that
  computes it). Removed.
- `exercise`: an exercise statement or a cell the student completes. Kept, outputs cleared.
Everything else is kept as it is, outputs included, so the edition still reads like the book.
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def student_edition(nb):
    """Return (new notebook, number of solution cells removed, number of exercise cells cleared)."""
    kept, removed, cleared = [], 0, 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            removed += 1
            continue
        if "exercise" in tags and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cleared += 1
        kept.append(cell)
    nb.cells = kept
    nb.metadata.pop("widgets", None)          # stored widget state belonged to the removed outputs too
    return nb, removed, cleared


def main(out_dir, paths):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb, removed, cleared = student_edition(nbformat.read(path, as_version=4))
        if removed == 0:
            raise SystemExit(f"{path}: no cell is tagged 'solution'; is this a chapter with exercises?")
        nbformat.write(nb, out_dir / Path(path).name)
        print(f"{Path(path).name}: {removed} solution cells removed, {cleared} exercise cells cleared")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:] or sorted((ROOT / "notebooks").glob("*.ipynb")))
