# Rust: the core crate and the sandbox.

.PHONY: test-rust demo-rust bench-rust
TEST_TARGETS += test-rust
DEMO_TARGETS += demo-rust

test-rust:
	$(CARGO) test --workspace --all-targets --locked
	$(CARGO) test --workspace --doc --locked

demo-rust:
	$(CARGO) run --quiet --locked -p alipay-marketing-sandbox --example demo

bench-rust:
	$(CARGO) bench --locked -p alipay-marketing --bench protocol
