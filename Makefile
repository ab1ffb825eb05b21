# Two commands do all the set-up on a fresh machine (Python 3.11+ with venv):
#   make run    - create .venv, install, start the bot (terminal chat without a token)
#   make test   - create .venv, install with dev tools, run lint, types and the test suite
#
# Every install comes from requirements/*.lock (exact versions with hashes):
#   make lock   - re-resolve the locks after changing pyproject.toml (needs PyPI)
#   make check  - lint, types, lock files vs pyproject, kb check, dependency audit
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCKS := requirements/build.lock requirements/dev.lock requirements/bot.lock
# The one tool that writes the locks, pinned, in its own venv (not in the locks it writes).
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_COMPILE := $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command 'make lock'

.PHONY: run test check lint lock lock-check audit bench anchors eval e2e clean

$(STAMP): pyproject.toml $(LOCKS) scripts/check_lock.py
	$(PY) scripts/check_lock.py
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements/build.lock
	$(BIN)/python -m pip install -q --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rls-bot run

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q uv==$(UV_VERSION)

# After merging branches that changed dependencies: `make lock`, then commit the locks.
# Versions already in a lock are kept unless pyproject.toml asks for others.
lock: $(UV)
	$(UV_COMPILE) pyproject.toml -o requirements/bot.lock
	$(UV_COMPILE) pyproject.toml --all-extras -o requirements/dev.lock
	$(UV_COMPILE) requirements/build.in -o requirements/build.lock
	$(PY) scripts/check_lock.py

lock-check:
	$(PY) scripts/check_lock.py

lint: $(STAMP)
	$(BIN)/ruff check bot tests scripts
	$(BIN)/mypy

# Known vulnerabilities in the locked set (pip-audit asks PyPI's advisory data). Under
# CI=true the network part is skipped; the lock check and `pip check` still run. Where the
# advisory data cannot be reached the audit warns; AUDIT_STRICT=1 makes that a failure.
audit: $(STAMP)
	@if [ "$$CI" = "true" ]; then echo "pip-audit: skipped under CI=true"; else \
		$(BIN)/python scripts/audit.py; fi

check: lint lock-check audit
	$(BIN)/rls-bot kb check

# tests/e2e needs the Bot API emulator from the npm registry; without npm those tests skip
# (under CI=true they fail instead).
test: check
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; fi
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

# Which literals of the danger patterns are common (knowledge/danger/common.json): only
# speed depends on it. Rerun after adding many patterns.
anchors: $(STAMP)
	$(BIN)/python scripts/count_anchors.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_core.py
	$(BIN)/python scripts/bench_telegram.py

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache .hypothesis \
		tests/e2e/node_modules
