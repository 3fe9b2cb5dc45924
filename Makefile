# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
BACKEND := apps/backend
UV := $(shell bash scripts/ensure-uv.sh)
UV_RUN := cd $(BACKEND) && $(UV) run --frozen
# Databases the test targets run against; `SOS_TEST_DATABASES=sqlite make test` skips the server ones.
comma := ,
TEST_DATABASES := $(subst $(comma), ,$(or $(SOS_TEST_DATABASES),sqlite postgresql mariadb))

.PHONY: run test lint typecheck test-backend test-sqlite test-authz test-postgresql test-mariadb test-web \
	test-design-system test-contracts test-frontend test-e2e web web-deps chromium bench bench-events bench-notifications bench-stream bench-dispatch bench-ui setup migrate clean

setup:
	cd $(BACKEND) && $(UV) sync --frozen --quiet

# The web console is a static export the API process serves at /; it is rebuilt when its sources changed.
web:
	bash scripts/build-web.sh

web-deps:
	bash scripts/install-web-deps.sh

chromium:
	bash apps/frontend/scripts/install-chromium.sh

run: setup web
	$(UV_RUN) sos migrate
	$(UV_RUN) sos seed-demo
	$(UV_RUN) sos serve

# After lint and type checks, the backend suites (one process per database, and the authorization matrix) and the web
# console's chain run side by side: the SQLite run is the longest, and the others fill the second core around it.
# When a suite fails, its failures are repeated at the very end, below the other suites' output.
test: lint typecheck setup web-deps
	@bash scripts/suite.sh clear
	$(MAKE) --no-print-directory --output-sync=target -k -j5 test-sqlite test-authz test-postgresql test-mariadb test-web \
		|| { bash scripts/suite.sh report; exit 1; }

lint: setup
	$(UV_RUN) ruff check src tests bench
	$(UV_RUN) ruff format --check src tests bench
	$(UV_RUN) sos events check-compat

typecheck: setup
	$(UV_RUN) mypy src tests bench

# Each database gets its own pytest process, run side by side. Coverage is measured on the SQLite run, which
# also carries the database-independent tests; the same API suite then runs on PostgreSQL and MariaDB. The
# authorization matrix (every route for every role, in and out of its organization) runs on SQLite only: its
# decisions are the same Python and the same SQL on every database, whose tenant filters the domains' own API tests
# exercise on all three, and it is the largest suite.
DB_TESTS := tests/api tests/core tests/migrations tests/relay tests/consumers tests/jobs tests/notifications \
	tests/escalation tests/schedules tests/checkins tests/analytics tests/contacts tests/delivery tests/inbound \
	tests/providers/test_vapid.py tests/providers/test_provider_api.py tests/stream tests/dispatch tests/locations

test-backend: setup
	@bash scripts/suite.sh clear
	$(MAKE) --no-print-directory --output-sync=target -k -j4 test-sqlite test-authz test-postgresql test-mariadb \
		|| { bash scripts/suite.sh report; exit 1; }

SUITE := bash $(CURDIR)/scripts/suite.sh run
BACKEND_SUITE = cd $(BACKEND) && $(SUITE) $(1) $(UV) run --frozen env

test-sqlite:
	$(call BACKEND_SUITE,sqlite) SOS_TEST_DATABASES=sqlite pytest -p no:cacheprovider --ignore=tests/authz --cov --cov-report=term

test-authz:
	$(call BACKEND_SUITE,authz) SOS_TEST_DATABASES=sqlite pytest -p no:cacheprovider tests/authz

test-postgresql:
	$(if $(filter postgresql,$(TEST_DATABASES)),$(call BACKEND_SUITE,postgresql) SOS_TEST_DATABASES=postgresql pytest -p no:cacheprovider $(DB_TESTS),@echo "PostgreSQL tests not selected")

test-mariadb:
	$(if $(filter mariadb,$(TEST_DATABASES)),$(call BACKEND_SUITE,mariadb) SOS_TEST_DATABASES=mariadb pytest -p no:cacheprovider $(DB_TESTS),@echo "MariaDB tests not selected")

# The web console's checks in order: design tokens, the typed client, lint, type check and Vitest, then Playwright.
test-web:
	$(SUITE) web $(MAKE) --no-print-directory -j1 test-design-system test-contracts test-frontend test-e2e

test-design-system:
	bash scripts/ensure-node.sh
	cd packages/design-system && npm ci --no-audit --no-fund --loglevel=error && npm test

# The typed TypeScript client must match packages/contracts/openapi.json, which must match the backend.
test-contracts:
	bash scripts/ensure-node.sh
	cd packages/contracts && npm ci --no-audit --no-fund --loglevel=error && npm test

# Lint, type check and Vitest of the web console.
test-frontend: web-deps
	cd apps/frontend && npm run --silent lint && npm run --silent typecheck && npm run --silent test:unit

# Every role's journey, offline behaviour and an axe scan of each page, in Debian's Chromium against the real backend
# (embedded default) serving the built console. Screenshots land in apps/frontend/test-results/.
test-e2e: setup web chromium
	cd apps/frontend && npx playwright test

bench: setup
	bash $(BACKEND)/bench/run.sh
	$(MAKE) --no-print-directory bench-events
	$(MAKE) --no-print-directory bench-notifications
	$(MAKE) --no-print-directory bench-stream
	$(MAKE) --no-print-directory bench-dispatch

# POST /alerts to the event consumed through Kafka (tansu) at 100 and 200 SOS/s, and the relay's events/s.
bench-events: setup
	cd $(BACKEND) && .venv/bin/python -m bench.events_latency && .venv/bin/python -m bench.relay_throughput

bench-notifications: setup
	cd $(BACKEND) && .venv/bin/python -m bench.notifications_latency

# 5,000 SSE clients on one API process, then on two replicas fanning out through Redis (database 8 of the local Redis,
# flushed): memory per connection, and POST /alerts to the change seen by each client.
bench-stream: setup
	cd $(BACKEND) && .venv/bin/python -m bench.stream_fanout
	cd $(BACKEND) && .venv/bin/python -m bench.stream_fanout --replicas 2 --redis-url redis://127.0.0.1:6379/8

# The nearest-available-responder query among 100,000 responders on PostgreSQL.
bench-dispatch: setup
	cd $(BACKEND) && .venv/bin/python -m bench.dispatch_query

# Time to an interactive inbox and interaction latency, in Chromium on a phone-sized viewport with 4x CPU throttling.
bench-ui: setup web chromium
	cd apps/frontend && node bench/ui-perf.mjs

migrate: setup
	$(UV_RUN) sos migrate

clean:
	rm -rf $(BACKEND)/var $(BACKEND)/.venv packages/design-system/node_modules packages/design-system/dist packages/contracts/node_modules \
		apps/frontend/node_modules apps/frontend/.next apps/frontend/out apps/frontend/test-results
