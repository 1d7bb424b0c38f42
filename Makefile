# Two commands matter: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := contest:create_app
# The judging engine solves many small systems: one BLAS thread per process is fastest.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test test-sqlite test-postgres venv translations db demo bench browser-deps clean lint scan

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	$(PY) scripts/i18n.py compile

db: venv translations
	$(VENV)/bin/flask db upgrade

demo: db
	$(VENV)/bin/flask contest seed-demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/flask run --host $(HOST) --port $(PORT)

# Debian's Chromium drives the browser tests; Playwright never downloads a browser here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || ( \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null 2>&1 \
	  || echo "!!! Chromium could not be installed: browser tests will be SKIPPED !!!" )
	@command -v pdftoppm >/dev/null 2>&1 || ( \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libpango-1.0-0 libpangoft2-1.0-0) >/dev/null 2>&1 \
	  || echo "!!! poppler-utils/pango could not be installed: PDF tests will fail !!!" )

# pytest exits 5 when it collected no tests: that must fail, never pass.
PYTEST = $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

test: venv translations browser-deps
	$(PYTEST)

test-postgres: venv translations browser-deps
	export TEST_DATABASE_URL=$$(scripts/ensure-postgres.sh); $(PYTEST)

# ruff's settings are in pyproject.toml.
lint: venv
	$(VENV)/bin/ruff check .

# The outside scanner (wapiti3) in a venv of its own, so that none of its packages meet the app's.
SCAN_VENV := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed
SCAN_SECONDS ?= 300
SCAN_ROLES ?=

$(SCAN_STAMP): requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $(SCAN_STAMP)

# About 5 minutes per role (SCAN_SECONDS per role; SCAN_ROLES=anonymous,judge for some only); see README.
scan: venv translations $(SCAN_STAMP)
	nice -n 10 $(PY) scripts/scan.py --seconds $(SCAN_SECONDS) $(if $(SCAN_ROLES),--roles $(SCAN_ROLES))

bench: venv
	$(PY) bench/accuracy.py
	$(PY) bench/speed.py
	$(PY) bench/assign.py

clean:
	rm -rf $(VENV) $(SCAN_VENV) instance .pytest_cache
