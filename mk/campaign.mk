# Campaigns: the `alipay-marketing campaign` command line (crate alipay-marketing-campaign, see docs/campaign.md).
#
#   make demo-campaign   (part of `make demo`) a 300-row voucher campaign against the demo sandbox, 20% of whose
#                        answers are lost after the voucher was sent; then its status and its HTML report

.PHONY: build-demo-campaign demo-campaign

DEMO_BUILD_TARGETS += build-demo-campaign
DEMO_TARGETS += demo-campaign

CAMPAIGN_DEMO_ROWS := 300
comma := ,
# The demo world with the campaign's users added (the sandbox refuses vouchers for users it does not know).
DEMO_SCENARIO := target/demo-scenario.toml
CAMPAIGN_DEMO_DIR := $(DEMO_DIR)/campaign
# Prints $(1), a printf format with one %d-style field, once per campaign user, with that user's number.
campaign_demo_users = for i in $$(seq 1 $(CAMPAIGN_DEMO_ROWS)); do printf '$(1)' $$((700000000 + i)); done

build-demo-campaign:
	$(CARGO) build --quiet --locked -p alipay-marketing-campaign --bin alipay-marketing
	@{ cat sandbox/scenarios/default.toml; \
	   $(call campaign_demo_users,\n[[users]]\nuser_id = "2088%012d"\n); \
	 } >$(DEMO_SCENARIO)

demo-campaign:
	@echo "== Campaign ($(CAMPAIGN_DEMO_ROWS) vouchers; 20% of the answers lost after the voucher was sent)"
	@mkdir -p $(CAMPAIGN_DEMO_DIR)
	@{ echo "user_id,memo"; \
	   $(call campaign_demo_users,2088%012d$(comma)spring welcome\n); \
	 } >$(CAMPAIGN_DEMO_DIR)/users.csv
	@$(PYTHON) examples/campaign/sandbox_admin.py faults \
		'{"rules": [{"method": "alipay.marketing.voucher.send", "fault": "error_after_effect", "rate": 0.2}]}'
	@target/debug/alipay-marketing campaign run --method voucher.send --template-id TPL-FIXED-10 \
		--qps 100 --log-interval 1 $(CAMPAIGN_DEMO_DIR)/users.csv
	@$(PYTHON) examples/campaign/sandbox_admin.py clear
	@target/debug/alipay-marketing campaign status $(CAMPAIGN_DEMO_DIR)/users.csv
	@target/debug/alipay-marketing campaign report $(CAMPAIGN_DEMO_DIR)/users.csv
	@echo "the sandbox holds $$($(PYTHON) examples/campaign/sandbox_admin.py vouchers) vouchers"

.PHONY: bench-campaign
BENCH_TARGETS += bench-campaign

# Campaign throughput against a bare loop, peak RSS over a million rows, resume time (bench/campaign/run.py).
bench-campaign:
	$(PYTHON) bench/campaign/run.py

.PHONY: bench-merchants
BENCH_TARGETS += bench-merchants

# Each merchant's QPS with three workers on one PostgreSQL journal (bench/campaign/merchants.py; needs make deps).
bench-merchants: deps
	$(PYTHON) bench/campaign/merchants.py
