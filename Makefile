# Two commands do all the set-up on a fresh machine (Python 3.11+ with venv):
#   make run    - create .venv, install, start the bot (terminal chat without a token)
#   make test   - create .venv, install with dev tools, run lint, types and the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench eval e2e clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rls-bot run

lint: $(STAMP)
	$(BIN)/ruff check bot tests scripts
	$(BIN)/mypy

# tests/e2e needs the Bot API emulator from the npm registry; without npm those tests skip
# (under CI=true they fail instead).
test: lint
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; fi
	$(BIN)/rls-bot kb check
	$(BIN)/pytest

# The bot end to end against a third-party Bot API emulator (needs node and npm).
e2e: $(STAMP)
	npm ci --prefix tests/e2e --no-audit --no-fund
	$(BIN)/pytest tests/e2e

eval: $(STAMP)
	$(BIN)/rls-bot eval tests/data/dev_questions.yaml
	$(BIN)/rls-bot eval tests/data/own_questions.yaml
	$(BIN)/rls-bot eval tests/data/blind_questions.yaml
	$(BIN)/rls-bot eval tests/data/blind3_questions.yaml

bench: $(STAMP)
	$(BIN)/python scripts/bench_core.py
	$(BIN)/python scripts/bench_telegram.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis tests/e2e/node_modules
