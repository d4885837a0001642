# System packages: the one explicit install step. Included by the root Makefile; `make test` and `make demo` run it
# first, and it is the first command for a fresh machine.
#
#   make deps   the Debian packages the suites and the demo need, installed with apt-get only when dpkg does not
#               list them as installed (a second run installs nothing); through sudo only when not already root
#
# Rust (rustup) and Python >= 3.9 are expected on the machine; the Python tools come from PyPI into the project's
# venv (mk/python.mk), not from here.

.PHONY: deps

# gcc, g++, valgrind, pkg-config: the C and C++ suite; cmake: the installed CMake package's test; binutils (nm,
# readelf, objdump): the exported-symbols and wheel checks; curl: reading the sandbox's state from shell tests;
# python3-venv: `python3 -m venv` on Debian's Python; chromium: the campaign report is checked in a headless browser;
# postgresql: the shared campaign journal's tests start a real server (initdb, pg_ctl); openjdk-17-jre-headless: the
# Java that PySpark 3.5 runs on, for the Spark job test.
DEPS_DEBIAN := gcc g++ valgrind pkg-config cmake binutils curl python3-venv musl chromium postgresql \
	openjdk-17-jre-headless

deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; install the equivalents of: $(DEPS_DEBIAN)"; exit 0; \
	fi; \
	missing=""; \
	for package in $(DEPS_DEBIAN); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: installed already ($(DEPS_DEBIAN))"; exit 0; fi; \
	sudo=""; \
	if [ "$$(id -u)" != 0 ]; then \
	  command -v sudo >/dev/null 2>&1 || { echo "deps: missing$$missing; run make deps as root (no sudo here)"; exit 1; }; \
	  sudo=sudo; \
	fi; \
	echo "deps: installing$$missing"; \
	$$sudo apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing
