# Per-call CPU of every face and of the sandbox, next to `openssl speed rsa2048` (bench/cpu/run.py).
#
#   make bench-cpu                                  release builds, then 3 rounds of 5 s per face
#   make bench-cpu BENCH_CPU_ARGS="--rounds 5"      any option of bench/cpu/run.py (--seconds, --only, ...)

.PHONY: bench-cpu
BENCH_TARGETS += bench-cpu
BENCH_CPU_ARGS ?=

bench-cpu: $(PY_TOOLS_STAMP) bench-cpu-c
	$(CARGO) build --locked --release -p alipay-marketing-sandbox --bin alipay-sandbox --example bench_cpu
	VIRTUAL_ENV="$(abspath $(VENV))" PATH="$(abspath $(PY_BIN)):$$PATH" \
		$(PY_BIN)/maturin develop --locked --release --quiet
	$(PY_BIN)/python bench/cpu/run.py $(BENCH_CPU_ARGS)

# Peak RSS of a call answered with a 1 GiB body stays under the response cap plus a small constant.
.PHONY: bench-big-body
BENCH_TARGETS += bench-big-body
bench-big-body:
	bench/big_body.sh
