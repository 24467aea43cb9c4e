# Joined Up: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
VENDOR := joinedup/static/vendor
NODE_MODULES := frontend/node_modules
PG_URL ?= postgres://joinedup:joinedup@127.0.0.1:5432/joinedup
# Tests serve plain HTTP on localhost with a throwaway key; Playwright's sync
# API runs an event loop in the test thread, which Django must be told is fine.
TEST_ENV := SECRET_KEY=insecure-test-only-key HTTPS=false DJANGO_ALLOW_ASYNC_UNSAFE=true

# Find a Python >= 3.12 that actually runs: python3.13/python3.12 on PATH
# (pyenv shims exist but fail unless a version is selected), then pyenv's
# installed versions, then python3 if new enough.
define find_python
for c in python3.13 python3.12; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then command -v $$c; exit 0; fi; \
done; \
if command -v pyenv >/dev/null 2>&1; then \
  for c in $$(ls -d "$$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
    if $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$c; exit 0; fi; \
  done; \
fi; \
if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then command -v python3; exit 0; fi; \
exit 1
endef

.PHONY: run test install frontend migrate seed serve worker serve-production lint typecheck test-sqlite test-postgres clean
PORT ?= 8000

$(VENV)/.installed: pyproject.toml
	@PYTHON=$$($(find_python)) || { \
	  echo "Joined Up needs Python 3.12 or newer, and none was found."; \
	  echo "Install one, for example: sudo apt-get install python3.12 python3.12-venv"; \
	  echo "(or: pyenv install 3.13), then run make again."; exit 1; }; \
	echo "Using $$PYTHON ($$($$PYTHON --version))"; \
	[ -x $(PY) ] && $(PY) -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null || { rm -rf $(VENV); $$PYTHON -m venv $(VENV); }
	@echo "Installing pinned Python packages (first time takes a minute)..."
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --progress-bar on -e '.[dev,spark]'
	@mkdir -p staticfiles var
	@touch $@

$(NODE_MODULES)/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the front-end packages: sudo apt-get install nodejs npm"; exit 1; }
	@echo "Installing front-end packages from the lockfile..."
	@cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Copy the packages' dist files into static/vendor (git-ignored) and build
# the stylesheet: no CDN at run time.
$(VENDOR)/.built: $(NODE_MODULES)/.installed frontend/src/joinedup.scss
	@echo "Building front-end assets..."
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk-frontend $(VENDOR)/htmx $(VENDOR)/axe
	@cp $(NODE_MODULES)/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk-frontend/
	@cp -r $(NODE_MODULES)/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk-frontend/assets
	@rm -rf $(VENDOR)/govuk-frontend/assets/fonts
	@cp $(NODE_MODULES)/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@cp $(NODE_MODULES)/axe-core/axe.min.js $(VENDOR)/axe/
	@mkdir -p $(VENDOR)/cytoscape && cp $(NODE_MODULES)/cytoscape/dist/cytoscape.min.js $(VENDOR)/cytoscape/
	@mkdir -p $(VENDOR)/vega && cp $(NODE_MODULES)/vega/build/vega.min.js $(NODE_MODULES)/vega-lite/build/vega-lite.min.js $(NODE_MODULES)/vega-embed/build/vega-embed.min.js $(VENDOR)/vega/
	@mkdir -p $(VENDOR)/leaflet && cp -r $(NODE_MODULES)/leaflet/dist/leaflet.js $(NODE_MODULES)/leaflet/dist/leaflet.css $(NODE_MODULES)/leaflet/dist/images $(VENDOR)/leaflet/
	@cd frontend && npx sass --pkg-importer=node --no-source-map --style=compressed --quiet-deps src/joinedup.scss ../$(VENDOR)/joinedup.css
	@touch $@

install: $(VENV)/.installed $(VENDOR)/.built

frontend: $(VENDOR)/.built

migrate: install
	@mkdir -p var
	@DEBUG=true $(PY) manage.py migrate --no-input

seed: migrate
	@DEBUG=true $(PY) manage.py seed_demo

# The web server and the background-jobs worker together: stopping one (Ctrl+C) stops the other.
serve:
	@echo ""
	@echo "Joined Up is running on http://127.0.0.1:$(PORT) (synthetic data only), with a background-jobs worker."
	@echo "Sign in as any of the demo users above, e.g. sw.city, with password: synthetic-demo-only"
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	DEBUG=true $(PY) manage.py db_worker --no-reload --interval 1 --verbosity 0 & worker=$$!; \
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The worker on its own (production runs it as its own service: docs/deployment.md).
worker:
	@$(PY) manage.py db_worker --no-reload --interval 1

# Production, from the same environment (.env or the real one; DEBUG off, SECRET_KEY
# set): migrate, collect static files for WhiteNoise, then gunicorn and a worker.
serve-production: install
	@$(PY) manage.py migrate --no-input
	@$(PY) manage.py collectstatic --no-input --verbosity 0
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	WHITENOISE_USE_FINDERS=false BIND=$${BIND:-127.0.0.1:$(PORT)} $(VENV)/bin/gunicorn -c gunicorn.conf.py

run: seed serve

lint: install
	@echo "ruff..."
	@$(VENV)/bin/ruff format --check joinedup benchmarks scripts
	@$(VENV)/bin/ruff check joinedup benchmarks scripts
	@$(PY) scripts/check_access.py
	@echo "import contract..."
	@$(VENV)/bin/lint-imports --no-cache

typecheck: install
	@echo "mypy..."
	@$(TEST_ENV) $(VENV)/bin/mypy

test-sqlite: install
	@echo "Tests on SQLite..."
	@$(TEST_ENV) $(PY) -m pytest

# PostgreSQL is mandatory under CI=true; elsewhere the run says how to get it and is skipped.
test-postgres: install
	@if $(PY) scripts/check_postgres.py "$(PG_URL)"; then \
	  echo "Tests on PostgreSQL..."; $(TEST_ENV) DATABASE_URL="$(PG_URL)" $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI=true: PostgreSQL is required but is not reachable at $(PG_URL)."; exit 1; \
	else \
	  echo "Skipping the PostgreSQL run: none is reachable at $(PG_URL). To include it:"; \
	  echo "  sudo apt-get install postgresql && sudo pg_ctlcluster 15 main start"; \
	  echo "  sudo -u postgres psql -c \"CREATE ROLE joinedup LOGIN PASSWORD 'joinedup' CREATEDB\""; \
	  echo "or set PG_URL to a server where the role can create databases."; \
	fi

test: lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) $(NODE_MODULES) $(VENDOR) staticfiles .pytest_cache .mypy_cache .ruff_cache
