# Python: the alipay_marketing package (pyo3 crate in python/, pure-Python part in python/alipay_marketing).
#
#   make test-python    build the module (debug) into $(VENV), run pytest, mypy --strict, stubtest and ruff, then
#                       install the built wheel into a throwaway venv and import it away from the repository
#   make demo-python    the three calls from examples/python/demo.py (against ALIPAY_GATEWAY_URL when set)
#   make bench-python   release build, then bench/python/run.py (installs the two other SDKs it compares with)

.PHONY: python-develop test-python demo-python bench-python

PY_BIN := $(VENV)/bin
PY_TOOLS_STAMP := $(VENV)/.alipay-marketing-tools
PY_CHECK_DIRS := python/alipay_marketing tests/python bench/python examples/python
PY_PIP := $(PY_BIN)/python -m pip --disable-pip-version-check --quiet
PY_WHEEL_DIR := target/python-wheel

TEST_TARGETS += test-python
DEMO_BUILD_TARGETS += python-develop
DEMO_TARGETS += demo-python
BENCH_TARGETS += bench-python

# The venv with the build backend and, through the package's `test` extra, the test tools (again when
# pyproject.toml changes).
$(PY_TOOLS_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY_PIP) install --upgrade pip
	$(PY_PIP) install "maturin>=1.9,<2"
	VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(PY_BIN)):$$PATH" \
		$(PY_BIN)/maturin develop --locked --extras test --quiet
	touch $@

# Builds the native module (debug) and installs the package in editable mode.
python-develop: $(PY_TOOLS_STAMP)
	VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(PY_BIN)):$$PATH" \
		$(PY_BIN)/maturin develop --locked --quiet

test-python: python-develop
	$(PY_BIN)/python -m pytest tests/python -q
	$(PY_BIN)/python -m mypy --strict python/alipay_marketing tests/python bench/python examples/python
	$(PY_BIN)/python -m mypy.stubtest alipay_marketing._native
	$(PY_BIN)/ruff check $(PY_CHECK_DIRS)
	$(PY_BIN)/ruff format --check $(PY_CHECK_DIRS)
	@# The wheel alone, installed where the repository is not importable, must work.
	rm -rf $(PY_WHEEL_DIR) && $(PY_BIN)/maturin build --locked --quiet --out $(PY_WHEEL_DIR)
	rm -rf $(PY_WHEEL_DIR)/venv && $(PYTHON) -m venv $(PY_WHEEL_DIR)/venv
	$(PY_WHEEL_DIR)/venv/bin/python -m pip install --disable-pip-version-check --quiet --no-index $(PY_WHEEL_DIR)/*.whl
	cd $(PY_WHEEL_DIR) && venv/bin/python -I -c "$$PY_WHEEL_SMOKE"

define PY_WHEEL_SMOKE
import alipay_marketing, contextlib, io, pathlib, runpy, sys
from alipay_marketing.testing import Sandbox
assert 'site-packages' in alipay_marketing.__file__, alipay_marketing.__file__
assert (pathlib.Path(alipay_marketing.__file__).parent / 'py.typed').exists()
with Sandbox() as sandbox, sandbox.client(retry=alipay_marketing.RetryPolicy(max_attempts=2)) as client:
    voucher = client.send_voucher(template_id='TPL-FIXED-10', out_biz_no='wheel-1', user_id='2088000000000001')
    assert client.stats().successes == 1
sys.argv = ['alipay_marketing', 'doctor', '--help']
usage = io.StringIO()
try:
    with contextlib.redirect_stdout(usage):
        runpy.run_module('alipay_marketing', run_name='__main__')
except SystemExit as done:
    assert done.code == 0 and '--alipay-public-key' in usage.getvalue(), (done.code, usage.getvalue())
print('wheel ok:', alipay_marketing.__version__, voucher.voucher_id)
endef
export PY_WHEEL_SMOKE

demo-python: python-develop
	@echo "== Python"
	@$(PY_BIN)/python examples/python/demo.py

bench-python: $(PY_TOOLS_STAMP)
	VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(PY_BIN)):$$PATH" \
		$(PY_BIN)/maturin develop --locked --release --quiet
	$(PY_PIP) install alipay-sdk-python python-alipay-sdk
	$(PY_BIN)/python bench/python/run.py
