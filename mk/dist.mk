# Distribution: wheels for old and new Linux, an sdist that builds offline, publishable crates, the installed C
# library, one version everywhere. Included by the root Makefile after mk/python.mk (its venv and test wheel).
#
#   make wheels         dist/: the release manylinux2014 (glibc >= 2.17) abi3 wheel, linked by zig and checked
#                       with auditwheel, and the sdist
#   make wheel-musl     the musllinux_1_2 wheel, into dist/ only when auditwheel accepts it (it does not yet)
#   make test-dist      (part of make test) versions agree; the test wheel (mk/python.mk) passes the tag checks and
#                       works in a clean venv against the sandbox; the sdist builds offline; make install-c into a
#                       scratch prefix, built with pkg-config and CMake, run against the sandbox
#   make package-check  cargo package and cargo publish --dry-run for the three published crates (asks crates.io)

.PHONY: wheels wheel-musl test-dist test-dist-versions test-dist-wheel test-dist-sdist test-dist-c package-check

TEST_TARGETS += test-dist

DIST_DIR ?= dist
DIST_CHECK_DIR := target/dist-check
DIST_MANYLINUX_TAG := manylinux_2_17
DIST_MUSL_TARGET := x86_64-unknown-linux-musl
DIST_MUSLLINUX := musllinux_1_2
# The crates published to crates.io, in dependency order; the Python crate ships as the wheel instead.
DIST_CRATES := alipay-marketing alipay-marketing-sandbox alipay-marketing-ffi

# --- wheels and sdist -------------------------------------------------------------------------------------------

# The release manylinux2014 wheel (glibc 2.17 through zig's sysroot) and the sdist.
wheels: $(PY_TOOLS_STAMP)
	rm -rf $(DIST_DIR) && mkdir -p $(DIST_DIR)
	$(PY_ZIG_ENV) $(PY_BIN)/maturin build --release --locked --quiet --zig --compatibility $(PY_MANYLINUX) \
	  --out $(DIST_DIR)
	$(PY_BIN)/python tests/dist/check_wheel.py $(DIST_DIR)/alipay_marketing-*$(DIST_MANYLINUX_TAG)_*.whl \
	  $(DIST_MANYLINUX_TAG)
	$(PY_ENV) $(PY_BIN)/maturin sdist --out $(DIST_DIR)
	@ls -l $(DIST_DIR)

# The musllinux_1_2 wheel through zig and the Rust musl target, copied into $(DIST_DIR) only if the checks pass.
# Today they do not (docs/distribution.md, "musllinux"): zig links the module against musl as `libc.so`, and
# auditwheel accepts only musl's `libc.musl-x86_64.so.1`, so this target fails with auditwheel's verdict.
wheel-musl: $(PY_TOOLS_STAMP)
	@rustup target list --installed 2>/dev/null | grep -qx '$(DIST_MUSL_TARGET)' || { \
	  echo "the musllinux wheel needs the Rust target $(DIST_MUSL_TARGET): rustup target add $(DIST_MUSL_TARGET)"; \
	  exit 1; }
	rm -rf $(DIST_CHECK_DIR)/musl
	$(PY_ZIG_ENV) $(PY_BIN)/maturin build --release --locked --quiet --zig --target $(DIST_MUSL_TARGET) \
	  --compatibility $(DIST_MUSLLINUX) --out $(DIST_CHECK_DIR)/musl
	$(PY_BIN)/python tests/dist/check_wheel.py $(DIST_CHECK_DIR)/musl/alipay_marketing-*$(DIST_MUSLLINUX)_*.whl \
	  $(DIST_MUSLLINUX)
	mkdir -p $(DIST_DIR) && cp $(DIST_CHECK_DIR)/musl/alipay_marketing-*$(DIST_MUSLLINUX)_*.whl $(DIST_DIR)/

# --- tests ------------------------------------------------------------------------------------------------------

test-dist: test-dist-versions test-dist-wheel test-dist-sdist test-dist-c

test-dist-versions:
	$(PYTHON) tests/dist/check_versions.py

