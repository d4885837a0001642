# Rust: the core crate and the sandbox.

.PHONY: test-rust build-demo-rust demo-rust bench-rust
TEST_TARGETS += test-rust
DEMO_BUILD_TARGETS += build-demo-rust
DEMO_TARGETS += demo-rust
BENCH_TARGETS += bench-rust

test-rust:
	$(CARGO) test --workspace --locked --exclude alipay-marketing-ffi  # the C suite runs in test-c, under valgrind too

build-demo-rust:
	$(CARGO) build --quiet --locked -p alipay-marketing-sandbox --bin alipay-sandbox --example demo

demo-rust:
	@echo "== Rust"
	@target/debug/examples/demo

bench-rust:
	bench/protocol.sh
	$(CARGO) bench --locked -p alipay-marketing --bench resilience
	$(CARGO) bench --locked -p alipay-marketing-sandbox --bench throughput
