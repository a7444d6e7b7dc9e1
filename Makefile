# NMT Community of Practice Portal. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
# uv from PATH, or the one pip installs for this Python when it is missing.
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV_PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help uv install run test test-pgbouncer lint format messages migrate seed clean tls

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

uv: ## Install uv with pip when it is missing
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

install: uv ## Install the project and its dev tools into .venv (from uv.lock)
	@$(UV) sync --frozen --quiet

migrate: install ## Apply database migrations
	@$(VENV_PY) manage.py migrate --no-input -v0

seed: migrate ## Load the demo data (idempotent)
	@$(VENV_PY) manage.py seed_demo

run: seed ## Serve the portal with demo data on http://127.0.0.1:8000 (another port: make run PORT=8001)
	@echo ""
	@echo "  NMT Community of Practice Portal: http://$(HOST):$(PORT)/"
	@echo "  Database: $${DATABASE_URL:-SQLite file db.sqlite3 (embedded default)}"
	@echo "  Email: $${EMAIL_URL:-printed to the console}"
	@echo "  Demo sign-ins, password nmt-demo-2026:"
	@echo "    admin@example.org          superuser and curator (/admin/)"
	@echo "    coordinator@example.org    coordinator of San Mateo County BHRS"
	@echo "    practitioner@example.org   staff member of San Mateo County BHRS"
	@echo "    coordinator2@example.org   coordinator of A Better Way"
	@echo "  Emails (verification links, invitations) are printed below."
	@echo ""
	@if [ -n "$$REDIS_URL" ]; then \
		echo "  REDIS_URL is set: web + Celery worker + beat (Procfile)"; \
		WEB_HOST=$(HOST) WEB_PORT=$(PORT) .venv/bin/honcho -f Procfile start; \
	else \
		echo "  No REDIS_URL: web + in-process tasks + a reminder loop (Procfile.embedded)"; \
		WEB_HOST=$(HOST) WEB_PORT=$(PORT) .venv/bin/honcho -f Procfile.embedded start; \
	fi

test: install ## Run the whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL), browser tests included
	@$(VENV_PY) -m pytest $(PYTEST_ARGS)

test-pgbouncer: install ## The concurrency tests again, through a PgBouncer in transaction pooling that the run starts
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null)
	@$(VENV_PY) -m pytest --pgbouncer -m concurrency $(PYTEST_ARGS)

lint: install ## Check style (ruff) and the layers (import-linter: imports run one way)
	@$(VENV_PY) -m ruff check .
	@$(VENV_PY) -m ruff format --check .
	@.venv/bin/lint-imports --no-cache

messages: install ## Update the Spanish catalogue from the code and templates, then compile it (needs GNU gettext)
	@$(VENV_PY) manage.py update_messages

format: install ## Fix what ruff can fix
	@$(VENV_PY) -m ruff check --fix .
	@$(VENV_PY) -m ruff format .

TLS_NAME ?= localhost
tls: ## A self-signed TLS certificate in deploy/tls/ for a trial of the compose proxy (TLS_NAME=localhost)
	@mkdir -p deploy/tls
	@openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$(TLS_NAME)" \
		-addext "subjectAltName=DNS:$(TLS_NAME)" \
		-keyout deploy/tls/privkey.pem -out deploy/tls/fullchain.pem 2>/dev/null
	@echo "deploy/tls/fullchain.pem and privkey.pem: self-signed for $(TLS_NAME), 30 days"

clean: ## Remove the virtualenv, the SQLite file and collected static files
	rm -rf .venv db.sqlite3 staticfiles
