# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
BACKEND := apps/backend
UV := $(shell bash scripts/ensure-uv.sh)
UV_RUN := cd $(BACKEND) && $(UV) run --frozen

.PHONY: run test lint typecheck test-backend bench setup migrate seed clean

setup:
	cd $(BACKEND) && $(UV) sync --frozen --quiet

run: setup
	$(UV_RUN) sos migrate
	$(UV_RUN) sos seed-demo
	$(UV_RUN) sos serve

test: lint typecheck test-backend

lint: setup
	$(UV_RUN) ruff check src tests bench
	$(UV_RUN) ruff format --check src tests bench

typecheck: setup
	$(UV_RUN) mypy src tests bench

test-backend: setup
	$(UV_RUN) pytest --cov --cov-report=term

bench: setup
	bash $(BACKEND)/bench/run.sh

migrate: setup
	$(UV_RUN) sos migrate

clean:
	rm -rf $(BACKEND)/var $(BACKEND)/.venv
