# Two commands matter: `make demo` and `make test`. Both create .venv when missing and install the package.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lab bench sysdeps clean help

help:
	@echo "make demo   - set up, then render the demo clients' documents into reports/"
	@echo "make test   - set up, then run the whole test suite"
	@echo "make test-fast - set up, then run the fast tier (pytest -m 'not slow': no kernel, PDF, browser, cluster or subprocess run)"
	@echo "make lab    - JupyterLab with the project's kernel"
	@echo "make bench  - run benchmarks/ (prints ratios)"

$(BIN)/python:
	@echo "==> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing wealthlib and its test extras into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (wealthlib)" >/dev/null
	@touch $@

sysdeps:
	@bash .ci/sysdeps.sh

demo: $(STAMP) sysdeps
	$(BIN)/wealth demo --out reports

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest

# The fast tier: every test not marked `slow` (markers in pyproject.toml); `make test` runs these and the slow ones.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# JupyterLab on the advisors' drafts (make one with `wealth draft CLIENT`); the what-if panel's widget manager
# comes with ipywidgets (a dependency), so there is no extension to build or enable.
lab: $(STAMP) sysdeps
	@mkdir -p notebooks/drafts
	$(BIN)/jupyter lab --notebook-dir=notebooks/drafts $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP) sysdeps
	@for b in benchmarks/*.py; do echo "==> $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
