"""One client for many merchants: ``app_auth_token=`` per call, through the sync and the asyncio client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alipay_marketing import AlipayError, TransportError, ValidationError
from alipay_marketing.testing import Sandbox
from conftest import USER, total_calls

MERCHANT_A = "202405BBmerchantA00000001"
MERCHANT_B = "202405BBmerchantB00000002"
VOUCHER_SEND = "alipay.marketing.voucher.send"


def calls_of(sandbox: Sandbox, token: str) -> dict[str, Any]:
    """method → calls the sandbox saw with ``token``."""
    methods: dict[str, Any] = sandbox.state()["app_auth_tokens"].get(token, {}).get("methods", {})
    return methods


def test_one_sync_client_serves_two_merchants(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        for n, token in enumerate([MERCHANT_A, MERCHANT_A, MERCHANT_B]):
            sent = client.send_voucher(
                template_id="TPL-FIXED-10", out_biz_no=f"py-merchant-{n}", user_id=USER, app_auth_token=token
            )
            assert sent.voucher_id
        client.query_template(template_id="TPL-FIXED-10", app_auth_token=MERCHANT_B)
        client.execute(
            "alipay.marketing.voucher.templatedetail.query", {"template_id": "TPL-FIXED-10"}, app_auth_token=MERCHANT_A
        )
        # No token: the client's own (here none), counted under no merchant.
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="py-merchant-own", user_id=USER)
    assert calls_of(alipay_sandbox, MERCHANT_A) == {
        VOUCHER_SEND: 2,
        "alipay.marketing.voucher.templatedetail.query": 1,
    }
    assert calls_of(alipay_sandbox, MERCHANT_B) == {
        VOUCHER_SEND: 1,
        "alipay.marketing.voucher.templatedetail.query": 1,
    }
    assert set(alipay_sandbox.state()["app_auth_tokens"]) == {MERCHANT_A, MERCHANT_B}
    assert total_calls(alipay_sandbox) == 6


def test_one_async_client_serves_two_merchants_concurrently(alipay_sandbox: Sandbox) -> None:
    async def run() -> None:
        async with alipay_sandbox.async_client() as client:
            await asyncio.gather(
                *(
                    client.send_voucher(
                        template_id="TPL-FIXED-10",
                        out_biz_no=f"py-async-{n}",
                        user_id=USER,
                        app_auth_token=MERCHANT_A if n % 2 else MERCHANT_B,
                    )
                    for n in range(6)
                ),
                client.query_points(activity_account="STAMP-CARD-01", user_id=USER, app_auth_token=MERCHANT_A),
            )

    asyncio.run(run())
    assert calls_of(alipay_sandbox, MERCHANT_A) == {VOUCHER_SEND: 3, "koubei.marketing.tool.points.query": 1}
    assert calls_of(alipay_sandbox, MERCHANT_B) == {VOUCHER_SEND: 3}


def test_the_dry_run_shows_the_per_call_token(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(app_auth_token="202405BBclientsown0000003") as client:
        prepared = client.prepare(
            VOUCHER_SEND, template_id="TPL-FIXED-10", out_biz_no="py-dry-1", user_id=USER, app_auth_token=MERCHANT_A
        )
        assert ("app_auth_token", MERCHANT_A) in prepared.form
        assert f"app_auth_token={MERCHANT_A}&" in prepared.sign_content
        own = client.prepare(VOUCHER_SEND, template_id="TPL-FIXED-10", out_biz_no="py-dry-1", user_id=USER)
        assert ("app_auth_token", "202405BBclientsown0000003") in own.form
    async_prepared = alipay_sandbox.async_client().prepare(
        "alipay.marketing.voucher.query", {"voucher_id": "1"}, app_auth_token=MERCHANT_B
    )
    assert ("app_auth_token", MERCHANT_B) in async_prepared.form
    assert total_calls(alipay_sandbox) == 0


@pytest.mark.parametrize("bad", ["202405BB\nmerchant", "202405BB\x00merchant", " 202405BBmerchant"])
def test_a_bad_token_is_refused_before_sending(alipay_sandbox: Sandbox, bad: str) -> None:
    with alipay_sandbox.client() as client:
        with pytest.raises(ValidationError) as raised:
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="py-bad", user_id=USER, app_auth_token=bad)
        assert raised.value.field == "app_auth_token"
        assert "merchant" not in str(raised.value)
        with pytest.raises(ValidationError):
            client.prepare("alipay.marketing.voucher.query", {"voucher_id": "1"}, app_auth_token=bad)
    assert total_calls(alipay_sandbox) == 0


def test_the_rate_limit_has_a_bucket_per_merchant(alipay_sandbox: Sandbox) -> None:
    # One call per hour and no burst: a second call for the same merchant cannot get a slot within its deadline.
    with alipay_sandbox.client(rate_limit=(1 / 3600, 1), retry=None) as client:
        client.send_voucher(
            template_id="TPL-FIXED-10", out_biz_no="py-rl-a1", user_id=USER, app_auth_token=MERCHANT_A, timeout=10
        )
        with pytest.raises(TransportError, match="app_auth_token"):
            client.send_voucher(
                template_id="TPL-FIXED-10", out_biz_no="py-rl-a2", user_id=USER, app_auth_token=MERCHANT_A, timeout=10
            )
        client.send_voucher(
            template_id="TPL-FIXED-10", out_biz_no="py-rl-b1", user_id=USER, app_auth_token=MERCHANT_B, timeout=10
        )
    assert total_calls(alipay_sandbox) == 2


def test_settling_resends_for_the_same_merchant(alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER_SEND, script=["error_after_effect"])
    with alipay_sandbox.client(retry=None) as client:
        keywords: dict[str, Any] = {"template_id": "TPL-FIXED-10", "out_biz_no": "py-settle-1", "user_id": USER}
        with pytest.raises(AlipayError) as raised:
            client.send_voucher(**keywords, app_auth_token=MERCHANT_A)
        assert raised.value.outcome_unknown
        settled = client.settle_voucher(**keywords, error=raised.value, app_auth_token=MERCHANT_A)
        assert settled.status == "sent"
    assert calls_of(alipay_sandbox, MERCHANT_A) == {VOUCHER_SEND: 2}
    assert alipay_sandbox.state()["vouchers"]["count"] == 1
