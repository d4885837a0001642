"""Every call against the sandbox, through both the sync and the asyncio client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alipay_marketing import (
    BizResultCode,
    BusinessError,
    ExecuteResult,
    InviteAwardResult,
    PointsUpdateResult,
    PreparedRequest,
    TransType,
    UserAttr,
    VoucherSendResult,
)
from alipay_marketing.testing import Sandbox
from conftest import FROZEN_USER, MOBILE, STAMP_CARD, USER, Calls, total_calls


def test_send_voucher_returns_the_voucher_and_the_sandbox_records_it(call: Calls, alipay_sandbox: Sandbox) -> None:
    result = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="order-1", user_id=USER, memo="新客礼券")
    assert isinstance(result, VoucherSendResult)
    assert result.voucher_id
    assert result.user_id == USER
    assert alipay_sandbox.state()["calls"]["alipay.marketing.voucher.send"]["outcomes"] == {"10000": 1}


def test_send_voucher_again_with_the_same_out_biz_no_returns_the_same_voucher(call: Calls) -> None:
    first = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="order-2", user_id=USER)
    again = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="order-2", user_id=USER)
    assert again.voucher_id == first.voucher_id


def test_red_packet_amount_is_accepted_as_text_or_decimal(call: Calls) -> None:
    by_text = call("send_voucher", template_id="TPL-RED-PACKET", out_biz_no="rp-1", user_id=USER, amount="10.00")
    by_decimal = call(
        "send_voucher", template_id="TPL-RED-PACKET", out_biz_no="rp-2", user_id=USER, amount=Decimal("0.50")
    )
    assert by_text.voucher_id != by_decimal.voucher_id


def test_voucher_to_a_frozen_user_is_a_business_error(call: Calls) -> None:
    with pytest.raises(BusinessError) as caught:
        call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="order-3", user_id=FROZEN_USER)
    assert caught.value.code == "40004"
    assert caught.value.sub_code == "USER_STATUS_ERROR"
    assert caught.value.retryable is False


def test_expired_template_is_a_business_error_with_a_trace_id(call: Calls) -> None:
    with pytest.raises(BusinessError) as caught:
        call("send_voucher", template_id="TPL-EXPIRED", out_biz_no="order-4", user_id=USER)
    assert caught.value.sub_code == "TEMPLATE_EXPIRED"
    assert caught.value.trace_id


def test_invite_award_for_an_old_user_by_mobile(call: Calls) -> None:
    result = call("receive_invite_award", mobile=MOBILE, out_biz_no="invite-1")
    assert isinstance(result, InviteAwardResult)
    assert result.biz_result_code is BizResultCode.OLD_AWARD_SUCCESS
    assert result.user_attr is UserAttr.OLD
    assert result.awarded
    assert isinstance(result.alipay_account_no, tuple)


def test_invite_award_for_a_new_mobile_is_a_new_user_award(call: Calls) -> None:
    result = call("receive_invite_award", mobile="13912345678", out_biz_no="invite-2")
    assert result.biz_result_code is BizResultCode.NEW_AWARD_SUCCESS
    assert result.biz_result_code.value == "NEW_AWARD_SUCESS"
    assert result.user_attr is UserAttr.NEW


@pytest.mark.parametrize(
    ("activity", "code"),
    [("PAUSED-ACT", BizResultCode.ACTIVITY_PAUSE), ("CLOSED-ACT", BizResultCode.ACTIVITY_CLOSE)],
)
def test_paused_and_closed_activities_are_results_not_errors(call: Calls, activity: str, code: BizResultCode) -> None:
    result = call("receive_invite_award", user_id=USER, out_biz_code=activity, out_biz_no=f"invite-{activity}")
    assert result.biz_result_code is code
    assert not result.awarded


def test_points_freeze_then_commit(call: Calls, alipay_sandbox: Sandbox) -> None:
    frozen = call(
        "update_points",
        req_id="req-freeze",
        user_id=USER,
        activity_account=STAMP_CARD,
        trans_type=TransType.FREEZE,
        trans_amount=30,
    )
    assert isinstance(frozen, PointsUpdateResult)
    committed = call(
        "update_points",
        req_id="req-commit",
        user_id=USER,
        activity_account=STAMP_CARD,
        trans_type="COMMIT",
        trans_amount=30,
        biz_no=frozen.point_log_no,
    )
    assert committed.point_log_no != frozen.point_log_no
    account = alipay_sandbox.state()["points"]["accounts"][0]
    assert (account["available"], account["frozen"]) == (70, 0)


def test_points_deposit_accepts_the_trans_type_in_any_case(call: Calls, alipay_sandbox: Sandbox) -> None:
    call(
        "update_points",
        req_id="req-deposit",
        user_id=USER,
        activity_account=STAMP_CARD,
        trans_type="deposit",
        trans_amount=5,
        biz_no="2026112522001400000000000001",
        shop_id="shop-1",
    )
    assert alipay_sandbox.state()["points"]["accounts"][0]["available"] == 105


def test_consuming_more_points_than_available_is_a_business_error(call: Calls) -> None:
    with pytest.raises(BusinessError) as caught:
        call(
            "update_points",
            req_id="req-too-much",
            user_id=USER,
            activity_account=STAMP_CARD,
            trans_type=TransType.CONSUME,
            trans_amount=1000,
        )
    assert caught.value.sub_code


def test_execute_calls_any_method_with_a_dict(call: Calls) -> None:
    result = call(
        "execute",
        "alipay.marketing.voucher.send",
        {"template_id": "TPL-FIXED-10", "out_biz_no": "order-exec", "user_id": USER},
    )
    assert isinstance(result, ExecuteResult)
    data = result.to_dict()
    assert data["code"] == "10000"
    assert data["voucher_id"]
    assert result.body.startswith("{")
    assert result.trace_id


def test_prepare_signs_without_sending(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        prepared = client.prepare(
            "alipay.marketing.voucher.send", template_id="TPL-FIXED-10", out_biz_no="order-dry", user_id=USER
        )
        generic = client.prepare("alipay.marketing.campaign.query", {"camp_id": "C1"})
    assert isinstance(prepared, PreparedRequest)
    assert prepared.method == "alipay.marketing.voucher.send"
    assert prepared.idempotency_key == "order-dry"
    assert dict(prepared.query)["sign"]
    assert prepared.url.startswith(alipay_sandbox.url + "?")
    assert '"out_biz_no":"order-dry"' in prepared.sign_content
    assert dict(generic.form)["biz_content"] == '{"camp_id":"C1"}'
    assert total_calls(alipay_sandbox) == 0


def test_prepare_rejects_unknown_fields_and_biz_content_for_typed_methods(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        with pytest.raises(TypeError, match="unexpected keyword"):
            client.prepare("alipay.user.invite.award.receive", mobile=MOBILE, colour="red")
        with pytest.raises(TypeError, match="keyword arguments"):
            client.prepare("alipay.marketing.voucher.send", {"template_id": "TPL-FIXED-10"})
        with pytest.raises(TypeError, match="missing"):
            client.prepare("koubei.marketing.tool.points.update", req_id="r1")
