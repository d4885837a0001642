# Distribution: wheels for old and new Linux, an sdist that builds offline, publishable crates, the installed C
# library, one version everywhere. Included by the root Makefile.
#
#   make wheels         dist/: the manylinux2014 (glibc >= 2.17) abi3 wheel, the musllinux_1_2 one when the Rust
#                       musl target is installed, and the sdist; each wheel checked with auditwheel
#   make test-dist      (part of make test) versions agree; the manylinux2014 wheel in a clean venv against the
#                       sandbox; make install-c into a scratch prefix, built with pkg-config and CMake, run
#                       against the sandbox
#   make sdist-check    the sdist builds with the network off (registry cache warm) and its wheel works
#   make package-check  cargo package and cargo publish --dry-run for the three published crates
#   make dist-tools     the tools above: a venv with maturin, ziglang and auditwheel; cmake when missing

.PHONY: wheels test-dist test-dist-versions test-dist-wheel test-dist-c sdist-check package-check dist-tools

TEST_TARGETS += test-dist

DIST_DIR ?= dist
DIST_CHECK_DIR := target/dist-check
DIST_VENV := target/dist-tools
DIST_STAMP := $(DIST_VENV)/.alipay-marketing-dist-tools
DIST_BIN := $(DIST_VENV)/bin
# Pinned: zig's glibc 2.17 sysroot and maturin's zig wrappers must fit together, and a wheel's tag is only as good
# as the auditwheel that checked it.
DIST_PY_TOOLS := "maturin>=1.9,<2" ziglang==0.17.1 auditwheel==6.8.2
# The tools' venv first on PATH: maturin finds zig (python -m ziglang) and auditwheel there.
DIST_ENV := VIRTUAL_ENV="$(abspath $(DIST_VENV))" PATH="$(abspath $(DIST_BIN)):$$PATH"
# zig as C compiler and linker: its own target directory, so that switching between a wheel build and the plain
# builds (other CC, other linker) does not rebuild either one.
DIST_ZIG_ENV := $(DIST_ENV) CARGO_TARGET_DIR="$(abspath target/zig)"
DIST_MANYLINUX := manylinux2014
DIST_MANYLINUX_TAG := manylinux_2_17
DIST_MUSL_TARGET := x86_64-unknown-linux-musl
DIST_MUSLLINUX := musllinux_1_2
DIST_VERSION := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
# The crates published to crates.io, in dependency order; the Python crate ships as the wheel instead.
DIST_CRATES := alipay-marketing alipay-marketing-sandbox alipay-marketing-ffi

$(DIST_STAMP): mk/dist.mk
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_BIN)/python -m pip --disable-pip-version-check --quiet install $(DIST_PY_TOOLS)
	touch $@

# cmake for the CMake package test, readelf/nm/objdump (binutils) for the library and wheel checks: apt-get only
# when missing.
dist-tools: $(DIST_STAMP)
	@missing=""; \
	for tool in cmake:cmake readelf:binutils objdump:binutils curl:curl; do \
	  command -v "$${tool%%:*}" >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# --- wheels and sdist -------------------------------------------------------------------------------------------

# The manylinux2014 wheel: release build, linked by zig against glibc 2.17's symbols.
define DIST_BUILD_MANYLINUX
	$(DIST_ZIG_ENV) $(DIST_BIN)/maturin build --release --locked --quiet --zig \
	  --compatibility $(DIST_MANYLINUX) --out $(1)
	$(DIST_BIN)/python tests/dist/check_wheel.py $(1)/alipay_marketing-*-$(DIST_MANYLINUX_TAG)_*.whl $(DIST_MANYLINUX_TAG)
endef

