# supplylake: `make demo` runs the product, `make test` proves it. Both build the project-local
# virtual env from the pinned files first (pyproject.toml + requirements.lock) when needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.supplylake-installed
ARGS   ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo run test test-unit test-integration bench lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "supplylake needs Python 3.11+; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## create/refresh the virtual env from the pins

demo: $(STAMP) ## run the whole product on an embedded broker (pass options with ARGS="...")
	$(BIN)/supplylake demo $(ARGS)

test: $(STAMP) ## run unit and integration tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP) ## run only the unit tests (no broker)
	$(BIN)/python -m pytest -m "not integration" $(PYTEST_ARGS)

test-integration: $(STAMP) ## run only the integration tests (embedded broker)
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

bench: $(STAMP) ## run the benchmarks in bench/ and write bench/REPORT.md
	$(BIN)/python -m bench.pipeline_throughput $(ARGS)

lint: $(STAMP) ## static checks (ruff)
	$(BIN)/ruff check supplylake app tests bench

clean: ## remove the virtual env and local data
	rm -rf $(VENV) data .pytest_cache
