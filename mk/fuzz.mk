# Fuzzing: cargo-afl targets in fuzz/ (a workspace of its own, so normal builds never compile afl).
#
#   make fuzz         build the targets with cargo afl, then fuzz each for FUZZ_SECONDS (default 60) from its
#                     committed corpus (fuzz/corpus/<target>); any crash is left in fuzz/out/<target>/default/crashes
#   make fuzz-smoke   the same for 5 seconds each (for CI), plus the corpus replay test
#
# Needs `cargo install cargo-afl` (it builds AFL++ from its crate with the C compiler).

.PHONY: fuzz fuzz-smoke
FUZZ_TARGETS := envelope keys
FUZZ_SECONDS ?= 60
FUZZ_ENV := AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1

fuzz:
	cd fuzz && $(CARGO) afl build
	mkdir -p fuzz/out
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		$(FUZZ_ENV) $(CARGO) afl fuzz -V $(FUZZ_SECONDS) -i corpus/$$t -o out/$$t target/debug/$$t; \
		n=$$(ls out/$$t/default/crashes | grep -vc README || true); \
		[ "$$n" = 0 ] || { echo "$$t: $$n crash(es) in fuzz/out/$$t/default/crashes"; exit 1; }; \
	done

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5
	cd fuzz && $(CARGO) afl test --test corpus