wheels: dist-tools
	rm -rf $(DIST_DIR) && mkdir -p $(DIST_DIR)
	$(call DIST_BUILD_MANYLINUX,$(DIST_DIR))
	@if rustup target list --installed 2>/dev/null | grep -qx '$(DIST_MUSL_TARGET)'; then \
	  echo "$(DIST_ZIG_ENV) maturin build --release --zig --target $(DIST_MUSL_TARGET) --compatibility $(DIST_MUSLLINUX)"; \
	  $(DIST_ZIG_ENV) $(DIST_BIN)/maturin build --release --locked --quiet --zig --target $(DIST_MUSL_TARGET) \
	    --compatibility $(DIST_MUSLLINUX) --out $(DIST_DIR); \
	  $(DIST_BIN)/python tests/dist/check_wheel.py $(DIST_DIR)/alipay_marketing-*-$(DIST_MUSLLINUX)_*.whl $(DIST_MUSLLINUX); \
	else \
	  echo "no musllinux wheel: the Rust target $(DIST_MUSL_TARGET) is not installed (rustup target add $(DIST_MUSL_TARGET))"; \
	fi
	$(DIST_ENV) $(DIST_BIN)/maturin sdist --out $(DIST_DIR)
	@ls -l $(DIST_DIR)

# Builds the sdist, then a wheel from it with the network off: cargo may only use the registry cache (warm after
# any build of the workspace) and pip may not reach an index. Debug profile and the workspace's target directory
# for speed: what is checked is that the sdist is complete and resolves offline, not the optimiser.
sdist-check: dist-tools
	rm -rf $(DIST_CHECK_DIR)/sdist && mkdir -p $(DIST_CHECK_DIR)/sdist/wheel
	$(DIST_ENV) $(DIST_BIN)/maturin sdist --out $(DIST_CHECK_DIR)/sdist
	$(DIST_ENV) CARGO_NET_OFFLINE=true CARGO_TARGET_DIR="$(abspath target)" MATURIN_PEP517_ARGS="--profile dev" \
	  PIP_NO_INDEX=1 $(DIST_BIN)/python -m pip --disable-pip-version-check --quiet wheel --no-deps \
	  --no-build-isolation --wheel-dir $(DIST_CHECK_DIR)/sdist/wheel $(DIST_CHECK_DIR)/sdist/alipay_marketing-*.tar.gz
	$(PYTHON) -m venv $(DIST_CHECK_DIR)/sdist/venv
	$(DIST_CHECK_DIR)/sdist/venv/bin/python -m pip --disable-pip-version-check --quiet install --no-index \
	  $(DIST_CHECK_DIR)/sdist/wheel/*.whl
	cd $(DIST_CHECK_DIR) && sdist/venv/bin/python -I $(CURDIR)/tests/dist/wheel_smoke.py
	@echo "sdist check: $$(basename $(DIST_CHECK_DIR)/sdist/*.tar.gz) builds offline and its wheel works"

# --- tests ------------------------------------------------------------------------------------------------------

test-dist: test-dist-versions test-dist-wheel test-dist-c

test-dist-versions:
	$(PYTHON) tests/dist/check_versions.py

# The manylinux2014 wheel (the one pip picks on old and new glibc alike) into a clean venv, away from the repository.
test-dist-wheel: dist-tools
	rm -rf $(DIST_CHECK_DIR)/wheel && mkdir -p $(DIST_CHECK_DIR)/wheel
	$(call DIST_BUILD_MANYLINUX,$(DIST_CHECK_DIR)/wheel)
	$(PYTHON) -m venv $(DIST_CHECK_DIR)/wheel/venv
	$(DIST_CHECK_DIR)/wheel/venv/bin/python -m pip --disable-pip-version-check --quiet install --no-index \
	  $(DIST_CHECK_DIR)/wheel/*.whl
	cd $(DIST_CHECK_DIR) && wheel/venv/bin/python -I $(CURDIR)/tests/dist/wheel_smoke.py
	$(DIST_CHECK_DIR)/wheel/venv/bin/python tests/dist/check_versions.py --installed \
	  --wheel $$(ls $(DIST_CHECK_DIR)/wheel/*.whl)

test-dist-c: dist-tools
	$(CARGO) build --quiet --locked -p alipay-marketing-sandbox --bin alipay-sandbox
	tests/dist/c_install.sh debug

# --- crates -----------------------------------------------------------------------------------------------------

# Packages the three crates together (cargo >= 1.90 resolves the unpublished workspace dependencies against the
# packages being made), builds each from its package, then asks crates.io whether they could be published (the
# index must be reachable; nothing is uploaded).
package-check:
	$(CARGO) package --locked $(addprefix -p ,$(DIST_CRATES))
	$(CARGO) publish --locked --dry-run --no-verify $(addprefix -p ,$(DIST_CRATES))
