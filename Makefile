# `make demo` and `make test` do everything on a fresh machine; each first creates .venv with what it needs.
# Every demo has its own target; pass options with ARGS, e.g. `make mnist-lab ARGS="--activation relu"`.
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: help setup-demo setup-test demo test bench graph clean \
	lesson-2d loss-functions moons regression mnist-lab visualize-graph notebooks mutation

help:
	@echo "make demo             the main demo (first installs numpy, matplotlib, graphviz, tqdm, threadpoolctl into .venv)"
	@echo "make test             the whole test suite (also installs pytest, hypothesis, PyTorch CPU, chromium)"
	@echo "make lesson-2d | loss-functions | moons | regression | mnist-lab | visualize-graph   one demo [ARGS=...]"
	@echo "make graph            the example compute-graph pictures into graphs/ [ARGS=\"--out DIR --format png\"]"
	@echo "make bench            the benchmarks against micrograd, numpy and PyTorch"
	@echo "make notebooks        run the notebooks and store them with their outputs (notebooks/build.py)"
	@echo "make mutation         mutation testing of the core files (hours on 2 cores; scripts/mutation.sh)"

setup-demo:
	@bash scripts/setup.sh demo

setup-test:
	@bash scripts/setup.sh test

demo: setup-demo
	$(PY) demos/main.py $(ARGS)

lesson-2d loss-functions moons regression mnist-lab visualize-graph: setup-demo
	$(PY) demos/$(subst -,_,$@).py $(ARGS)

graph: setup-demo
	$(PY) -m tinygrad_edu graph $(ARGS)

test: setup-test
	$(PY) -m pytest -q $(ARGS)

bench: setup-test
	$(PY) benchmarks/run_all.py $(ARGS)

notebooks: setup-test
	$(PY) notebooks/build.py $(ARGS)

mutation: setup-test
	$(VENV)/bin/pip install -q "mutmut==3.8.1"
	PY=$(abspath $(PY)) bash scripts/mutation.sh

clean:
	rm -rf $(VENV) out graphs .pytest_cache .hypothesis
