# Every target installs what it needs first, from nothing: a fresh clone needs only python3 >= 3.11,
# plus npm (for the dashboard's local Chart.js), redis-server (the bus between the dashboard and the
# servers it measures) and, for the tests, Chromium. When those are missing they come from Debian's
# packages, which needs root (as in CI).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: run test bench screenshots install install-test check lint format typecheck browser redis clean

run: $(VENV)/.installed node_modules/.installed redis
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve

test: lint typecheck node_modules/.installed browser redis
	$(PY) -m pytest

check: lint typecheck

# Benchmarks against `hey` (Debian package hey); each starts its own servers on free ports and
# prints its ratio against its target (about 12.5 minutes in all on 2 cores; repetitions: 11, 12,
# 9, 7, 4). request_path counts calls: no repetitions. audience holds 1000 /events/ clients on a
# dashboard, idle and during runs launched through its API (about 2.5 minutes; no hey).
bench: $(VENV)/.installed redis
	@command -v hey >/dev/null || { apt-get update -qq && $(APT_INSTALL) hey; }
	$(PY) -m bench.telemetry_cost
	$(PY) -m bench.subject_vs_bare
	$(PY) -m bench.request_path
	$(PY) -m bench.dashboard_viewers
	$(PY) -m bench.loadgen_vs_hey
	$(PY) -m bench.audience

# The docs' screenshots and their numbers (docs/screenshots/): its own server, Chromium driving the page.
screenshots: $(VENV)/.installed-test node_modules/.installed browser redis
	$(PY) -m docs.screenshots

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "asyncviews needs Python >= 3.11; set PYTHON=python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.python pyproject.toml constraints.txt
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# The local copy of Chart.js that the dashboard serves when its CDN does not load.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && $(APT_INSTALL) npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own browsers need a download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && $(APT_INSTALL) chromium; }

# The dashboard starts its own redis-server (Debian's) unless ASYNCVIEWS_REDIS_URL names one.
redis:
	@command -v redis-server >/dev/null || { apt-get update -qq && $(APT_INSTALL) redis-server; }

clean:
	rm -rf $(VENV) var *.egg-info node_modules test-artifacts
