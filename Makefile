# Knead: the two commands are `make demo` and `make test`; both run `make install` first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: install demo test lint lock golden bench clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: install
	DEBUG=1 $(BIN)/knead migrate
	DEBUG=1 $(BIN)/knead demo
	DEBUG=1 PORT=$(PORT) $(BIN)/knead serve

test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	DEBUG=1 $(BIN)/mypy src/knead/billing
	$(BIN)/pytest $(PYTEST_ARGS)

# Rewrite golden files (X12, PDFs' text) after a deliberate output change; review the diff.
golden: install
	KNEAD_REWRITE_GOLDEN=1 $(BIN)/pytest $(PYTEST_ARGS) -m "not browser"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Re-resolve the pinned dependencies after editing pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var
