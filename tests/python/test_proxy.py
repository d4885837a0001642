"""Requests through an explicit HTTP proxy: a small forwarding proxy on loopback carries them to the sandbox."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from alipay_marketing.testing import Sandbox
from conftest import USER


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """Records each request's absolute-form target and replays it to one upstream URL."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.targets: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ForwardingProxy

    def do_POST(self) -> None:
        self.server.targets.append(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        query = self.path.partition("?")[2]
        upstream = urllib.request.Request(
            f"{self.server.upstream}?{query}",
            data=body,
            headers={"Content-Type": self.headers["Content-Type"]},
            method="POST",
        )
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(upstream) as answer:
            payload = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers["Content-Type"])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(alipay_sandbox: Sandbox) -> Iterator[ForwardingProxy]:
    server = ForwardingProxy(alipay_sandbox.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_explicit_proxy_carries_the_request_to_a_host_only_it_can_reach(
    alipay_sandbox: Sandbox, proxy: ForwardingProxy
) -> None:
    # gateway.invalid does not resolve: only the proxy, which forwards to the sandbox, can deliver the call.
    host, port = proxy.server_address[:2]
    with alipay_sandbox.client(
        gateway="http://gateway.invalid/gateway.do",
        allow_insecure_http=True,
        proxy=f"http://{host!s}:{port}",
    ) as client:
        voucher = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="proxy-1", user_id=USER)
    assert len(proxy.targets) == 1
    assert proxy.targets[0].startswith("http://gateway.invalid/gateway.do?")
    issued = [v for v in alipay_sandbox.state()["vouchers"]["issued"] if v["out_biz_no"] == "proxy-1"]
    assert [v["voucher_id"] for v in issued] == [voucher.voucher_id]
