"""Hostile and careless input: never a bare PanicException or UnicodeEncodeError, every error names its field."""

from __future__ import annotations

import asyncio
import decimal
import logging
from pathlib import Path

import pytest
from alipay_marketing import AlipayError, ConfigError, InternalError, ValidationError, _native
from alipay_marketing.testing import Sandbox, latency
from conftest import STAMP_CARD, USER, Calls, total_calls


@pytest.mark.parametrize("at", ["build", "call"])
def test_a_panic_is_an_alipay_error_never_a_panic_exception(at: str) -> None:
    try:
        _native._panic_for_tests(at)
    except AlipayError as error:
        caught: AlipayError = error
    else:
        pytest.fail("the test hook did not panic")
    assert type(caught) is InternalError and caught.kind == "internal"
    assert "internal error in alipay-marketing" in str(caught) and "test panic" in str(caught)
    assert caught.outcome_unknown is (at == "call")


def test_a_panic_in_an_async_call_is_an_alipay_error() -> None:
    async def run() -> None:
        await _native._panic_for_tests("async")

    with pytest.raises(AlipayError) as caught:
        asyncio.run(run())
    assert type(caught.value) is InternalError
    assert caught.value.outcome_unknown and "send it again with the same idempotency key" in str(caught.value)


def test_the_panic_hook_is_not_part_of_the_package() -> None:
    import alipay_marketing

    assert not hasattr(alipay_marketing, "_panic_for_tests")
    assert "_panic_for_tests" not in alipay_marketing.__all__


def test_a_key_given_as_a_path_string_says_it_looks_like_a_path(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    options = alipay_sandbox.client_options()
    key_file = tmp_path / "app_private_key.pem"
    key_file.write_text(str(options["private_key"]))
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=str(key_file))
    assert caught.value.field == "private_key"
    assert "looks like a file path" in str(caught.value) and "pathlib.Path" in str(caught.value)
    assert "base64" not in str(caught.value)
    with alipay_sandbox.client(private_key=key_file) as client:
        assert client.app_id


@pytest.mark.parametrize("value", [b"bytes", {1, 2}, object(), 1 + 2j])
def test_execute_refuses_values_json_has_no_type_for(call: Calls, alipay_sandbox: Sandbox, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        call("execute", "alipay.marketing.voucher.send", {"template_id": "TPL-FIXED-10", "ext": value})
    assert caught.value.field == "biz_content"
    assert type(value).__name__ in str(caught.value) and "no JSON form" in str(caught.value)
    assert total_calls(alipay_sandbox) == 0


def test_execute_writes_a_decimal_as_its_text(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        prepared = client.prepare("alipay.some.method", {"amount": decimal.Decimal("10.50")})
    assert '"amount":"10.50"' in prepared.sign_content


def test_a_lone_surrogate_is_a_validation_error_naming_the_field(call: Calls, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError) as caught:
        call("execute", "alipay.marketing.voucher.send", {"template_id": "TPL-\ud800"})
    assert caught.value.field == "biz_content" and "lone surrogate" in str(caught.value)
    with alipay_sandbox.client() as client, pytest.raises(ValidationError) as prepared:
        client.prepare("alipay.marketing.voucher.send", template_id="TPL-FIXED-10", out_biz_no="o-\udc80", user_id=USER)
    assert prepared.value.field == "out_biz_no" and "position 2" in str(prepared.value)
    assert total_calls(alipay_sandbox) == 0


def test_a_wrong_type_in_prepare_names_the_field(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client, pytest.raises(TypeError, match="out_biz_no must be a str, not int"):
        client.prepare("alipay.marketing.voucher.send", template_id="TPL-FIXED-10", out_biz_no=7, user_id=USER)


@pytest.mark.parametrize("amount", [2**40, 2**200, -(2**70)])
def test_an_oversized_points_amount_is_reported_with_its_real_value(
    call: Calls, alipay_sandbox: Sandbox, amount: int
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(
            "update_points",
            req_id="r-big",
            user_id=USER,
            activity_account=STAMP_CARD,
            trans_type="DEPOSIT",
            trans_amount=amount,
        )
    assert caught.value.field == "trans_amount"
    assert str(amount) in str(caught.value) and "18446744073709551615" not in str(caught.value)
    assert total_calls(alipay_sandbox) == 0


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("send_voucher", {"template_id": "TPL-FIXED-10", "out_biz_no": "o-\udc80", "user_id": USER}, "out_biz_no"),
        ("receive_invite_award", {"mobile": "1380000000\ud800"}, "mobile"),
        (
            "update_points",
            {
                "req_id": "r-1",
                "user_id": USER,
                "activity_account": STAMP_CARD,
                "trans_type": "DEPOSIT",
                "trans_amount": 1,
                "memo": "\udfff",
            },
            "memo",
        ),
    ],
)
def test_a_lone_surrogate_in_a_call_keyword_is_a_validation_error_naming_it(
    call: Calls, alipay_sandbox: Sandbox, name: str, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(name, **kwargs)
    assert caught.value.field == field and "lone surrogate" in str(caught.value)
    assert total_calls(alipay_sandbox) == 0


def test_a_wrong_type_in_a_call_keyword_names_it(call: Calls, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match="mobile must be a str, not int"):
        call("receive_invite_award", mobile=13800000001)
    with pytest.raises(TypeError, match="out_biz_no must be a str, not int"):
        call("send_voucher", template_id="TPL-FIXED-10", out_biz_no=7, user_id=USER)
    assert total_calls(alipay_sandbox) == 0


@pytest.mark.asyncio
async def test_a_cancelled_call_is_counted_and_logged_so_calls_add_up(
    own_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="alipay_marketing")
    own_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(1500)])
    client = own_sandbox.async_client(timeout=60)
    task = asyncio.ensure_future(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="cancel-9", user_id=USER))
    while client.stats().in_flight == 0:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The Rust side drops the call on its runtime once asyncio has cancelled the task.
    while client.stats().in_flight:
        await asyncio.sleep(0.01)
    stats = client.stats()
    assert stats.cancelled == 1 and stats.to_dict()["cancelled"] == 1
    assert stats.calls == stats.successes + stats.failed + stats.cancelled + stats.in_flight
    cancelled = [r.getMessage() for r in caplog.records if "cancelled" in r.getMessage()]
    assert cancelled and "cancel-9" in cancelled[0] and "may already have been applied" in cancelled[0], caplog.text
    await client.aclose()
