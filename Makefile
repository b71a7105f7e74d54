# combi-explorer: every target creates .venv itself when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= runs/demo
export OMP_NUM_THREADS ?= 2
export MPLBACKEND := Agg

.PHONY: help install demo test check-science check-curiosity check-reliability lint bench clean

help:
	@echo "make demo             set up .venv, run a short simulated campaign, write plots + report"
	@echo "make test             set up .venv, run the default (fast) test suite"
	@echo "make check-science    slow scientific checks (paper tables); prints result tables"
	@echo "make check-curiosity  curiosity vs random, 50 trials x 100 measurements (hours of CPU; CURIOSITY_DEVICE=cuda: minutes)"
	@echo "make check-reliability long crash / fault / fuzz runs"
	@echo "make lint             ruff + mypy"
	@echo "make bench            latency + efficiency benchmarks vs BoTorch / skopt (long; runs/bench/)"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || (echo "error: python3.11 not found; install Python 3.11" >&2; exit 2)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/explorer demo --out $(DEMO_DIR) --max-points 30

test: $(STAMP)
	$(BIN)/python -m pytest -q

# the reproduction checks live in tests/science/ (the product never imports them); the curiosity
# benchmark and the SmBFO sample statistics carry the same marker beside their modules' tests
check-science: $(STAMP)
	$(BIN)/python -m pytest -q -m science -s -p no:cacheprovider tests/science tests/explorer/bench tests/hardware/pfm

# The paper's full table: 100 trial runs of ~220 full-grid im2spec evaluations each,
# one process per core. Exits 1 unless the paper's numbers are reproduced.
CURIOSITY_OUT ?= runs/check-curiosity
CURIOSITY_DEVICE ?= cpu
check-curiosity: $(STAMP)
	$(BIN)/explorer bench curiosity --trials 50 --measurements 100 --out $(CURIOSITY_OUT) --device $(CURIOSITY_DEVICE) --resume --check-paper

check-reliability: $(STAMP)
	$(BIN)/python -m pytest -q -m "reliability or ownership" -s

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	mkdir -p runs/bench
	$(BIN)/explorer bench latency --json runs/bench/latency.json
	$(BIN)/explorer bench efficiency --out runs/bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
