# dpfit: `make reproduce` runs the reference analysis into results/, `make test` runs the tests,
# `make kill-campaign` the full kill/resume campaigns (before a release).
# Each creates .venv (Python 3.11+) if it is missing and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test kill-campaign bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/dpfit reproduce --out results

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# before a release: the full kill campaigns, 10 kills per signal (SIGINT, SIGTERM, SIGKILL) of sample and of reproduce
kill-campaign: $(STAMP)
	DPFIT_FULL_CAMPAIGN=1 $(BIN)/python -m pytest -q -n 2 -m long

bench: $(STAMP)
	$(BIN)/python -m dpfit.bench
	$(BIN)/python -m pytest -q tests/benchmarks --benchmark-only

clean:
	rm -rf $(VENV) results build *.egg-info
