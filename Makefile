# Two commands for a newcomer: `make run` and `make test`. Everything else installs itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test unit functional faults acceptance lint format package bench clean poppler chromium

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Two malloc arenas: both servers run each request on a new thread, and glibc's default (an arena
# per thread, up to 8 per CPU) leaves each one's freed request buffers stranded between the
# long-lived moto items allocated next to them: RSS that grows with every request, never reused.
run: $(STAMP)
	MALLOC_ARENA_MAX=2 PORT=$(PORT) $(PY) -m devserver.run

test: $(STAMP) lint poppler chromium
	$(PY) -m pytest tests

unit: $(STAMP) poppler
	$(PY) -m pytest tests/unit

functional: $(STAMP)
	$(PY) -m pytest tests/functional

faults: $(STAMP)
	$(PY) -m pytest tests/faults

acceptance: $(STAMP) chromium
	$(PY) -m pytest tests/acceptance

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app.py chalicelib devserver scripts

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

package: $(STAMP)
	$(PY) scripts/package.py

bench: $(STAMP)
	$(PY) bench/rating.py
	$(PY) bench/cold_start.py
	$(PY) bench/dispatch.py
	$(PY) bench/certificates.py
	$(PY) bench/jobs.py
	$(PY) bench/ledger.py
	$(PY) bench/partitions.py
	$(PY) bench/webhooks.py
	$(PY) bench/outbox.py
	$(PY) bench/soak.py

# pdftoppm (Debian's poppler-utils) turns a certificate PDF into the PNG a test keeps to look at.
poppler:
	@command -v pdftoppm >/dev/null 2>&1 || { \
		echo "installing poppler-utils (pdftoppm)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils >/dev/null; }

# Debian's Chromium, driven headless by Playwright (tests/acceptance/test_portal_browser.py).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) build .chalice/deployments .pytest_cache .mypy_cache .ruff_cache
