"""Requests through an explicit HTTP proxy: a small forwarding proxy on loopback carries them to the sandbox — and,
rewriting a body on the way, shows the invalid-signature explainer naming the parameter that changed."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from alipay_marketing import GatewayError
from alipay_marketing.testing import Sandbox
from conftest import USER


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """Records each request's absolute-form target and replays it to one upstream URL."""

    def __init__(self, upstream: str, rewrite: tuple[bytes, bytes] | None = None) -> None:
        self.upstream = upstream
        self.rewrite = rewrite
        self.targets: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ForwardingProxy

    def do_POST(self) -> None:
        self.server.targets.append(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.rewrite is not None:
            body = body.replace(*self.server.rewrite)
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


def running(server: ForwardingProxy) -> Iterator[ForwardingProxy]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(alipay_sandbox: Sandbox) -> Iterator[ForwardingProxy]:
    yield from running(ForwardingProxy(alipay_sandbox.url))


@pytest.fixture
def tampering_proxy(alipay_sandbox: Sandbox) -> Iterator[ForwardingProxy]:
    yield from running(ForwardingProxy(alipay_sandbox.url, rewrite=(b"explain-1", b"explain-2")))


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


def test_a_parameter_rewritten_in_transit_is_named_by_the_explainer(
    alipay_sandbox: Sandbox, tampering_proxy: ForwardingProxy
) -> None:
    host, port = tampering_proxy.server_address[:2]
    with (
        alipay_sandbox.client(
            gateway="http://gateway.invalid/gateway.do",
            allow_insecure_http=True,
            proxy=f"http://{host!s}:{port}",
        ) as client,
        pytest.raises(GatewayError) as caught,
    ):
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="explain-1", user_id=USER)
    assert caught.value.sub_code == "isv.invalid-signature"
    mismatch = caught.value.signature_mismatch
    assert mismatch is not None
    assert mismatch.first_difference == "biz_content"
    assert "tampered or rewritten" in mismatch.likely_cause
    assert not [v for v in alipay_sandbox.state()["vouchers"]["issued"] if v["out_biz_no"].startswith("explain-")]
