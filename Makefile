# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test test-quick bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) demos/main.py

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
