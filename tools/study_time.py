"""Study-time estimates for the instructor's guide, computed from each chapter's length.

    python tools/study_time.py          # print the two time columns of the guide's chapter table

The rule, as the guide states it: 100 words of prose a minute, 10 lines of code a minute (blank
lines, comments and the setup cell not counted), a quarter of an hour for each exercise. Prose and
code inside a solution count towards the exercise, not the reading. Rounded to a quarter of an hour.
tests/test_tools.py fails when the guide's table and these numbers disagree.
"""
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbtools  # noqa: E402

WORDS_PER_MINUTE, LINES_PER_MINUTE, MINUTES_PER_EXERCISE = 100, 10, 15


def minutes(path):
    """(minutes to read and run the chapter, minutes with its exercises)."""
    nb = nbformat.read(path, as_version=4)
    words = lines = exercises = 0
    in_solution = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            in_solution = in_solution or "{solution-start}" in cell.source
            exercises += len(re.findall(r"^`{3,}\{exercise\}", cell.source, re.M))
            if not in_solution:
                words += len(re.findall(r"[A-Za-z]+(?:['-][A-Za-z]+)*", cell.source))
            in_solution = in_solution and "{solution-end}" not in cell.source
        elif not in_solution and nbtools.SETUP_TAG not in cell.metadata.get("tags", []):
            lines += sum(1 for line in cell.source.splitlines()
                         if line.strip() and not line.strip().startswith("#"))
    reading = words / WORDS_PER_MINUTE + lines / LINES_PER_MINUTE
    return reading, reading + MINUTES_PER_EXERCISE * exercises


def hours(mins):
    """'about 1.25 hours': rounded to a quarter of an hour, at least a quarter."""
    quarters = max(1, round(mins / 15))
    value = f"{quarters / 4:g}"
    return f"about {value} hour" + ("" if quarters == 4 else "s")


def columns(path):
    reading, total = minutes(path)
    return hours(reading), hours(total)


if __name__ == "__main__":
    for path in nbtools.notebooks():
        print(f"{path.name:32s} | " + " | ".join(columns(path)))
