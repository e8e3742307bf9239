# campusgrid — the two commands a new user runs:
#   make run    install what the app needs, seed the demo campus, serve http://127.0.0.1:8501
#   make test   install what the tests need (PostGIS, Chromium), run ruff, mypy, the layer
#               contracts (import-linter) and pytest (with the docstring examples)
# Both are idempotent: a second run only checks, then does its job.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DB     ?= sqlite:///data/campusgrid.sqlite
PYTEST_ARGS ?=

.PHONY: run test deps test-deps lint typecheck contracts pytest demo bench clean help

help:
	@echo "make run    install, seed the demo campus, serve http://127.0.0.1:$(PORT)"
	@echo "make test   install test dependencies, run ruff, mypy, the layer contracts and pytest"
	@echo "make bench  run the benchmarks in bench/ (by hand, not in CI)"

run: deps
	@$(BIN)/campusgrid demo --if-missing --db "$(DB)"
	$(BIN)/campusgrid serve --port $(PORT) --db "$(DB)"

test: test-deps lint typecheck contracts pytest

deps: $(VENV)/.installed-run
test-deps: $(VENV)/.installed-test

# A venv stamp depends on pyproject.toml: edit the dependencies and the next make reinstalls.
$(VENV)/.installed-run: pyproject.toml scripts/system-deps.sh
	@scripts/check-python.sh $(PYTHON)
	@scripts/system-deps.sh run
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml scripts/system-deps.sh
	@scripts/check-python.sh $(PYTHON)
	@scripts/system-deps.sh test
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed-run

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: test-deps
	$(BIN)/mypy

# The direction of imports (DESIGN.md: layers); the contracts are in pyproject.toml and a
# broken one prints its name and the offending import lines.
contracts: test-deps
	$(BIN)/lint-imports --no-cache --no-logo

# Two workers (the CI machine has 2 cores), whole files per worker: a file's module- and
# session-scoped servers and databases stay in one process. PYTEST_ARGS="-n 0": one process.
PYTEST_WORKERS ?= 2
pytest: test-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

demo: deps
	$(BIN)/campusgrid demo --db "$(DB)"

bench: test-deps
	$(BIN)/python bench/split.py
	$(BIN)/python bench/assign.py
	$(BIN)/python bench/coverage.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
