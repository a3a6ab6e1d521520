# supplylake: `make demo` runs the product, `make test` proves it, `make check` guards the code.
# Every target builds the project-local virtual env from the pinned files first when needed:
# requirements.lock (the runtime closure, all the product and the Docker image need) and
# requirements-dev.lock (test, lint and type-check tools on top).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.supplylake-runtime
DEV_STAMP     := $(VENV)/.supplylake-dev
ARGS   ?=
PYTEST_ARGS ?=
# Tests run in parallel, `auto` = one worker per core (PYTEST_WORKERS=0: in this process, easier
# to debug). Work units (tests/conftest.py): a unit test file stays on one worker, so its fixtures
# are built once; the heavy integration tests are two units (chaos's reduced runs, the rest),
# each one file after the other, side by side on two cores.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)
# What the guard rails cover (mypy's own file list is [tool.mypy] files in pyproject.toml).
CHECKED := supplylake pipelines app sql tests bench chaos

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo run test test-unit test-integration check lint bench chaos clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-17s %s\n", $$1, $$2}'

$(RUNTIME_STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "supplylake needs Python 3.11+; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(RUNTIME_STAMP)

# Both locks in one pip call, so a dev tool can never move a runtime pin.
$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	@touch $(DEV_STAMP)

install: $(RUNTIME_STAMP) ## create/refresh the virtual env from the runtime pins (what demo needs)

install-dev: $(DEV_STAMP) ## the same plus the dev tools (what test, check and bench need)

demo: $(RUNTIME_STAMP) ## run the whole product on an embedded broker (pass options with ARGS="...")
	$(BIN)/supplylake demo $(ARGS)

test: $(DEV_STAMP) ## run unit and integration tests (in parallel: PYTEST_WORKERS=auto)
	$(PYTEST) $(PYTEST_ARGS)

test-unit: $(DEV_STAMP) ## run only the unit tests (no broker)
	$(PYTEST) -m "not integration" $(PYTEST_ARGS)

test-integration: $(DEV_STAMP) ## run only the integration tests (embedded broker)
	$(PYTEST) -m integration $(PYTEST_ARGS)

check: $(DEV_STAMP) ## guard rails: ruff lint, ruff format check, mypy (what pre-commit runs)
	$(BIN)/python -m ruff check $(CHECKED)
	$(BIN)/python -m ruff format --check $(CHECKED)
	$(BIN)/python -m mypy

lint: check ## alias of check

bench: $(DEV_STAMP) ## run every benchmark scenario and render bench/REPORT.md (one: ARGS="SCENARIO --quick")
	$(BIN)/python -m bench $(ARGS)

chaos: $(DEV_STAMP) ## run the fault suite and render docs/RELIABILITY.md (one: ARGS="SCENARIO --quick")
	$(BIN)/python -m chaos $(ARGS)

clean: ## remove the virtual env and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
