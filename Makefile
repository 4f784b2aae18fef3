# Two commands for a newcomer: `make run` and `make test`. Everything else installs itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test unit functional faults acceptance lint format package bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m devserver.run

test: $(STAMP) lint
	$(PY) -m pytest tests

unit: $(STAMP)
	$(PY) -m pytest tests/unit

functional: $(STAMP)
	$(PY) -m pytest tests/functional

faults: $(STAMP)
	$(PY) -m pytest tests/faults

acceptance: $(STAMP)
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
	$(PY) bench/jobs.py
	$(PY) bench/ledger.py
	$(PY) bench/partitions.py
	$(PY) bench/soak.py

clean:
	rm -rf $(VENV) build .chalice/deployments .pytest_cache .mypy_cache .ruff_cache
