"""The exception hierarchy: the kind → class table covers every core kind, and each class is raised for real."""

from __future__ import annotations

import builtins
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import alipay_marketing
import pytest
from alipay_marketing import _native, errors
from alipay_marketing.errors import (
    AlipayError,
    BusinessError,
    ConfigError,
    DecodeError,
    GatewayError,
    HttpError,
    SignatureError,
    SignatureMismatch,
    TimeoutError,
    TransportError,
    ValidationError,
)
from alipay_marketing.testing import Sandbox, latency
from conftest import USER, Calls

EXPECTED_CLASS = {
    "config": ConfigError,
    "invalid_request": ValidationError,
    "transport": TransportError,
    "timeout": TimeoutError,
    "http": HttpError,
    "decode": DecodeError,
    "signature": SignatureError,
    "gateway": GatewayError,
}


def test_the_table_covers_every_kind_of_the_core_and_nothing_else() -> None:
    assert set(errors._CLASS_OF_KIND) == set(_native.ERROR_KINDS)


@pytest.mark.parametrize("kind", _native.ERROR_KINDS)
def test_each_core_kind_maps_to_its_class(kind: str) -> None:
    error = errors._from_native(kind, "what went wrong")
    assert type(error) is EXPECTED_CLASS[kind]
    assert error.kind == kind
    assert isinstance(error, AlipayError)
    assert str(error) == "what went wrong"


def test_gateway_code_40004_is_a_business_error_and_other_codes_are_not() -> None:
    business = errors._from_native("gateway", "m", code="40004", sub_code="TEMPLATE_EXPIRED", retryable=False)
    throttled = errors._from_native("gateway", "m", code="40005", retryable=True)
    assert type(business) is BusinessError
    assert type(throttled) is GatewayError
    assert isinstance(business, GatewayError)
    assert throttled.retryable


def test_an_unknown_kind_still_raises_the_base_class_with_its_kind() -> None:
    error = errors._from_native("some_future_kind", "m")
    assert type(error) is AlipayError
    assert error.kind == "some_future_kind"


def test_every_public_exception_derives_from_alipay_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, AlipayError), name
        assert getattr(alipay_marketing, name, cls) is cls


def test_validation_error_is_a_value_error_and_timeout_error_a_builtin_timeout_error() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(TimeoutError, builtins.TimeoutError)
    error = errors._from_native("timeout", "slow", retryable=True, request_may_have_been_sent=True)
    assert isinstance(error, builtins.TimeoutError)
    assert error.retryable and error.request_may_have_been_sent


# Each class, raised by a real call.


def test_config_error_names_the_option(alipay_sandbox: Sandbox) -> None:
    app_private, app_public = alipay_marketing.generate_key_pair()
    with pytest.raises(ConfigError) as own_key:
        alipay_sandbox.client(private_key=app_private, alipay_public_key=app_public)
    assert own_key.value.field == "alipay_public_key"
    assert "own public key" in str(own_key.value)
    with pytest.raises(ConfigError) as bad_url:
        alipay_sandbox.client(gateway="ftp://example.com/gateway.do")
    assert bad_url.value.field == "gateway"
    with pytest.raises(ConfigError):
        alipay_sandbox.client(timeout=0)


def test_validation_error_names_the_field(call: Calls) -> None:
    with pytest.raises(ValidationError) as caught:
        call("receive_invite_award", mobile="+8613800000001")
    assert caught.value.field == "mobile"
    assert "+86" in str(caught.value)
    assert not caught.value.retryable


def test_transport_error_when_nothing_listens(call: Calls, alipay_sandbox: Sandbox) -> None:
    closed_port = free_port()
    with pytest.raises(TransportError) as caught:
        call.with_options(gateway=f"http://127.0.0.1:{closed_port}/gateway.do", retry=None)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-1", user_id=USER
        )
    assert caught.value.retryable
    assert caught.value.request_may_have_been_sent is False


def test_timeout_error_on_a_slow_gateway(own_call: Calls, own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(1000)])
    with pytest.raises(TimeoutError) as caught:
        own_call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-2", user_id=USER, timeout=0.2)
    assert isinstance(caught.value, builtins.TimeoutError)
    assert caught.value.retryable


def test_http_error_on_a_proxy_error_page(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=["http_502"])
    with pytest.raises(HttpError) as caught:
        call.with_options(retry=None)("send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-3", user_id=USER)
    assert caught.value.http_status == 502
    assert caught.value.retryable


def test_gateway_error_on_throttling_is_retryable(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=["throttle"])
    with pytest.raises(GatewayError) as caught:
        call.with_options(retry=None)("send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-4", user_id=USER)
    assert type(caught.value) is GatewayError
    assert caught.value.code == "40005"
    assert caught.value.retryable


def test_a_retry_with_the_same_key_gets_through_a_throttle(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=["throttle"])
    result = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-5", user_id=USER)
    assert result.voucher_id
    assert alipay_sandbox.state()["calls"]["alipay.marketing.voucher.send"]["total"] == 2


def test_signature_error_when_the_alipay_public_key_is_wrong(call: Calls) -> None:
    _, stranger = alipay_marketing.generate_key_pair()
    with pytest.raises(SignatureError) as caught:
        call.with_options(alipay_public_key=stranger)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-6", user_id=USER
        )
    assert "alipay_public_key" in str(caught.value)
    assert not caught.value.retryable


def test_an_invalid_signature_at_the_gateway_carries_the_explainer(call: Calls) -> None:
    stranger, _ = alipay_marketing.generate_key_pair()
    with pytest.raises(GatewayError) as caught:
        call.with_options(private_key=stranger)(
            "send_voucher", template_id="TPL-FIXED-10", out_biz_no="t-9", user_id=USER
        )
    error = caught.value
    assert error.sub_code == "isv.invalid-signature"
    mismatch = error.signature_mismatch
    assert isinstance(mismatch, SignatureMismatch)
    assert mismatch.ours == mismatch.gateways  # the gateway verified what we signed: the key is wrong
    assert "out_biz_no" in mismatch.ours
    assert mismatch.first_difference is None
    assert "key" in mismatch.likely_cause
    assert error.likely_cause == mismatch.likely_cause
    assert "out_biz_no" not in repr(mismatch)
    assert not error.retryable and not error.outcome_unknown


def test_other_gateway_errors_have_no_explainer(call: Calls) -> None:
    with pytest.raises(BusinessError) as caught:
        call("send_voucher", template_id="TPL-EXPIRED", out_biz_no="t-10", user_id=USER)
    assert caught.value.signature_mismatch is None
    assert caught.value.first_difference is None


class _EnvelopeWithoutNode(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"unrelated": {"code": "10000"}}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def not_a_gateway() -> Iterator[str]:
    """A local HTTP server answering JSON that is not a gateway envelope."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EnvelopeWithoutNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/gateway.do"
    server.shutdown()
    server.server_close()


def test_decode_error_when_the_body_is_not_an_envelope(call: Calls, not_a_gateway: str) -> None:
    with pytest.raises(DecodeError) as caught:
        call.with_options(gateway=not_a_gateway)("send_voucher", template_id="T", out_biz_no="t-7", user_id=USER)
    assert "alipay_marketing_voucher_send_response" in str(caught.value)


def test_a_closed_client_raises_config_error(alipay_sandbox: Sandbox) -> None:
    client = alipay_sandbox.client()
    client.close()
    assert client.closed
    with pytest.raises(ConfigError):
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="t-8", user_id=USER)


def test_key_file_that_does_not_exist_is_a_config_error(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=tmp_path / "missing.pem")
    assert caught.value.field == "private_key"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
