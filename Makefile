# Aegis. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV := .venv
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-sqlite test-postgres lint bench browser minisign clean

$(UV):
	$(PY) -m venv .uv && .uv/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --quiet --python "$$(command -v $(PY))"
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests, when missing.
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's minisign, with which a test checks the audit checkpoints' signatures, when missing.
minisign:
	@command -v minisign >/dev/null || { \
	  echo "Installing Debian's minisign for the audit checkpoint test..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq minisign >/dev/null; }

demo: install
	$(VENV)/bin/aegis demo

test: install browser minisign
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	$(VENV)/bin/pytest -n 2 -q

test-postgres:
	@if $(VENV)/bin/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== test suite on PostgreSQL =="; \
	  AEGIS_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -n 2 -q; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_URL), and CI requires the PostgreSQL run."; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL run (no PostgreSQL reachable at $(PG_URL)). CI runs it."; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: install
	$(VENV)/bin/aegis bench

clean:
	rm -rf $(VENV) .uv var
