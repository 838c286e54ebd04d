# Parley: `make run` serves the demo, `make test` runs the whole suite.
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Where the services pass of the suite finds PostgreSQL and Redis.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run install migrate test test-js test-embedded test-server test-browser test-services test-services-units test-integration widget lint format messages bench bench-routing bench-history bench-reports bench-transports clean

$(VENV)/.installed: requirements.txt
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# The suite runs twice: on the embedded default (SQLite, in-memory layer), and on
# PostgreSQL + Redis with the integration tests. Browser tests run in the first pass.
# The server tests run as three jobs, two at a time: the integration tests (real
# daphne and Celery processes on PostgreSQL + Redis, much of their time spent
# waiting on servers and sockets) beside the services pass's other tests, then
# the embedded pass's server tests when one of those ends. They share nothing (a
# database, a Redis key prefix and temporary folders each); each report is printed
# whole when it ends (--output-sync). The browser tests run after all of them, on
# a machine left to them: a browser test that times keyboard focus failed once
# with both passes beside it. The whole of make test: 961 s here (1152 s in CI)
# before these jobs were split, 411 s after (README.md, Tests).
test: test-js install
	$(MAKE) --no-print-directory -j2 --output-sync=target test-integration test-services-units test-server
	$(MAKE) --no-print-directory test-browser

# The front ends' pure modules (static/tests), on Node's own test runner.
test-js:
	cd static && node --test

# The embedded pass: its server tests, then its browser tests.
test-embedded: test-server test-browser

test-server: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m "not integration and not postgres and not browser"

test-browser: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m browser

# The services pass: its unit tests and its integration tests, which `make test`
# runs side by side. Without PostgreSQL or Redis they are skipped, or fail with
# CI=true.
test-services: test-services-units test-integration

test-services-units: install
	@$(call with_services,unit tests,-m "not browser and not integration")

test-integration: install
	@$(call with_services,integration tests,-m integration)

# Runs the $(1) (pytest $(2)) on PostgreSQL and Redis if both answer; otherwise
# says so and skips them, or fails with CI=true.
define with_services
if $(PY) -m tests.services_up "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"; then \
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" \
		$(PY) -m pytest $(2); \
elif [ "$$CI" = "true" ]; then \
	echo "PostgreSQL or Redis is not reachable, and CI=true: failing."; exit 1; \
else \
	echo "Skipping the PostgreSQL + Redis $(1): services not reachable (see above)."; \
fi
endef

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Collects Parley's translatable words into helpdesk/locale and compiles them;
# needs GNU gettext (apt-get install gettext). The compiled .mo files are committed,
# so running Parley needs no gettext.
messages: install
	$(PY) manage.py makemessages --locale de --no-obsolete --ignore tests --ignore bench --ignore var
	$(PY) manage.py compilemessages --locale de --ignore .venv

# Rebuilds the widget (static/widget/parley.js and static/widget/dist/) from
# static/widget/src and static/shared with esbuild; needs Node 20 and npm. The
# built files are committed, so running Parley needs no Node.
widget:
	cd static && npm ci --no-audit --no-fund && node build.mjs

# Parley beside a bare Channels relay, on the embedded default and (when PostgreSQL
# and Redis answer) the services configuration: starts its own servers on 127.0.0.1,
# stops by itself (about 15 minutes on a quiet machine) and prints the table for
# docs/benchmarks.md. One case or configuration:
#   make bench BENCH_ARGS="--cases knee --configs embedded"
bench: install
	$(PY) bench/relay.py --database "$(TEST_DATABASE_URL)" --redis "$(TEST_REDIS_URL)" $(BENCH_ARGS)

# What routing costs, timed in this process on a database of its own (SQLite).
bench-routing: install
	$(PY) bench/routing.py

# History pages, inbox views and search at 10^5 tickets and 10^6 messages, on a
# fresh PostgreSQL database of its own (about 10 minutes).
bench-history: install
	$(PY) bench/history.py --database "$(TEST_DATABASE_URL)"

# The reports API at 10^5 tickets: on SQLite, then on a PostgreSQL database of its
# own on the server of TEST_DATABASE_URL (created and dropped by the bench).
bench-reports: install
	$(PY) bench/reports.py
	$(PY) bench/reports.py --database "$(TEST_DATABASE_URL)"

# WebSockets or REST? The same chat over the socket, the event stream, a long
# poll and polling every 1 s and 5 s; draws docs/transports.png (about 12 minutes).
bench-transports: install
	$(PY) bench/transports.py --plot docs/transports.png

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
