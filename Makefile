# Two entry points (see README):  `make book`  builds the HTML book,  `make test`  runs every test.
# Both create the virtual environment .venv from requirements.txt on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHELL  := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# The chapters display figures themselves (seqlearn.plotting.show) or through Jupyter's inline backend;
# a backend chosen by the caller's environment (MPLBACKEND=Agg on many CI servers) must not reach them.
unexport MPLBACKEND
NBVAL  := --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name python3 \
          --nbval-cell-timeout 900 --nbval-kernel-startup-timeout 180 -p no:cacheprovider

.PHONY: setup book test unit notebooks browser colab student student-site bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# The book renders the notebooks' stored outputs (nbval checks they are what a fresh run prints).
# MathJax and the widget JavaScript are bundled from the npm registry so the site works offline.
book: setup
	bash tools/vendor_static.sh
	$(BIN)/jupyter-book build . -W -n --keep-going

# Package tests: parity with torch.nn, BPTT against autograd and finite differences, errors, tools.
unit: setup
	$(BIN)/python -m pytest tests --ignore=tests/browser

# Every chapter re-run and compared with its stored outputs (strict nbval).
notebooks: setup
	$(BIN)/python -m pytest $(NBVAL) notebooks

# The built site in headless Chromium (Debian: apt-get install chromium chromium-driver).
browser: book
	$(BIN)/python -m pytest tests/browser

# Student edition: solutions removed (cells tagged 'solution'), exercise outputs cleared.
student: setup
	rm -rf _build/student
	$(BIN)/python tools/student_edition.py _build/student

# The student edition as a website: the book without solutions, built with warnings as errors, then
# checked (every chapter there with its exercises, no solution on any page). Publish _build/student_site/html.
student-site: setup
	bash tools/vendor_static.sh
	$(BIN)/python tools/student_site.py _build/student_site

# A fresh "Colab" runtime per chapter: only the setup cell installs seqlearn; the student edition too.
colab: student
	$(BIN)/python tools/colab_sim.py notebooks/*.ipynb _build/student/*.ipynb

test: unit notebooks browser colab student-site

bench: setup
	$(BIN)/python -m seqlearn.bench

clean:
	rm -rf _build
