# The two set-up commands of the README.
#   make demo   creates .venv, installs contrefeu, builds and scans the demo leak, prints the report's path
#   make test   installs the development dependencies, runs the linters (ruff, mypy) and the whole test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/contrefeu demo --out contrefeu-demo

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check contrefeu tests bench
	$(BIN)/mypy contrefeu
	$(BIN)/python -m pytest -q -p no:cacheprovider
