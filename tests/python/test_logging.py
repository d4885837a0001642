"""The core's log records reach Python logging, masked."""

from __future__ import annotations

import logging

import pytest
from alipay_marketing import AlipayError
from alipay_marketing.testing import Sandbox
from conftest import MOBILE, USER, Calls


def test_calls_are_logged_under_alipay_marketing_with_their_method(
    call: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="alipay_marketing")
    call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="log-1", user_id=USER)
    records = [r for r in caplog.records if r.name == "alipay_marketing"]
    assert records, caplog.text
    assert any("alipay.marketing.voucher.send" in r.getMessage() for r in records)
    assert all(r.levelno == logging.DEBUG for r in records)


def test_failures_are_logged_at_info_with_their_code(
    call: Calls, alipay_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alipay_marketing")
    with pytest.raises(AlipayError):
        call("send_voucher", template_id="TPL-EXPIRED", out_biz_no="log-2", user_id=USER)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("TEMPLATE_EXPIRED" in m and "40004" in m for m in messages), messages


def test_mobiles_and_user_ids_in_log_records_are_masked(call: Calls, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="alipay_marketing")
    # Business numbers that embed a mobile and a user id end up in the logged idempotency key.
    call("receive_invite_award", mobile=MOBILE, out_biz_no=f"m-{MOBILE}")
    call("send_voucher", template_id="TPL-FIXED-10", out_biz_no=f"u-{USER}", user_id=USER)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "138****0001" in text
    assert "2088****0001" in text
    assert MOBILE not in text
    assert USER not in text


def test_keys_never_reach_the_log(alipay_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="alipay_marketing")
    with alipay_sandbox.client() as client:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="log-3", user_id=USER)
    body = "".join(alipay_sandbox.app_private_key.splitlines()[1:-1])
    text = caplog.text
    assert "PRIVATE KEY" not in text
    assert body[:40] not in text


def test_nothing_is_logged_below_the_configured_level(call: Calls, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="alipay_marketing")
    call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="log-4", user_id=USER)
    assert [r for r in caplog.records if r.name.startswith("alipay_marketing")] == []
