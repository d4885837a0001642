# Fuzzing: cargo-afl targets in fuzz/ (a workspace of its own, so normal builds never compile afl).
#
#   make fuzz         build the targets with cargo afl, then fuzz each for FUZZ_SECONDS (default 60) from its
#                     committed corpus (fuzz/corpus/<target>); any crash is left in fuzz/out/<target>/default/crashes
#   make fuzz-smoke   the same for 5 seconds each (for CI), plus the corpus replay test
#   make test-fuzz    (part of `make test`) every committed corpus input through its target, as a plain test;
#                     then the 5-second runs of fuzz-smoke when cargo-afl is installed
#
# The targets: the core's response scanner (envelope) and key and certificate parsing (keys), the sandbox's request
# parser (sandbox_request), campaign files (campaign_toml) and campaign input files, CSV and JSON lines
# (campaign_rows). fuzz and fuzz-smoke need `cargo install cargo-afl` (it builds AFL++ from its crate with the C
# compiler).

.PHONY: fuzz fuzz-smoke test-fuzz
TEST_TARGETS += test-fuzz
FUZZ_TARGETS := envelope keys sandbox_request campaign_toml campaign_rows
FUZZ_SECONDS ?= 60
FUZZ_ENV := AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1

fuzz:
	cd fuzz && $(CARGO) afl build --features afl
	mkdir -p fuzz/out
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		$(FUZZ_ENV) $(CARGO) afl fuzz -V $(FUZZ_SECONDS) -i corpus/$$t -o out/$$t target/debug/$$t; \
		n=$$(ls out/$$t/default/crashes | grep -vc README || true); \
		[ "$$n" = 0 ] || { echo "$$t: $$n crash(es) in fuzz/out/$$t/default/crashes"; exit 1; }; \
	done

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5
	cd fuzz && CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) test --locked --test corpus

test-fuzz:
	cd fuzz && CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) test --locked --test corpus
	@if $(CARGO) afl --version >/dev/null 2>&1; then $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5; \
	else echo "test-fuzz: cargo-afl is not installed; the corpus replayed, no fuzzing run (make fuzz needs it)"; fi
