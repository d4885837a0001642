"""Result objects: frozen, typed, `to_dict()`, a masking repr; enums that keep unknown values."""

from __future__ import annotations

import json

import pytest
from alipay_marketing import BizResultCode, Client, TransType, UserAttr
from conftest import MOBILE, USER


def test_results_are_frozen(client: Client) -> None:
    result = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="res-1", user_id=USER)
    with pytest.raises(AttributeError):
        result.voucher_id = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.extra = 1  # type: ignore[attr-defined]


def test_to_dict_holds_every_attribute_and_serialises_as_json(client: Client) -> None:
    award = client.receive_invite_award(mobile=MOBILE, out_biz_no="res-2")
    data = award.to_dict()
    assert set(data) == {
        "biz_result_code",
        "biz_result_desc",
        "user_attr",
        "alipay_account_no",
        "mobile",
        "ext_info",
        "out_biz_no",
    }
    assert data["out_biz_no"] == "res-2"
    assert data["mobile"] == MOBILE
    assert data["alipay_account_no"] == list(award.alipay_account_no)
    assert json.loads(json.dumps(data))["biz_result_code"] == "OLD_AWARD_SUCCESS"
    voucher = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="res-3", user_id=USER)
    assert voucher.to_dict() == {"voucher_id": voucher.voucher_id, "user_id": USER, "open_id": None}


def test_repr_masks_mobiles_and_user_ids(client: Client) -> None:
    award = client.receive_invite_award(mobile=MOBILE, out_biz_no="res-4")
    voucher = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="res-5", user_id=USER)
    assert "138****0001" in repr(award)
    assert MOBILE not in repr(award)
    assert repr(award).startswith("InviteAwardResult(biz_result_code='OLD_AWARD_SUCCESS'")
    assert "2088****0001" in repr(voucher)
    assert USER not in repr(voucher)
    assert voucher.voucher_id in repr(voucher)


def test_prepared_request_repr_leaves_out_the_body(client: Client) -> None:
    prepared = client.prepare("alipay.user.invite.award.receive", mobile=MOBILE)
    assert MOBILE in prepared.body
    assert MOBILE not in repr(prepared)


def test_enums_are_strings_that_keep_unknown_values() -> None:
    assert BizResultCode("NEW_AWARD_SUCESS") is BizResultCode.NEW_AWARD_SUCCESS
    unknown = BizResultCode("RISK_REJECT")
    assert unknown.value == "RISK_REJECT"
    assert unknown == "RISK_REJECT"
    assert str(unknown) == "RISK_REJECT"
    assert not unknown.is_known
    assert BizResultCode.OLD_AWARD_SUCCESS.is_known
    assert UserAttr("VIP").value == "VIP"
    assert isinstance(TransType.DEPOSIT, str)
    assert TransType.DEPOSIT == "DEPOSIT"
    assert f"{TransType.FREEZE}" == "FREEZE"


def test_client_repr_shows_the_app_and_gateway_but_no_key(client: Client) -> None:
    text = repr(client)
    assert "2021000000000001" in text
    assert "gateway.do" in text
    assert "KEY" not in text
