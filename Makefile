# dpfit: `make reproduce` runs the reference analysis into results/, `make test` runs the tests.
# Both create .venv (Python 3.11+) if it is missing and install the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test bench clean

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

bench: $(STAMP)
	$(BIN)/python -m dpfit.bench
	$(BIN)/python -m pytest -q tests/benchmarks --benchmark-only

clean:
	rm -rf $(VENV) results build *.egg-info
