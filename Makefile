# roughatlas — every target does its own set-up (.venv, installs, Cython build).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMPS := .stamps
PYX := $(wildcard numerics/*.pyx numerics/*.pxd)

.PHONY: all venv build verify test test-fast witness index bench lean certify export clean serve

all: verify

venv: $(STAMPS)/venv
$(STAMPS)/venv: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	@mkdir -p $(STAMPS) && touch $@

build: $(STAMPS)/build
$(STAMPS)/build: $(STAMPS)/venv setup.py pyproject.toml $(PYX)
	$(PY) setup.py -q build_ext --inplace
	$(PIP) install -q --no-build-isolation --no-deps -e .
	@touch $@

verify: build
	$(PY) -m verifier certify --check
	$(PY) -m verifier export lean --check
	$(PY) -m verifier export coq --check
	@bash .ci/install-coq
	$(PY) -m verifier coq-build --if-available
	$(PY) -m verifier verify
	$(PY) -m verifier mutants
	$(PY) -m verifier lean-build --if-available

serve: build
	$(PY) -m service

export: build
	$(PY) -m verifier export all

certify: build
	$(PY) -m verifier certify

test: build
	$(PY) -m pytest -q

test-fast: build
	$(PY) -m pytest -q -m "not slow"

witness: build
	$(PY) -m verifier witness --all $(if $(DASK),--dask $(DASK))

index: build
	$(PY) -m verifier index

bench: build $(STAMPS)/bench-deps
	$(PY) -m benchmarks --quick

lean: build
	$(PY) -m verifier lean-build

clean:
	rm -rf build $(STAMPS) numerics/*.so numerics/_*.c *.egg-info

$(STAMPS)/bench-deps: requirements-bench.txt $(STAMPS)/venv
	$(PIP) install -q --no-deps -r requirements-bench.txt
	@touch $@
