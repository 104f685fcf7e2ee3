"""The repository's notebook tools: setup cells in step with _config.yml, and the student edition."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbtools  # noqa: E402
import student_edition  # noqa: E402


def test_every_chapter_setup_cell_is_generated_from_config():
    assert nbtools.notebooks(), "no chapter notebooks found"
    assert nbtools.sync(check_only=True) == []


def test_setup_cell_installs_from_the_configured_repository():
    source = nbtools.setup_cell_source("https://example.org/fork/seqlearn")
    assert "git+https://example.org/fork/seqlearn" in source
    assert 'find_spec("seqlearn") is None' in source      # does nothing where seqlearn is installed
    compile(source, "setup", "exec")


def test_setup_cell_fits_the_code_column_and_is_collapsed_in_the_book():
    assert max(len(line) for line in nbtools.setup_cell_source().splitlines()) <= 75
    assert "hide-input" in nbtools.SETUP_TAGS


def test_every_chapter_has_exercises_with_tagged_solutions():
    for path in nbtools.notebooks():
        nb = nbformat.read(path, as_version=4)
        tags = [t for cell in nb.cells for t in cell.metadata.get("tags", [])]
        assert tags.count("exercise") >= 3, f"{path.name}: fewer than 3 exercises"
        assert "solution" in tags, f"{path.name}: no solution cells"


def test_every_solution_is_one_gated_block_of_cells_tagged_solution():
    """One convention, one tag: {solution-start} ... {solution-end}, every cell between tagged 'solution'."""
    for path in nbtools.notebooks():
        nb = nbformat.read(path, as_version=4)
        inside, exercises, solutions = False, set(), set()
        for i, cell in enumerate(nb.cells):
            tags, src = cell.metadata.get("tags", []), cell.source
            where = f"{path.name}, cell {i}"
            assert "{solution}" not in src, f"{where}: use {{solution-start}}/{{solution-end}}"
            assert not ("solution" in tags and "hide-cell" in tags), f"{where}: a solution is hidden by the gated block, not by hide-cell"
            exercises.update(re.findall(r"\{exercise\}\s*\n:label:\s*(\S+)", src))
            starts = re.findall(r"\{solution-start\}\s+(\S+)", src)
            solutions.update(starts)
            if starts:
                assert not inside, f"{where}: a solution starts inside another"
                inside = True
            if inside or starts:
                assert "solution" in tags, f"{where}: a cell of a solution is not tagged 'solution'"
            elif "solution" in tags:
                raise AssertionError(f"{where}: tagged 'solution' outside a solution block")
            if "{solution-end}" in src:
                assert inside, f"{where}: {{solution-end}} without a start"
                inside = False
        assert not inside, f"{path.name}: the last solution has no {{solution-end}}"
        assert exercises == solutions, f"{path.name}: exercises {sorted(exercises)} vs solutions {sorted(solutions)}"


# The book's code column at a 1280 px window holds 75.9 characters of the code font (measured in
# headless Chromium: 640 px of text width, 8.43 px per character), so longer lines hide behind a
# horizontal scrollbar. The setup cell is collapsed in the book and exempt (a fork's URL may be long).
CODE_COLUMN = 75


def test_notebook_code_fits_the_book_column():
    too_wide = []
    for path in nbtools.notebooks():
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code" or nbtools.SETUP_TAG in cell.metadata.get("tags", []):
                continue
            too_wide += [f"{path.name}, cell {i}: {len(line)} characters: {line.strip()[:40]}"
                         for line in cell.source.splitlines() if len(line) > CODE_COLUMN]
    assert too_wide == [], "\n".join(too_wide)


def test_student_edition_removes_solutions_and_clears_exercise_outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_markdown_cell("exercise", metadata={"tags": ["exercise"]}),
                nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise"]},
                                          outputs=[nbformat.v4.new_output("stream", text="1")]),
                nbformat.v4.new_markdown_cell("answer", metadata={"tags": ["solution"]}),
                nbformat.v4.new_code_cell("print(42)", metadata={"tags": ["solution"]})]
    out, removed, cleared = student_edition.student_edition(nb)
    assert [c.source for c in out.cells] == ["text", "exercise", "x = 1"]
    assert (removed, cleared) == (2, 1) and out.cells[2].outputs == []


def test_student_edition_refuses_a_notebook_without_solutions(tmp_path):
    path = tmp_path / "a.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(SystemExit, match="no cell is tagged 'solution'"):
        student_edition.main(tmp_path / "out", [path])


def test_student_site_check_finds_missing_pages_lost_exercises_and_any_solution(tmp_path):
    import student_site
    toc = "parts:\n  - chapters:\n      - file: notebooks/01_a\n      - file: notebooks/02_b\n"
    (tmp_path / "notebooks").mkdir()
    page = '<div class="exercise admonition" id="ch1-ex1">statement</div>'
    (tmp_path / "notebooks" / "01_a.html").write_text(page)
    (tmp_path / "index.html").write_text("<p>intro</p>")
    assert student_site.problems(tmp_path, toc) == ["02_b.html: missing"]
    (tmp_path / "notebooks" / "02_b.html").write_text(
        page + '<div class="solution dropdown admonition" id="sol">answer</div>')
    assert student_site.problems(tmp_path, toc) == ["notebooks/02_b.html: shows a solution"]
    (tmp_path / "notebooks" / "02_b.html").write_text("<p>no exercise here</p>")
    assert student_site.problems(tmp_path, toc) == ["notebooks/02_b: no exercise left on the page"]
    (tmp_path / "notebooks" / "02_b.html").write_text(page)
    assert student_site.problems(tmp_path, toc) == []


def test_student_site_sources_hold_every_chapter_without_solutions(tmp_path):
    import student_site
    student_site.make_sources(tmp_path / "src")
    names = sorted(p.stem for p in (tmp_path / "src" / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.split("/")[1] for p in student_site.chapters((ROOT / "_toc.yml").read_text()))
    for path in (tmp_path / "src" / "notebooks").glob("*.ipynb"):
        tags = [t for cell in nbformat.read(path, as_version=4).cells for t in cell.metadata.get("tags", [])]
        assert "solution" not in tags and tags.count("exercise") >= 3, path.name
    assert '(student edition)"' in (tmp_path / "src" / "_config.yml").read_text()


def test_the_instructor_guide_times_are_the_computed_ones():
    """The guide's study times come from tools/study_time.py, one row per chapter in file order."""
    import study_time
    text = (ROOT / "book" / "instructor.md").read_text(encoding="utf-8")
    header = "| chapter | needs | reading and running | with the exercises |"
    assert header in text
    rows = text.split(header, 1)[1].strip().splitlines()[1:]      # after the |---| line
    rows = rows[:len(nbtools.notebooks())]
    for path, row in zip(nbtools.notebooks(), rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert tuple(cells[2:4]) == study_time.columns(path), (path.name, row)


def test_study_time_counts_prose_code_and_exercises(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("pip install\n", metadata={"tags": ["setup"]}),
                nbformat.v4.new_markdown_cell("word " * 1500),
                nbformat.v4.new_code_cell("x = 1\n\n# a comment\n" * 50),
                nbformat.v4.new_markdown_cell("```{exercise}\n:label: e\nDo it.\n```"),
                nbformat.v4.new_markdown_cell("````{solution-start} e\n````\nhidden " * 300),
                nbformat.v4.new_code_cell("y = 2\n" * 500),
                nbformat.v4.new_markdown_cell("````{solution-end}\n````")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    import study_time
    # 1500 words and the exercise's 5, 50 lines of code, 1 exercise; the solution is not reading
    assert study_time.minutes(path) == pytest.approx((15.05 + 5, 15.05 + 5 + 15))
    assert study_time.columns(path) == ("about 0.25 hours", "about 0.5 hours")
    assert study_time.hours(60) == "about 1 hour" and study_time.hours(100) == "about 1.75 hours"


def test_the_front_page_chapter_map_follows_the_table_of_contents():
    """Row n of the intro's chapter map is the n-th numbered chapter of _toc.yml, by its own title."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    numbered = []
    for part in re.split(r"\n\s*- caption:", toc)[1:]:
        if re.search(r"^\s*numbered:\s*true", part, re.M):
            numbered += re.findall(r"file:\s*(notebooks/\S+)", part)
    titles = [nbformat.read(ROOT / f"{f}.ipynb", as_version=4).cells[0].source.splitlines()[0]
              .lstrip("# ").strip() for f in numbered]
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| *(\d+) \| ([^|]+?) \|", intro.split("## Chapter map", 1)[1], re.M)
    assert [(int(n), t) for n, t in rows] == list(enumerate(titles, start=1))
