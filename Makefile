# Okienko: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
QUESTION ?= Jakie dokumenty są potrzebne do wniosku o dodatek mieszkaniowy?

.PHONY: install e2e-deps run test lint typecheck unit bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Build the default embedding model (once), ingest knowledge_base/, answer a question, then
# serve the API with the demo page of the city's site hosting the chat widget.
run: install
	$(BIN)/okienko model
	$(BIN)/okienko ingest
	$(BIN)/okienko ask "$(QUESTION)"
	$(BIN)/okienko serve

# The browser tests drive Debian's Chromium with playwright-core and axe-core from npm.
E2E_STAMP := tests/e2e/node_modules/.installed-stamp
$(E2E_STAMP): tests/e2e/package-lock.json
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Chromium is missing: sudo apt-get install chromium (browser tests will fail in CI)"; \
		fi; \
	fi
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $(E2E_STAMP)

e2e-deps: $(E2E_STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install e2e-deps
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
