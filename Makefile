# alipay-marketing — build, test and demo entry points.
#
#   make demo   start the embedded sandbox and make the three calls from Rust, C and Python
#   make test   run every test suite (Rust, C under valgrind, Python)
#
# Each face keeps its own rules in mk/*.mk; this file only wires them together.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
PYTHON ?= python3
VENV ?= .venv

TEST_TARGETS :=
DEMO_TARGETS :=

include mk/rust.mk
-include mk/c.mk
-include mk/python.mk

.PHONY: help test demo
help:
	@echo "make demo   start the sandbox and make the three calls from every face"
	@echo "make test   run every test suite"
	@echo "make bench  run the benchmarks (see README for the numbers)"

test: $(TEST_TARGETS)
	@echo "make test: all suites passed"

demo: $(DEMO_TARGETS)
