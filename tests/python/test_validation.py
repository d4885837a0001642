"""Validation happens before anything is sent: the sandbox sees no call."""

from __future__ import annotations

from typing import Any

import pytest
from alipay_marketing import ValidationError
from alipay_marketing.testing import Sandbox
from conftest import MOBILE, STAMP_CARD, USER, Calls, total_calls

INVALID_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    ("receive_invite_award", {}, "mobile"),
    ("receive_invite_award", {"mobile": "1380000000"}, "mobile"),
    ("receive_invite_award", {"user_id": "1088000000000001"}, "user_id"),
    ("receive_invite_award", {"mobile": MOBILE, "out_biz_no": "n" * 65}, "out_biz_no"),
    ("send_voucher", {"template_id": "TPL-FIXED-10", "out_biz_no": "o-1"}, "user_id"),
    ("send_voucher", {"template_id": "T" * 29, "out_biz_no": "o-1", "user_id": USER}, "template_id"),
    ("send_voucher", {"template_id": "TPL-RED-PACKET", "out_biz_no": "o-1", "user_id": USER, "amount": "10"}, "amount"),
    (
        "send_voucher",
        {"template_id": "TPL-FIXED-10", "out_biz_no": "o-1", "user_id": USER, "extend_info": {"other": 1}},
        "extend_info",
    ),
    (
        "update_points",
        {"req_id": "r-1", "user_id": USER, "activity_account": STAMP_CARD, "trans_type": "GIFT", "trans_amount": 1},
        "trans_type",
    ),
    (
        "update_points",
        {"req_id": "r-1", "user_id": USER, "activity_account": STAMP_CARD, "trans_type": "CONSUME", "trans_amount": 0},
        "trans_amount",
    ),
    (
        "update_points",
        {"req_id": "r-1", "user_id": USER, "activity_account": STAMP_CARD, "trans_type": "CONSUME", "trans_amount": -5},
        "trans_amount",
    ),
    (
        "update_points",
        {"req_id": "r-1", "user_id": USER, "activity_account": STAMP_CARD, "trans_type": "COMMIT", "trans_amount": 5},
        "biz_no",
    ),
    ("send_voucher", {"template_id": "TPL-FIXED-10", "out_biz_no": "o-1", "user_id": USER, "timeout": 0}, "timeout"),
]


@pytest.mark.parametrize(("method", "kwargs", "field"), INVALID_REQUESTS)
def test_invalid_request_raises_before_any_call(
    call: Calls, alipay_sandbox: Sandbox, method: str, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(method, **kwargs)
    assert caught.value.field == field
    assert caught.value.request_may_have_been_sent is False
    assert total_calls(alipay_sandbox) == 0


def test_execute_rejects_a_bad_method_name_before_any_call(call: Calls, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError) as caught:
        call("execute", "Alipay Voucher Send", {"a": 1})
    assert caught.value.field == "method"
    assert total_calls(alipay_sandbox) == 0


def test_validation_messages_never_repeat_the_mobile(call: Calls) -> None:
    with pytest.raises(ValidationError) as caught:
        call("receive_invite_award", mobile="12612341111")
    assert "12612341111" not in str(caught.value)


def test_wrong_python_types_are_type_errors(call: Calls, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(TypeError):
        call("receive_invite_award", mobile=13800000001)
    with pytest.raises(TypeError):
        call(
            "update_points",
            req_id="r-1",
            user_id=USER,
            activity_account=STAMP_CARD,
            trans_type="CONSUME",
            trans_amount="5",
        )
    with pytest.raises(TypeError):
        call("execute", "alipay.marketing.voucher.send", '{"already": "json"}')
    assert total_calls(alipay_sandbox) == 0
