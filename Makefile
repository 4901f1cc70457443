# The README's two commands: `make run` (app on the sample data) and `make test` (whole suite).
# Both create .venv on first use and are quick no-ops for set-up afterwards.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
PORT ?= 8501

.PHONY: run test test-fast setup browser bench sample clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "Python 3.10 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: setup
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

browser:
	@scripts/ensure-chromium.sh

# The store tests also run against a throwaway PostgreSQL on loopback (scripts/with-postgres.sh).
test: setup browser
	scripts/with-postgres.sh $(PY) -m pytest

# Everything but the tests marked slow (Prophet fits on long history, big solver runs).
test-fast: setup
	$(PY) -m pytest -m "not slow and not browser"

# Peers for the benchmarks get their own venv: they pin older pandas/protobuf than the product's.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-$(shell cat requirements.txt requirements-bench.txt | cksum | cut -d' ' -f1)

$(BENCH_STAMP): requirements.txt requirements-bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements-bench.txt
	rm -f $(BENCH_VENV)/.installed-*
	touch $@

bench: $(BENCH_STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BENCH_VENV)/bin/python $$b || exit 1; done

sample: setup
	$(PY) -m data.generate

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache
