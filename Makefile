# Two entry points (see README):  `make book`  builds the HTML book,  `make test`  runs every test.
# Both create the virtual environment .venv from requirements.txt on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHELL  := /bin/bash
.SHELLFLAGS := -eo pipefail -c

.PHONY: setup book test unit notebooks clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# The book renders the notebooks' stored outputs (nbval checks they are what a fresh run prints).
book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

unit: setup
	$(BIN)/python -m pytest tests

notebooks: setup
	$(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg \
		--nbval-kernel-name python3 --nbval-cell-timeout 600 -p no:cacheprovider

test: unit book

clean:
	rm -rf _build
