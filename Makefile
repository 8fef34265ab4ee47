# Two commands do everything on a fresh machine (see README.md):
#   make book   set up .venv, build the HTML book (every cell executed), print where it is
#   make test   set up .venv, lint, run unit tests, doctests and the strict book build
# and one is a contributor's fast loop:
#   make check  lint, unit tests and doctests; no book build (the tests marked `book` are skipped)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
# Changing codelib does not change a chapter's code cells, so jupyter-cache would serve stale
# outputs: this stamp wipes the executed state whenever codelib changes.
CODELIB_STAMP := _build/.codelib-stamp
CODELIB_FILES := $(wildcard codelib/*.py codelib/*.mplstyle)
PIP_TOOLS := pip-tools==7.6.2

.PHONY: book pdf test check lint bench lock clean help
.DEFAULT_GOAL := help

help:
	@echo "make book   build the HTML book into _build/html (sets up .venv first)"
	@echo "make book OFFLINE=1   the same, with MathJax served from the book's own files (needs npm)"
	@echo "make pdf    build the course PDF _build/pdf/_build/latex/book.pdf (needs the TeX packages in README)"
	@echo "make book EDITION=student, make pdf EDITION=student   the student edition (no solutions): _build/student, _build/student-pdf"
	@echo "make check  lint, unit tests and doctests, no book build: the fast loop while you edit codelib"
	@echo "make test   lint, unit tests, doctests and the strict book build"
	@echo "make bench  time builds, chapters, cells, page weight, PDF and codelib; PASS/FAIL budget lines"
	@echo "make bench BASELINE=<commit>   the same, comparing notebook execution with <commit> (default 06059d7; empty skips)"
	@echo "make lock   regenerate requirements.lock from requirements.in, and binder/requirements.txt from it"
	@echo "make clean  remove _build (keeps .venv)"

$(READY): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed: run make with PYTHON=python3.11 (or newer).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(CODELIB_STAMP): $(CODELIB_FILES)
	rm -rf _build/.doctrees _build/.jupyter_cache _build/jupyter_execute _build/html \
	       _build/pdf _build/student _build/student-pdf
	mkdir -p _build
	touch $@

MATHJAX := node_modules/mathjax/es5/tex-mml-chtml.js
# OFFLINE=1: pages load MathJax from _build/html/_static/mathjax and thebe from _static/thebe, so
# the book reads with no network (Live Code then needs BOOK_THEBE_URL, a local Jupyter server).
ifeq ($(OFFLINE),1)
BOOK_ENV := BOOK_MATHJAX_DIR=$(CURDIR)/node_modules/mathjax/es5 BOOK_THEBE_JS=$(CURDIR)/node_modules/thebe/lib
BOOK_DEPS := $(MATHJAX)
endif

# EDITION=student: the student edition (every solution left out, see _ext/editions.py), built into
# _build/student/_build from a copy of the instructor build's execution cache when there is one.
EDITION ?= instructor
ifeq ($(filter $(EDITION),instructor student),)
$(error EDITION must be instructor or student, got '$(EDITION)')
endif
# The PDF is built for print (BOOK_FIGURES=print: every figure also as vector PDF, see
# codelib.plotting.print_figures), so it executes into its own folder, _build/pdf, whose cache
# the student PDF (_build/student-pdf) copies.
PDF_OUT := _build/pdf
ifeq ($(EDITION),student)
EDITION_DIR := _build/student/_build
EDITION_ENV := BOOK_EDITION=student
EDITION_OUT := --path-output _build/student
EDITION_CACHE = mkdir -p $(EDITION_DIR) && rm -rf $(EDITION_DIR)/.jupyter_cache && \
	{ cp -r _build/.jupyter_cache $(EDITION_DIR)/ 2>/dev/null || true; }
PDF_OUT := _build/student-pdf
PDF_CACHE = mkdir -p $(PDF_OUT)/_build && rm -rf $(PDF_OUT)/_build/.jupyter_cache && \
	{ cp -r _build/pdf/_build/.jupyter_cache $(PDF_OUT)/_build/ 2>/dev/null || true; }
endif
OUT_DIR := $(or $(EDITION_DIR),_build)

$(MATHJAX): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

book: $(READY) $(CODELIB_STAMP) $(BOOK_DEPS)
	$(EDITION_CACHE)
	$(BOOK_ENV) $(EDITION_ENV) $(BIN)/jupyter-book build . $(EDITION_OUT) -W -n --keep-going
	@echo "The book ($(EDITION) edition) is at $(CURDIR)/$(OUT_DIR)/html/index.html"

pdf: $(READY) $(CODELIB_STAMP)
	$(PDF_CACHE)
	BOOK_FIGURES=print $(EDITION_ENV) $(BIN)/jupyter-book build . --path-output $(PDF_OUT) --builder pdflatex \
	    -W -n --keep-going
	@echo "The PDF ($(EDITION) edition) is at $(CURDIR)/$(PDF_OUT)/_build/latex/book.pdf"

# The browser tests serve MathJax from node_modules; without npm they are skipped, saying why.
ifneq ($(shell command -v npm),)
TEST_DEPS := $(MATHJAX)
endif

lint: $(READY)
	$(BIN)/ruff check .

# The tests marked `book` (tests/test_book.py, test_reproducible.py, test_browser.py, test_pdf.py,
# test_binder.py) build or serve the book; make check leaves them to make test.
check: lint
	$(BIN)/python -m pytest -m "not book" -q

test: lint $(TEST_DEPS)
	$(BIN)/python -m pytest

# make bench also executes the notebooks of BASELINE and compares (issue 12: at most 0.6x its time).
# 06059d7 is the commit before the engine and the referee changes; BASELINE= skips the comparison.
BASELINE ?= 06059d7

bench: $(READY)
	$(BIN)/python bench/run.py $(if $(BASELINE),--baseline $(BASELINE))

lock: $(READY)
	$(BIN)/python -m pip install --quiet $(PIP_TOOLS)
	$(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links --output-file requirements.lock requirements.in
	$(BIN)/python binder/generate.py   # binder/requirements.txt: the reader's part of the lock

clean:
	rm -rf _build
