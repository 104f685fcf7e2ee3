"""Build the student edition as a website: the book with every solution removed, built and checked like the book.

    python tools/student_site.py OUTDIR          (make student-site: OUTDIR = _build/student_site)

1. Copies the book's sources to OUTDIR/src, each chapter replaced by its student edition
   (tools/student_edition.py: cells tagged 'solution' removed, outputs of 'exercise' cells cleared),
   and marks the title "(student edition)".
2. Builds it with Jupyter Book exactly as `make book` builds the full site (-W -n --keep-going: any
   warning fails), into OUTDIR/html.
3. Checks the result: every chapter page exists, keeps its exercises, and shows no solution.

Publish OUTDIR/html instead of _build/html to hand students the book without the answers.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import student_edition  # noqa: E402

# what the book's build reads (see _config.yml); _vendor holds the bundled JavaScript of `make book`,
# seqlearn/ the package source that pages may include (it is not built as pages: _config.yml excludes it)
SOURCES = ["_config.yml", "_toc.yml", "book", "_ext", "_static", "_vendor", "seqlearn"]


def chapters(toc_text):
    """The chapter notebooks listed in _toc.yml, as paths relative to the book's root."""
    return re.findall(r"file:\s*(notebooks/\S+)", toc_text)


def make_sources(src):
    """The book's sources with the student edition of every chapter, in ``src``."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name)
        elif path.exists():
            shutil.copy2(path, src / name)
    config = (src / "_config.yml").read_text()
    config = re.sub(r'^title: "(.*)"$', r'title: "\1 (student edition)"', config, count=1, flags=re.M)
    (src / "_config.yml").write_text(config)
    (src / "notebooks").mkdir()
    for chapter in chapters((ROOT / "_toc.yml").read_text()):
        notebook = ROOT / f"{chapter}.ipynb"
        nb, _, _ = student_edition.student_edition(nbformat.read(notebook, as_version=4))
        nbformat.write(nb, src / f"{chapter}.ipynb")


def problems(html_dir, toc_text):
    """What is wrong with a built student site: a missing chapter, a chapter without its exercises,
    or any solution on any page. An empty list means the site is fit to publish."""
    found = []
    pages = sorted(Path(html_dir).rglob("*.html"))
    if not pages:
        return [f"{html_dir}: no HTML pages"]
    for chapter in chapters(toc_text):
        page = Path(html_dir) / f"{chapter}.html"
        if not page.exists():
            found.append(f"{page.name}: missing")
        elif 'class="exercise' not in page.read_text(encoding="utf-8"):
            found.append(f"{chapter}: no exercise left on the page")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if re.search(r'class="[^"]*(\b|tag_)solution\b', text):
            found.append(f"{page.relative_to(html_dir)}: shows a solution")
    return found


def main(out_dir):
    out_dir = Path(out_dir).resolve()
    src, html = out_dir / "src", out_dir / "html"
    if not (ROOT / "_vendor").exists():
        raise SystemExit("_vendor/ is missing: run `bash tools/vendor_static.sh` (make book does) first")
    make_sources(src)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(jupyter_book), "build", str(src), "-W", "-n", "--keep-going"], check=True)
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(src / "_build" / "html"), html)
    found = problems(html, (ROOT / "_toc.yml").read_text())
    for line in found:
        print(line)
    if found:
        raise SystemExit(f"the student site in {html} is not fit to publish")
    print(f"student site: {html}/index.html ({len(chapters((ROOT / '_toc.yml').read_text()))} chapters, "
          "exercises kept, no solutions)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
