# Okienko: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= Jakie dokumenty są potrzebne do wniosku o dodatek mieszkaniowy?

.PHONY: install run test lint typecheck unit bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Build the default embedding model (once), ingest knowledge_base/, answer a question.
run: install
	$(BIN)/okienko model
	$(BIN)/okienko ingest
	$(BIN)/okienko search "$(QUESTION)" --top-k 3

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest

# The whole suite: lint, types, every test (the model-backed ones included).
test: lint typecheck unit

bench: install
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/retrieval_latency.py

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock.new
	{ head -2 requirements.lock; cat requirements.lock.new; } > requirements.lock.tmp
	rm requirements.lock.new && mv requirements.lock.tmp requirements.lock

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
