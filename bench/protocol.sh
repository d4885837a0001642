#!/usr/bin/env bash
# Runs the core's criterion benchmarks beside `openssl speed rsa2048` in one go and prints the ratios.
# Usage: bench/protocol.sh        (from the repository root; takes about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
openssl_out=$(openssl speed -seconds 5 rsa2048 2>/dev/null | grep '^rsa 2048')
cargo bench --locked -p alipay-marketing --bench protocol -- --noplot >target/bench-protocol.log 2>&1
openssl_after=$(openssl speed -seconds 5 rsa2048 2>/dev/null | grep '^rsa 2048')
python3 - "$openssl_out" "$openssl_after" <<'PY'
import json, sys
def median_us(name):
    with open(f"target/criterion/{name}/new/estimates.json") as f:
        return json.load(f)["median"]["point_estimate"] / 1000.0
def openssl_sign_us(line):
    # "rsa 2048 bits 0.000655s 0.000019s   1526.7  52631.6"
    return float(line.split()[3].rstrip("s")) * 1e6
sign, verify = median_us("rsa2_sign"), median_us("rsa2_verify")
prepare, parse = median_us("prepare_voucher_send"), median_us("parse_verify_voucher_send")
ossl = min(openssl_sign_us(sys.argv[1]), openssl_sign_us(sys.argv[2]))
print(f"rsa2_sign                 {sign:9.1f} µs  ({1e6/sign:7.0f}/s)")
print(f"openssl speed rsa2048     {ossl:9.1f} µs  ({1e6/ossl:7.0f}/s, best of two runs)")
print(f"sign rate vs openssl      {ossl/sign:9.2f} x   (target ≥ 0.90)")
print(f"rsa2_verify               {verify:9.1f} µs")
print(f"prepare_voucher_send      {prepare:9.1f} µs  = {prepare/sign:.3f} x sign (target ≤ 1.10)")
print(f"parse_verify_voucher_send {parse:9.1f} µs  (target ≤ 50)")
PY
