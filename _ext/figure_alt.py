"""Sphinx extension: a figure's alt text comes from the notebook output that drew it.

``seqlearn.plotting.show(fig, alt)`` stores the alt text, computed from the figure's numbers, in the
output's metadata (``{"image/png": {"alt": ...}}``). myst-nb reads alt texts from cell metadata only,
so this extension finds each image by its content (myst-nb names image files by the SHA-256 of their
bytes) and sets its ``alt`` from that metadata: on a chapter page from the chapter's own outputs, on
any other page (the front page pastes figures with ``{glue:any}`` and ``:doc:``) from those of every notebook of
the book, glued copies included. Cell metadata still wins where a cell sets ``mystnb: image: alt:``
itself, so a hand-written description is never overwritten silently: the build warns instead.
"""
import base64
import hashlib
import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


GLUE_PREFIX = "application/papermill.record/"


def output_alts(notebook):
    """{sha256 hex of the PNG bytes: (alt text, cell index)} for every output that carries one."""
    found = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            data = output.get("data", {})
            png = data.get("image/png") or data.get(GLUE_PREFIX + "image/png")
            if alt and png:
                digest = hashlib.sha256(base64.b64decode(png)).hexdigest()
                found[digest] = (alt, index)
    return found


def book_alts(app):
    """The alt texts of every notebook of the book (for pages that paste figures from them)."""
    found = {}
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix == ".ipynb":
            found.update(output_alts(json.loads(path.read_text(encoding="utf-8"))))
    return found


def set_alts(app, doctree, docname=None):
    """On a notebook's page when it is read; on any other page once pasted figures are resolved."""
    path = Path(app.env.doc2path(docname or app.env.docname))
    if (path.suffix == ".ipynb") != (docname is None):
        return
    if path.suffix == ".ipynb":
        alts = output_alts(json.loads(path.read_text(encoding="utf-8")))
    elif any(True for _ in doctree.findall(nodes.image)):
        alts = book_alts(app)
    else:
        return
    for image in doctree.findall(nodes.image):
        hit = alts.get(Path(image.get("uri", "")).stem)
        if hit is None:
            continue
        alt, index = hit
        if image.get("alt") and image["alt"] != alt:
            logger.warning(f"{path.name}, cell {index}: the cell's metadata sets an alt text and so does "
                           "show(); keep one", location=image)
            continue
        image["alt"] = alt


def setup(app):
    app.connect("doctree-read", set_alts)
    # a figure pasted from another page ({glue:any} with :doc:) exists only after the post-transforms
    app.connect("doctree-resolved", set_alts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
