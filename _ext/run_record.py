"""Sphinx extension: each chapter page says what its stored outputs were produced with.

``tools/nbtools.py run`` writes a record of the run into the notebook's metadata (``seqlearn_run``:
versions, device, threads, run time, date). This extension reads it and places a short note under
the chapter title, so a reader knows what the outputs on the page reflect.
"""
import json
from pathlib import Path

from docutils import nodes


def record_sentence(record):
    return (f"The outputs on this page were produced by running the notebook top to bottom on "
            f"{record['date']} with seqlearn {record['seqlearn']}, PyTorch {record['torch']}, "
            f"NumPy {record['numpy']} and Python {record['python']}, on {record['device']}, "
            f"in {record['seconds']:.0f} s. On Colab, the first code cell (collapsed here) installs "
            f"seqlearn from the book's repository; elsewhere it does nothing.")


def add_run_record(app, doctree):
    path = Path(app.env.doc2path(app.env.docname))
    if path.suffix != ".ipynb":
        return
    record = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("seqlearn_run")
    section = next(iter(doctree.findall(nodes.section)), None)
    if not record or section is None:
        return
    note = nodes.admonition(classes=["note", "run-record"])
    note += nodes.title(text="About the outputs on this page")
    note += nodes.paragraph(text=record_sentence(record))
    section.insert(1, note)                       # right after the chapter title


def setup(app):
    app.connect("doctree-read", add_run_record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
