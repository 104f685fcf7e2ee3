"""Sphinx extension: a figure's alt text comes from the notebook output that drew it.

``seqlearn.plotting.show(fig, alt)`` stores the alt text, computed from the figure's numbers, in the
output's metadata (``{"image/png": {"alt": ...}}``). myst-nb reads alt texts from cell metadata only,
so this extension finds each image of a chapter page by its content (myst-nb names image files by the
SHA-256 of their bytes) and sets its ``alt`` from that metadata. Cell metadata still wins where a cell
sets ``mystnb: image: alt:`` itself, so a hand-written description is never overwritten silently:
the build warns instead.
"""
import base64
import hashlib
import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def output_alts(notebook):
    """{sha256 hex of the PNG bytes: (alt text, cell index)} for every output that carries one."""
    found = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            png = output.get("data", {}).get("image/png")
            if alt and png:
                digest = hashlib.sha256(base64.b64decode(png)).hexdigest()
                found[digest] = (alt, index)
    return found


def set_alts(app, doctree):
    path = Path(app.env.doc2path(app.env.docname))
    if path.suffix != ".ipynb":
        return
    alts = output_alts(json.loads(path.read_text(encoding="utf-8")))
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
    return {"parallel_read_safe": True, "parallel_write_safe": True}
