# C: the ffi crate (libalipay_marketing.{a,so}), its generated header, the C/C++ suite under valgrind, the POS
# example, the pkg-config file and an install target. Included by the root Makefile.
#
#   make test-c                       C and C++ suite (natively and under valgrind) + header drift + pkg-config check
#   make demo-c                       POS example against the sandbox named by ALIPAY_GATEWAY_URL & co.
#   make bench-c                      blocking C call vs Rust async call on one sandbox
#   make c-lib                        release build: target/release/libalipay_marketing.{a,so}
#   make c-pkgconfig PREFIX=/usr      target/release/alipay_marketing.pc for that prefix
#   make install-c PREFIX=/usr/local [DESTDIR=...]   header, libraries (libalipay_marketing.so.0.1.0 with the
#                                     symlinks .so.0 and .so), .pc file and CMake package

.PHONY: test-c demo-c bench-c c-lib c-pkgconfig install-c c-pkgconfig-check
TEST_TARGETS += test-c
DEMO_TARGETS += demo-c
BENCH_TARGETS += bench-c

CC ?= cc
C_PROFILE ?= release
C_PROFILE_FLAG := $(if $(filter release,$(C_PROFILE)),--release,)
C_LIB_DIR := target/$(C_PROFILE)
C_FLAGS := -std=c99 -Wall -Wextra -Wpedantic -Werror
# What the static library needs besides itself (`--print native-static-libs`, trimmed to what is not implied).
C_PRIVATE_LIBS := -lpthread -ldl -lm
C_VERSION := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
# The soname's number (libalipay_marketing.so.$(C_SOVERSION)), set by ffi/build.rs from the same major version.
C_SOVERSION := $(firstword $(subst ., ,$(C_VERSION)))
C_CMAKE_DIR := lib/cmake/alipay_marketing
PREFIX ?= /usr/local
DESTDIR ?=
C_EXAMPLE := $(C_LIB_DIR)/examples-c/pos_checkout

# gcc, g++, valgrind and pkg-config come from `make deps` (mk/deps.mk).
test-c:
	ALIPAY_VALGRIND=1 $(CARGO) test --locked -p alipay-marketing-ffi --all-targets
	$(MAKE) --no-print-directory c-pkgconfig-check C_PROFILE=debug

c-lib:
	$(CARGO) build --locked $(C_PROFILE_FLAG) -p alipay-marketing-ffi
	@# Programs linked against target/*/libalipay_marketing.so look for its soname at run time.
	ln -sf libalipay_marketing.so $(C_LIB_DIR)/libalipay_marketing.so.$(C_SOVERSION)

c-pkgconfig: c-lib
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(C_VERSION)|' -e 's|@PRIVATE_LIBS@|$(C_PRIVATE_LIBS)|' \
	  ffi/alipay_marketing.pc.in > $(C_LIB_DIR)/alipay_marketing.pc
	@echo "wrote $(C_LIB_DIR)/alipay_marketing.pc (prefix $(PREFIX))"

# The shared library is installed under its full version, with the loader's name (the soname) and the linker's
# name as relative symlinks; the CMake package finds its prefix from where it is installed (relocatable).
install-c: c-pkgconfig
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/$(C_CMAKE_DIR)
	install -m 644 include/alipay_marketing.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(C_LIB_DIR)/libalipay_marketing.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(C_LIB_DIR)/libalipay_marketing.so $(DESTDIR)$(PREFIX)/lib/libalipay_marketing.so.$(C_VERSION)
	ln -sfn libalipay_marketing.so.$(C_VERSION) $(DESTDIR)$(PREFIX)/lib/libalipay_marketing.so.$(C_SOVERSION)
	ln -sfn libalipay_marketing.so.$(C_SOVERSION) $(DESTDIR)$(PREFIX)/lib/libalipay_marketing.so
	install -m 644 $(C_LIB_DIR)/alipay_marketing.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	for file in alipay_marketingConfig alipay_marketingConfigVersion; do \
	  sed -e 's|@VERSION@|$(C_VERSION)|g' -e 's|@SOVERSION@|$(C_SOVERSION)|g' ffi/cmake/$$file.cmake.in \
	    > $(DESTDIR)$(PREFIX)/$(C_CMAKE_DIR)/$$file.cmake; \
	done
	@echo "installed the C library $(C_VERSION) under $(DESTDIR)$(PREFIX)"

# Installs into a scratch prefix and builds the example with the flags `pkg-config` gives, shared and static,
# to prove the .pc file is right.
c-pkgconfig-check:
	rm -rf $(C_LIB_DIR)/c-install
	$(MAKE) --no-print-directory install-c PREFIX=$(CURDIR)/$(C_LIB_DIR)/c-install
	export PKG_CONFIG_PATH=$(C_LIB_DIR)/c-install/lib/pkgconfig; \
	test "$$(pkg-config --modversion alipay_marketing)" = "$(C_VERSION)"; \
	test "$$(echo $$(pkg-config --static --libs-only-l alipay_marketing))" = "-lalipay_marketing $(C_PRIVATE_LIBS)"; \
	$(CC) $(C_FLAGS) examples/c/pos_checkout.c $$(pkg-config --cflags --libs alipay_marketing) \
	  -o $(C_LIB_DIR)/c-install/pos_checkout_shared; \
	$(CC) $(C_FLAGS) examples/c/pos_checkout.c $$(pkg-config --cflags alipay_marketing) \
	  -Wl,-Bstatic $$(pkg-config --libs alipay_marketing) -Wl,-Bdynamic $(C_PRIVATE_LIBS) \
	  -o $(C_LIB_DIR)/c-install/pos_checkout_static; \
	! ldd $(C_LIB_DIR)/c-install/pos_checkout_static | grep -q alipay_marketing
	@echo "pkg-config check: the example builds shared and static from the installed .pc file"

demo-c: c-lib
	@mkdir -p $(dir $(C_EXAMPLE))
	$(CC) $(C_FLAGS) -Iinclude examples/c/pos_checkout.c -o $(C_EXAMPLE) \
	  $(C_LIB_DIR)/libalipay_marketing.a $(C_PRIVATE_LIBS)
	./$(C_EXAMPLE)

bench-c:
	$(CARGO) bench --locked -p alipay-marketing-ffi --bench c_overhead

# The C driver of `make bench-cpu` (bench/cpu/run.py), linked with the release static library.
.PHONY: bench-cpu-c
bench-cpu-c:
	$(CARGO) build --locked --release -p alipay-marketing-ffi
	@mkdir -p target/release/bench-cpu
	$(CC) $(C_FLAGS) -O2 -Iinclude bench/cpu/voucher_cpu.c -o target/release/bench-cpu/voucher_cpu \
	  target/release/libalipay_marketing.a $(C_PRIVATE_LIBS)
