# The two commands the README starts with: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Local development settings; production sets DJANGO_SECRET_KEY and friends instead.
DEV := DJANGO_DEBUG=1

.PHONY: run test setup test-tools

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

# Chromium, Java and the Nu HTML Checker for the browser and HTML-validity tests (installed only where missing).
test-tools:
	scripts/install-test-tools

test: setup test-tools
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV) $(PY) -m pytest
