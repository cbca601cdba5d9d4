# Aegis. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV := .venv
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-sqlite test-postgres lint bench debs browser minisign clean

$(UV):
	$(PY) -m venv .uv && .uv/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --quiet --python "$$(command -v $(PY))"
	touch $@

install: $(VENV)/.installed

# Debian packages the tests use, each installed when its command is missing: chromium (the
# browser tests), minisign (the audit checkpoints' signatures) and gettext (the check that
# every message is translated extracts them with xgettext), age (backups and exchange bundles
# opened with the standard tool) and poppler-utils (pdftotext reads the PDFs we render).
DEBS := chromium:chromium minisign:minisign xgettext:gettext age:age pdftotext:poppler-utils
# Shared libraries WeasyPrint renders PDFs with, each installed when ldconfig does not know it.
DEB_LIBS := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 libharfbuzz-subset.so.0:libharfbuzz-subset0
debs:
	@missing=""; for pair in $(DEBS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair##*:}"; done; \
	for pair in $(DEB_LIBS); do \
	  /sbin/ldconfig -p | grep -q "$${pair%%:*}" || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for the tests:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; fi
browser minisign: debs

demo: install debs
	$(VENV)/bin/aegis demo

# `make test` runs the suite on SQLite and then on PostgreSQL, whatever the first run gave,
# prints how each ended and fails if either did, and lists its 25 slowest tests (to keep CI
# inside its time). PYTEST_ARGS narrows both runs.
PYTEST_ARGS ?=
# Compiled modules are kept (__pycache__, ignored by git) even where the environment says
# PYTHONDONTWRITEBYTECODE: each test worker and each `aegis` the tests start would otherwise
# compile Django and the project again, about a second and a half of CPU a process.
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n 2 -q --durations=25 $(PYTEST_ARGS)
PG_REACHABLE = $(VENV)/bin/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null

# Shell that runs one suite and leaves rc (pytest's exit status) and result (words) behind.
# Exit status 5 means pytest collected nothing: a failure, not a pass.
run_suite = echo "== test suite on $(1) =="; rc=0; $(2) $(PYTEST) || rc=$$?; \
	case $$rc in 0) result="passed";; 5) result="FAILED: no tests ran";; \
	*) result="FAILED (pytest exit status $$rc)";; esac
sqlite_suite = $(call run_suite,SQLite,)
# Outside CI, a machine without PostgreSQL skips its run; CI requires it.
postgres_suite = if $(PG_REACHABLE); then $(call run_suite,PostgreSQL,AEGIS_DATABASE_URL=$(PG_URL)); \
	elif [ "$$CI" = "true" ]; then rc=1; \
	result="FAILED: PostgreSQL is not reachable at $(PG_URL), and CI requires the PostgreSQL run"; \
	else rc=0; result="SKIPPED (no PostgreSQL reachable at $(PG_URL); CI runs it)"; fi

test: install debs
	@$(sqlite_suite); sqlite_rc=$$rc; sqlite="$$result"; \
	$(postgres_suite); postgres_rc=$$rc; postgres="$$result"; \
	echo "== summary =="; echo "SQLite:     $$sqlite"; echo "PostgreSQL: $$postgres"; \
	[ "$$sqlite_rc" = 0 ] && [ "$$postgres_rc" = 0 ]

test-sqlite:
	@$(sqlite_suite); echo "SQLite: $$result"; exit $$rc

test-postgres:
	@$(postgres_suite); echo "PostgreSQL: $$result"; exit $$rc

# The layer contract (pyproject.toml, [tool.importlinter]; docs/architecture.md draws it)
# fails on an import that goes up a layer, between independent siblings, or round a loop.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: install
	$(VENV)/bin/aegis bench

clean:
	rm -rf $(VENV) .uv var
