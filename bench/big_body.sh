#!/usr/bin/env bash
# Peak RSS of a call answered with a 1 GiB body (announced by Content-Length, and streamed chunked): it must stay
# under the response cap (max_response_bytes, 1 MiB by default) plus a small constant. Exits 1 otherwise.
# Linux only (reads VmHWM from /proc/self/status). See core/examples/big_body_rss.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${CARGO:-cargo}" run --quiet --locked -p alipay-marketing --example big_body_rss