# The test wheel (mk/python.mk: manylinux2014, the one pip picks on old and new glibc alike): its tag against its
# symbols and auditwheel's verdict, then installed into a clean venv and run away from the repository.
test-dist-wheel: python-wheel
	$(PY_BIN)/python tests/dist/check_wheel.py $(PY_WHEEL_DIR)/alipay_marketing-*$(DIST_MANYLINUX_TAG)_*.whl \
	  $(DIST_MANYLINUX_TAG)
	rm -rf $(DIST_CHECK_DIR)/wheel && $(PYTHON) -m venv $(DIST_CHECK_DIR)/wheel/venv
	$(DIST_CHECK_DIR)/wheel/venv/bin/python -m pip --disable-pip-version-check --quiet install --no-index \
	  $(PY_WHEEL_DIR)/alipay_marketing-*.whl
	cd $(DIST_CHECK_DIR) && wheel/venv/bin/python -I $(CURDIR)/tests/dist/wheel_smoke.py
	$(DIST_CHECK_DIR)/wheel/venv/bin/python tests/dist/check_versions.py --installed \
	  --wheel $$(ls $(PY_WHEEL_DIR)/alipay_marketing-*.whl)

# Builds the sdist, then a wheel from it with the network off: cargo runs --offline and may only use the registry
# cache (warm after any build of the workspace), and pip may not reach an index. Debug profile and the workspace's
# target directory for speed: what is checked is that the sdist is complete and resolves offline, not the optimiser.
test-dist-sdist: $(PY_TOOLS_STAMP)
	rm -rf $(DIST_CHECK_DIR)/sdist && mkdir -p $(DIST_CHECK_DIR)/sdist/wheel
	$(PY_ENV) $(PY_BIN)/maturin sdist --out $(DIST_CHECK_DIR)/sdist
	$(PY_ENV) CARGO_NET_OFFLINE=true CARGO_TARGET_DIR="$(abspath target)" MATURIN_PEP517_ARGS="--profile dev --offline" \
	  PIP_NO_INDEX=1 $(PY_BIN)/python -m pip --disable-pip-version-check --quiet wheel --no-deps \
	  --no-build-isolation --wheel-dir $(DIST_CHECK_DIR)/sdist/wheel $(DIST_CHECK_DIR)/sdist/alipay_marketing-*.tar.gz
	$(PYTHON) -m venv $(DIST_CHECK_DIR)/sdist/venv
	$(DIST_CHECK_DIR)/sdist/venv/bin/python -m pip --disable-pip-version-check --quiet install --no-index \
	  $(DIST_CHECK_DIR)/sdist/wheel/*.whl
	cd $(DIST_CHECK_DIR) && sdist/venv/bin/python -I $(CURDIR)/tests/dist/wheel_smoke.py
	@echo "sdist check: $$(basename $(DIST_CHECK_DIR)/sdist/*.tar.gz) builds offline and its wheel works"

test-dist-c:
	$(CARGO) build --quiet --locked -p alipay-marketing-sandbox --bin alipay-sandbox
	tests/dist/c_install.sh debug

# --- crates -----------------------------------------------------------------------------------------------------

# Packages the three crates together (cargo >= 1.90 resolves the unpublished workspace dependencies against the
# packages being made), builds each from its package, then asks crates.io whether they could be published (the
# index must be reachable; nothing is uploaded). cargo extracts the packages it makes into its registry's source
# directory and reuses an extracted copy of the same name and version even when the sources changed since, so the
# verification would build stale code: it runs with a cargo home of its own whose source directory starts empty
# (the registry index and downloaded crates are shared with the usual cargo home through symlinks). Its builds go
# to a target directory of their own, removed with that cargo home once the check passes (a few GB).
DIST_CARGO_HOME := $(abspath $(DIST_CHECK_DIR)/cargo-home)
DIST_PACKAGE_ENV := CARGO_HOME=$(DIST_CARGO_HOME) CARGO_TARGET_DIR=$(abspath $(DIST_CHECK_DIR)/package-target)
package-check:
	rm -rf $(DIST_CARGO_HOME) && mkdir -p $(DIST_CARGO_HOME)/registry
	home=$${CARGO_HOME:-$$HOME/.cargo}; \
	  ln -s "$$home/registry/index" "$$home/registry/cache" $(DIST_CARGO_HOME)/registry/
	$(DIST_PACKAGE_ENV) $(CARGO) package --locked $(addprefix -p ,$(DIST_CRATES))
	$(DIST_PACKAGE_ENV) $(CARGO) publish --locked --dry-run --no-verify $(addprefix -p ,$(DIST_CRATES))
	rm -rf $(DIST_CARGO_HOME) $(DIST_CHECK_DIR)/package-target
