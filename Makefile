# alipay-marketing — build, test and demo entry points.
#
#   make deps   install the Debian packages the suites need (only the missing ones); test and demo run it first
#   make demo   start the embedded sandbox, make the three calls from Rust, C and Python, run a small campaign
#   make test   run every test suite (Rust, C under valgrind, Python, distribution)
#   make bench  run the benchmarks quoted in the README
#
# Each face keeps its own rules in mk/*.mk; this file wires them together.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
PYTHON ?= python3
VENV ?= .venv
DEMO_DIR := target/demo

# Filled in by mk/*.mk: test suites, demo steps (run with the sandbox's ALIPAY_* variables exported), the builds
# the demo needs before the sandbox starts, and benchmarks.
TEST_TARGETS :=
DEMO_TARGETS :=
DEMO_BUILD_TARGETS :=
BENCH_TARGETS :=

include mk/deps.mk
include mk/rust.mk
-include mk/c.mk
-include mk/python.mk
-include mk/dist.mk
-include mk/campaign.mk
-include mk/bench.mk
-include mk/fuzz.mk

.PHONY: help test demo bench
help:
	@echo "make deps   install the system packages the suites need (only the missing ones)"
	@echo "make demo   start the sandbox and make the three calls from every face"
	@echo "make test   run every test suite"
	@echo "make bench  run the benchmarks (see README for the numbers)"

# The system packages come first, also under make -j.
$(TEST_TARGETS) $(DEMO_BUILD_TARGETS): | deps

test: deps $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

# Starts one sandbox for every face, exports where it is and where its keys are, runs each face's demo, stops it.
demo: deps $(DEMO_BUILD_TARGETS)
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@target/debug/alipay-sandbox --port 0 $(if $(DEMO_SCENARIO),--scenario $(DEMO_SCENARIO)) --keys-dir $(DEMO_DIR)/keys --env-file $(DEMO_DIR)/env \
		>$(DEMO_DIR)/sandbox.log 2>&1 & echo $$! >$(DEMO_DIR)/sandbox.pid; \
	trap 'kill $$(cat $(DEMO_DIR)/sandbox.pid) 2>/dev/null || true' EXIT; \
	for _ in $$(seq 300); do [ -s $(DEMO_DIR)/env ] && break; sleep 0.1; done; \
	[ -s $(DEMO_DIR)/env ] || { echo "the sandbox did not start:"; cat $(DEMO_DIR)/sandbox.log; exit 1; }; \
	set -a; . $(DEMO_DIR)/env; set +a; \
	echo "sandbox listening at $$ALIPAY_GATEWAY_URL (log: $(DEMO_DIR)/sandbox.log)"; \
	for step in $(DEMO_TARGETS); do $(MAKE) --no-print-directory $$step; done

bench: $(BENCH_TARGETS)
