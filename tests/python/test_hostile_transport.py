"""A hostile network and hostile files, from Python: bounded bodies, no redirects, no secrets in messages, key files
read bounded, unsigned refusals leave the outcome unknown, a signed answer without its fields is a failure with its
key, and the dry run and free text follow the call's rules."""

from __future__ import annotations

import http.server
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alipay_marketing import ConfigError, DecodeError, GatewayError, HttpError, TransportError, ValidationError
from alipay_marketing.testing import Sandbox
from conftest import FROZEN_USER, MOBILE, STAMP_CARD, USER, Calls, total_calls


class _Hostile(http.server.BaseHTTPRequestHandler):
    """Answers as `self.server.mode` says: a 2 MiB announced body, or a redirect elsewhere."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        mode = self.server.mode  # type: ignore[attr-defined]
        self.server.requests += 1  # type: ignore[attr-defined]
        if mode == "huge":
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(2 * 1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b" " * 65536)
            except OSError:
                pass  # the client hung up, as it should
        else:
            self.send_response(int(mode))
            self.send_header("location", "http://evil.example/gateway.do")
            self.send_header("content-length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.requests = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/gateway.do"


def test_a_body_beyond_the_cap_is_refused_with_the_outcome_unknown(
    call: Calls, hostile: http.server.ThreadingHTTPServer
) -> None:
    hostile.mode = "huge"  # type: ignore[attr-defined]
    with pytest.raises(HttpError) as caught:
        call.with_options(gateway=_url(hostile), retry=None)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="big-1", user_id=USER
        )
    assert caught.value.outcome_unknown and caught.value.idempotency_key == "big-1"
    assert "max_response_bytes" in str(caught.value)


@pytest.mark.parametrize("status", ["302", "307", "308"])
def test_redirects_are_refused_naming_the_location(
    call: Calls, hostile: http.server.ThreadingHTTPServer, status: str
) -> None:
    hostile.mode = status  # type: ignore[attr-defined]
    with pytest.raises(HttpError) as caught:
        call.with_options(gateway=_url(hostile), retry=None)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="redir-1", user_id=USER
        )
    assert caught.value.http_status == int(status)
    assert "evil.example" in str(caught.value)
    assert hostile.requests == 1  # type: ignore[attr-defined]


def test_a_bad_proxy_url_does_not_echo_its_password(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(
            proxy="http://bob:s3cret-pa55@proxy.internal:notaport", gateway="https://openapi.alipay.com/gateway.do"
        )
    assert caught.value.field == "proxy"
    assert "s3cret-pa55" not in str(caught.value) and "proxy.internal" in str(caught.value)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_key_path_to_a_device_is_refused_without_reading_it(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=Path("/dev/zero"))
    assert caught.value.field == "private_key" and "regular file" in str(caught.value)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX only")
def test_a_key_path_to_a_fifo_is_refused_instead_of_blocking(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    fifo = tmp_path / "key.pem"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=fifo)
    assert caught.value.field == "private_key"


def test_an_oversized_key_file_is_refused(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"A" * (4 * 1024 * 1024))
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=big)
    assert caught.value.field == "private_key"


def test_prepare_shows_the_generated_invite_key_the_call_sends(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        prepared = client.prepare("alipay.user.invite.award.receive", mobile=MOBILE)
    assert prepared.idempotency_key
    assert prepared.idempotency_key in prepared.sign_content


@pytest.mark.parametrize("bad", ["a\x00b", "two\nlines"])
def test_control_characters_in_free_text_are_refused_naming_the_field(
    call: Calls, alipay_sandbox: Sandbox, bad: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cc-1", user_id=USER, memo=bad)
    assert caught.value.field == "memo"
    points = {"req_id": "cc-2", "user_id": USER, "activity_account": STAMP_CARD, "trans_type": "DEPOSIT"}
    with pytest.raises(ValidationError) as caught:
        call("update_points", **points, trans_amount=1, biz_no="t-1", ext_info=bad)
    assert caught.value.field == "ext_info"
    with pytest.raises(ValidationError) as caught:
        call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cc-3", user_id=USER, app_auth_token=bad)
    assert caught.value.field == "app_auth_token"
    assert total_calls(alipay_sandbox) == 0


def test_an_unsigned_refusal_leaves_the_outcome_unknown(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=["unsigned_answer"])
    with pytest.raises(GatewayError) as caught:
        call.with_options(retry=None)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="us-1", user_id=FROZEN_USER
        )
    assert caught.value.outcome_unknown and caught.value.idempotency_key == "us-1"
    assert "unsigned" in str(caught.value) or "unverified" in str(caught.value)


def test_a_verified_answer_without_its_fields_is_a_decode_error_with_the_key_and_counted_as_a_failure(
    alipay_sandbox: Sandbox,
) -> None:
    # A validly signed success holding only code and msg: the gateway applied the call, its answer is unreadable.
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=["incomplete_answer"])
    with alipay_sandbox.client() as client:
        with pytest.raises(DecodeError) as caught:
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="inc-1", user_id=USER)
        stats = client.stats()
    error = caught.value
    assert error.idempotency_key == "inc-1" and error.attempts >= 1
    assert error.outcome_unknown is True
    assert "inc-1" in str(error) and "voucher_id" in str(error), str(error)
    assert (stats.calls, stats.successes, stats.failed) == (1, 0, 1), stats.to_dict()
    assert stats.failures.get("decode") == 1, stats.to_dict()
    assert [v["out_biz_no"] for v in alipay_sandbox.state()["vouchers"]["issued"]] == ["inc-1"]


def test_a_tls_failure_shows_its_cause(alipay_sandbox: Sandbox) -> None:
    # TLS to a port that speaks plain HTTP: the handshake fails, and the message says how.
    gateway = alipay_sandbox.url.replace("http://", "https://", 1)
    with alipay_sandbox.client(gateway=gateway, retry=None) as client, pytest.raises(TransportError) as caught:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="tls-1", user_id=USER)
    message = str(caught.value)
    assert "error sending request" in message and "corrupt message" in message, message
    assert not caught.value.request_may_have_been_sent
