# The two commands of the README, plus what CI and developers run around them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_DEBUG ?= true

.PHONY: run test lint format check bench bench-growth bench-reports loadtest messages clean
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_REDIS ?= redis://127.0.0.1:6379/1
LOADTEST_REDIS ?= redis://127.0.0.1:6379/11

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## The CRM with demo data on SQLite at http://127.0.0.1:8000 (no other services needed).
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## The whole test suite (SQLite by default; DATABASE_URL/REDIS_URL point it at real services).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Migrations and translations are committed and up to date.
check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	msgfmt --check-format --check-header --check-domain -o /dev/null locale/ru/LC_MESSAGES/django.po

## Benchmarks with real services (PostgreSQL and Redis on this machine); prints figures.
bench: $(STAMP)
	psql "$(BENCH_PG)/postgres" -q -c "DROP DATABASE IF EXISTS crm_bench" -c "CREATE DATABASE crm_bench"
	DATABASE_URL=$(BENCH_PG)/crm_bench CELERY_BROKER_URL=$(BENCH_REDIS) $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_PG)/crm_bench CELERY_BROKER_URL=$(BENCH_REDIS) $(BIN)/python manage.py bench_handoffs

## Every page at 1,000, 10,000 and 100,000 deals on the local PostgreSQL (a throwaway
## crm_growth database); prints each page's figures and its growth against the bars.
bench-growth: $(STAMP)
	psql "$(BENCH_PG)/postgres" -q -c "DROP DATABASE IF EXISTS crm_growth" -c "CREATE DATABASE crm_growth"
	DATABASE_URL=$(BENCH_PG)/crm_growth $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_PG)/crm_growth $(BIN)/python manage.py bench_growth --use-current-db

## Every analytics report on 100,000 deals with 1,000,000 stage changes on the local
## PostgreSQL (a throwaway crm_reports database); prints each report's time and queries.
bench-reports: $(STAMP)
	psql "$(BENCH_PG)/postgres" -q -c "DROP DATABASE IF EXISTS crm_reports" -c "CREATE DATABASE crm_reports"
	DATABASE_URL=$(BENCH_PG)/crm_reports $(BIN)/python manage.py migrate -v0
	DATABASE_URL=$(BENCH_PG)/crm_reports $(BIN)/python manage.py bench_reports --use-current-db

## A bounded, headless load run (locust, loopback only) against gunicorn, a Celery worker,
## the local PostgreSQL (a throwaway crm_loadtest database) and Redis (database 11) with
## 10,000 deals at 8, 16 and 32 users; prints the figures, checks every move's history and
## automation, and profiles. About four minutes.
loadtest: $(STAMP)
	$(BIN)/python -m loadtest.run --postgres $(BENCH_PG) --redis $(LOADTEST_REDIS) $(LOADTEST_ARGS)

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l ru -l en --no-obsolete --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles
