# Lastmile: `make run` sets up and serves the demo; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test setup system system-test lint format messages worker beat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# System packages (Pango and a CJK font for PDFs; Chromium and gettext for the tests):
# installed when missing and we may, otherwise named.
system:
	@bash scripts/system-packages.sh

system-test:
	@bash scripts/system-packages.sh --test

setup: $(STAMP) system
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo

run: setup
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP) system-test
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=var --ignore=scripts --no-obsolete
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv

# Figures for the README: PDF rendering and a bulk send through a real worker. Needs the
# local PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL to point elsewhere).
bench: $(STAMP) system
	$(PY) scripts/bench.py

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
