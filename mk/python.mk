# Python: the alipay_marketing package (pyo3 crate in python/, pure-Python part in python/alipay_marketing).
#
#   make python-wheel   the wheel the tests use: abi3, tagged manylinux2014 (glibc >= 2.17), linked by zig, debug
#                       profile, in $(PY_WHEEL_DIR) (built once per make run; `make wheels` builds the release ones)
#   make test-python    installs that wheel into $(VENV), runs pytest, mypy --strict, stubtest and ruff (the wheel
#                       in a clean venv away from the repository is test-dist-wheel, mk/dist.mk)
#   make demo-python    the three calls from examples/python/demo.py (against ALIPAY_GATEWAY_URL when set)
#   make bench-python   release build, then bench/python/run.py (installs the two other SDKs it compares with)

.PHONY: python-develop python-wheel test-python demo-python bench-python

PY_BIN := $(VENV)/bin
PY_TOOLS_STAMP := $(VENV)/.alipay-marketing-tools
PY_CHECK_DIRS := python/alipay_marketing tests/python tests/dist bench/python examples/python
PY_PIP := $(PY_BIN)/python -m pip --disable-pip-version-check --quiet
PY_WHEEL_DIR := target/python-wheel
# The build tools, pinned: zig's glibc 2.17 sysroot and maturin's zig wrappers must fit together, and a wheel's
# tag is only as good as the auditwheel that checked it. The test tools come from the package's `test` extra.
PY_BUILD_TOOLS := "maturin>=1.9,<2" ziglang==0.17.1 auditwheel==6.8.2
PY_ENV := VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(PY_BIN)):$$PATH"
# zig as C compiler and linker gets its own target directory, so that switching between a wheel build and the
# plain builds (other CC, other linker) rebuilds neither.
PY_ZIG_ENV := $(PY_ENV) CARGO_TARGET_DIR="$(abspath target/zig)"
PY_MANYLINUX := manylinux2014

TEST_TARGETS += test-python
DEMO_BUILD_TARGETS += python-develop
DEMO_TARGETS += demo-python
BENCH_TARGETS += bench-python

# The venv with the build tools (again when pyproject.toml or this file changes).
$(PY_TOOLS_STAMP): pyproject.toml mk/python.mk
	$(PYTHON) -m venv $(VENV)
	$(PY_PIP) install --upgrade pip
	$(PY_PIP) install $(PY_BUILD_TOOLS)
	touch $@

# Builds the native module (debug) and installs the package in editable mode, with the test tools.
python-develop: $(PY_TOOLS_STAMP)
	$(PY_ENV) $(PY_BIN)/maturin develop --locked --extras test --quiet

# The one Python build of `make test`: pytest, the type checks and the distribution checks all use this wheel.
python-wheel: $(PY_TOOLS_STAMP)
	rm -rf $(PY_WHEEL_DIR)
	$(PY_ZIG_ENV) $(PY_BIN)/maturin build --locked --quiet --zig --compatibility $(PY_MANYLINUX) --out $(PY_WHEEL_DIR)

# The wheel replaces whatever `maturin develop` installed; the second install only adds the missing test tools.
test-python: python-wheel
	$(PY_PIP) install --force-reinstall --no-deps $(PY_WHEEL_DIR)/alipay_marketing-*.whl
	$(PY_PIP) install "$$(ls $(PY_WHEEL_DIR)/alipay_marketing-*.whl)[test]"
	$(PY_BIN)/python -m pytest tests/python -q
	$(PY_BIN)/python -m mypy --strict $(PY_CHECK_DIRS)
	$(PY_BIN)/python -m mypy.stubtest alipay_marketing._native
	$(PY_BIN)/ruff check $(PY_CHECK_DIRS)
	$(PY_BIN)/ruff format --check $(PY_CHECK_DIRS)

demo-python: python-develop
	@echo "== Python"
	@$(PY_BIN)/python examples/python/demo.py

bench-python: $(PY_TOOLS_STAMP)
	$(PY_ENV) $(PY_BIN)/maturin develop --locked --release --quiet --features "pyo3/extension-module bench"
	$(PY_PIP) install alipay-sdk-python python-alipay-sdk
	$(PY_BIN)/python bench/python/run.py
