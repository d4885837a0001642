"""The companion calls, the template preflight and settling unknown outcomes, against the sandbox over loopback,
through both the sync and the asyncio client."""

from __future__ import annotations

import asyncio
import datetime
import json
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import alipay_marketing
import pytest
from alipay_marketing import (
    AlipayError,
    AsyncClient,
    BusinessError,
    Client,
    GatewayError,
    PointsBalance,
    PointsUpdateResult,
    RetryPolicy,
    Settlement,
    SignatureError,
    TemplateCreateResult,
    TemplateDetail,
    TransType,
    ValidationError,
    VoucherDetail,
    VoucherList,
    VoucherLite,
    VoucherSendResult,
)
from alipay_marketing.testing import Sandbox
from conftest import MOBILE, STAMP_CARD, USER, Calls, total_calls

SEND = "alipay.marketing.voucher.send"
POINTS = "koubei.marketing.tool.points.update"
INVITE = "alipay.user.invite.award.receive"
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def beijing(hours_from_now: float) -> str:
    """Beijing time `hours_from_now` hours from now, as the gateway writes it."""
    moment = datetime.datetime.now(BEIJING) + datetime.timedelta(hours=hours_from_now)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def template_fields(out_biz_no: str, quantity: int = 3, **overrides: Any) -> dict[str, Any]:
    """A fixed template of `quantity` 10-yuan vouchers, sendable from an hour ago to ten days ahead."""
    fields: dict[str, Any] = {
        "out_biz_no": out_biz_no,
        "voucher_type": "CASHLESS_FIX_VOUCHER",
        "brand_name": "新客礼券",
        "amount": "10.00",
        "voucher_quantity": quantity,
        "publish_start_time": beijing(-1),
        "publish_end_time": beijing(24 * 10),
        "voucher_valid_period": {"type": "RELATIVE", "duration": 7, "unit": "DAY"},
        "voucher_description": ["Not valid with other offers"],
    }
    fields.update(overrides)
    return fields


def admin_templates(sandbox: Sandbox, change: dict[str, Any]) -> dict[str, Any]:
    """`POST /admin/templates` over loopback HTTP."""
    request = urllib.request.Request(
        sandbox.admin_url + "/templates",
        data=json.dumps(change).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


@pytest.fixture(scope="module")
def stranger_keys() -> tuple[str, str]:
    """A key pair the sandbox does not know (generated once: key generation is slow)."""
    return alipay_marketing.generate_key_pair()


# --- each call, happy path ------------------------------------------------------------------------------------


def test_query_voucher_reads_the_voucher_the_send_issued(call: Calls) -> None:
    sent = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cq-1", user_id=USER)
    voucher = call("query_voucher", voucher_id=sent.voucher_id)
    assert isinstance(voucher, VoucherDetail)
    assert (voucher.voucher_id, voucher.template_id, voucher.status) == (sent.voucher_id, "TPL-FIXED-10", "ENABLED")
    assert voucher.total_amount == "10.00"
    assert voucher.user_id == USER
    assert voucher.gmt_create
    assert voucher.to_dict()["voucher_id"] == sent.voucher_id
    assert USER not in repr(voucher)


def test_list_vouchers_lists_the_users_vouchers_of_the_template(call: Calls) -> None:
    first = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cl-1", user_id=USER)
    second = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cl-2", user_id=USER)
    held = call("list_vouchers", template_id="TPL-FIXED-10", user_id=USER)
    assert isinstance(held, VoucherList)
    assert len(held) == 2
    assert held.contains(first.voucher_id) and held.contains(second.voucher_id)
    assert all(isinstance(v, VoucherLite) and v.status == "ENABLED" for v in held.vouchers)
    assert {v["voucher_id"] for v in held.to_dict()["vouchers"]} == {first.voucher_id, second.voucher_id}
    other = call("list_vouchers", template_id="TPL-RED-PACKET", user_id=USER)
    assert len(other) == 0 and other.vouchers == ()


def test_query_template_reads_status_and_counts(call: Calls) -> None:
    call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="ct-1", user_id=USER)
    template = call("query_template", template_id="TPL-FIXED-10")
    assert isinstance(template, TemplateDetail)
    assert (template.template_id, template.status) == ("TPL-FIXED-10", "S")
    assert isinstance(template.voucher_type, str)
    assert template.publish_count == 1
    assert call("query_template", template_id="TPL-EXPIRED").status == "E"


def test_create_template_is_idempotent_by_out_biz_no(call: Calls, alipay_sandbox: Sandbox) -> None:
    # The same fields (the publish window included) again: the same template, not a second one.
    fields = template_fields("cc-1", quantity=50, amount=Decimal("12.50"))
    created = call("create_template", **fields)
    assert isinstance(created, TemplateCreateResult)
    again = call("create_template", **fields)
    assert again.template_id == created.template_id
    assert len(alipay_sandbox.state()["templates"]["created"]) == 1
    detail = call("query_template", template_id=created.template_id)
    assert (detail.status, detail.voucher_type, detail.amount) == ("S", "CASHLESS_FIX_VOUCHER", "12.50")
    assert (detail.voucher_quantity, detail.publish_count, detail.remaining) == (50, 0, 50)
    with pytest.raises(BusinessError) as caught:
        call("create_template", **{**fields, "voucher_quantity": 51})
    assert caught.value.sub_code == "INVALID_PARAMETER"


def test_a_random_template_takes_its_budget_and_json_text(call: Calls) -> None:
    created = call(
        "create_template",
        **template_fields(
            "cc-random",
            voucher_type="cashless_random_voucher",
            voucher_quantity=None,
            total_amount="15.00",
            floor_amount=Decimal("1.50"),
            voucher_valid_period=json.dumps({"type": "RELATIVE", "duration": 2, "unit": "HOUR"}),
            voucher_description="[]",
        ),
    )
    detail = call("query_template", template_id=created.template_id)
    assert (detail.voucher_type, detail.total_amount) == ("CASHLESS_RANDOM_VOUCHER", "15.00")


def test_query_points_reflects_a_deposit(call: Calls) -> None:
    before = call("query_points", activity_account=STAMP_CARD, user_id=USER)
    assert isinstance(before, PointsBalance)
    assert (before.available_points, before.freezed_points, before.total_points) == (100, 0, 100)
    call(
        "update_points",
        req_id="cp-1",
        user_id=USER,
        activity_account=STAMP_CARD,
        trans_type=TransType.FREEZE,
        trans_amount=30,
    )
    after = call("query_points", activity_account=STAMP_CARD, user_id=USER)
    assert (after.available_points, after.freezed_points) == (70, 30)
    assert after.to_dict() == {
        "available_points": 70,
        "freezed_points": 30,
        "total_points": after.total_points,
    }


def test_check_template_passes_a_sendable_template_and_returns_it(call: Calls) -> None:
    template = call("check_template", "TPL-FIXED-10", 1000)
    assert isinstance(template, TemplateDetail)
    assert template.template_id == "TPL-FIXED-10"


# --- bad input: an error naming the field, nothing sent ------------------------------------------------------

BAD_INPUT: Sequence[tuple[str, dict[str, Any], str]] = [
    ("query_voucher", {"voucher_id": ""}, "voucher_id"),
    ("query_voucher", {"voucher_id": "v" * 65}, "voucher_id"),
    ("list_vouchers", {"template_id": "TPL-FIXED-10"}, "user_id"),
    ("list_vouchers", {"template_id": "TPL-FIXED-10", "user_id": USER, "open_id": "074a1CcTG1"}, "open_id"),
    ("list_vouchers", {"template_id": "t" * 29, "user_id": USER}, "template_id"),
    ("query_template", {"template_id": "t" * 29}, "template_id"),
    ("create_template", template_fields("cb-1", brand_name="名" * 13), "brand_name"),
    ("create_template", template_fields("cb-2", publish_end_time=beijing(24 * 91)), "publish_end_time"),
    ("create_template", template_fields("cb-3", voucher_quantity=None), "voucher_quantity"),
    ("create_template", template_fields("cb-4", voucher_quantity=-1), "voucher_quantity"),
    ("create_template", template_fields("cb-5", voucher_type="GIFT_CARD"), "voucher_type"),
    ("create_template", template_fields("cb-6", amount="10.001"), "amount"),
    (
        "create_template",
        template_fields("cb-7", voucher_valid_period={"type": "RELATIVE", "duration": 1, "unit": "WEEK"}),
        "voucher_valid_period",
    ),
    ("create_template", template_fields(""), "out_biz_no"),
    ("query_points", {"activity_account": "", "user_id": USER}, "activity_account"),
    ("query_points", {"activity_account": STAMP_CARD, "user_id": "2088"}, "user_id"),
    ("check_template", {"template_id": "TPL-FIXED-10", "quantity": -5}, "quantity"),
    ("check_template", {"template_id": "", "quantity": 1}, "template_id"),
]


@pytest.mark.parametrize(("method", "fields", "field"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field_before_anything_is_sent(
    call: Calls, alipay_sandbox: Sandbox, method: str, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(method, **fields)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert total_calls(alipay_sandbox) == 0


def test_the_preflight_refuses_a_quantity_of_zero_naming_it(call: Calls, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ValidationError) as caught:
        call("check_template", "TPL-FIXED-10", 0)
    assert caught.value.field == "quantity"
    assert "give the number of vouchers" in str(caught.value)
    assert total_calls(alipay_sandbox) == 0


def test_wrong_argument_types_are_type_errors(call: Calls) -> None:
    with pytest.raises(TypeError, match="quantity"):
        call("check_template", "TPL-FIXED-10", "5")
    with pytest.raises(TypeError, match="voucher_valid_period"):
        call("create_template", **template_fields("cb-type", voucher_valid_period=["RELATIVE"]))
    with pytest.raises(TypeError, match="voucher_description"):
        call("create_template", **template_fields("cb-type", voucher_description={"line": "x"}))


# --- signatures ----------------------------------------------------------------------------------------------

GOOD_CALLS: Sequence[tuple[str, dict[str, Any]]] = [
    ("query_voucher", {"voucher_id": "202401010000000000000001"}),
    ("list_vouchers", {"template_id": "TPL-FIXED-10", "user_id": USER}),
    ("query_template", {"template_id": "TPL-FIXED-10"}),
    ("create_template", template_fields("cs-1")),
    ("query_points", {"activity_account": STAMP_CARD, "user_id": USER}),
]


@pytest.mark.parametrize(("method", "fields"), GOOD_CALLS)
def test_a_response_signed_with_another_key_is_a_signature_error(
    call: Calls, stranger_keys: tuple[str, str], method: str, fields: dict[str, Any]
) -> None:
    with pytest.raises(SignatureError) as caught:
        call.with_options(alipay_public_key=stranger_keys[1], retry=None)(method, **fields)
    assert "alipay_public_key" in str(caught.value)
    assert not caught.value.retryable


@pytest.mark.parametrize(("method", "fields"), GOOD_CALLS)
def test_a_request_signed_with_another_key_is_refused_by_the_gateway(
    call: Calls, stranger_keys: tuple[str, str], method: str, fields: dict[str, Any]
) -> None:
    with pytest.raises(GatewayError) as caught:
        call.with_options(private_key=stranger_keys[0], retry=None)(method, **fields)
    assert caught.value.sub_code == "isv.invalid-signature"
    assert caught.value.likely_cause


def test_the_preflight_reports_a_signature_failure_as_it_is(call: Calls, stranger_keys: tuple[str, str]) -> None:
    with pytest.raises(SignatureError):
        call.with_options(alipay_public_key=stranger_keys[1])("check_template", "TPL-FIXED-10", 1)


# --- a campaign set up end to end ----------------------------------------------------------------------------


def test_created_template_is_checked_used_then_expired_and_refused_naming_the_reason(
    call: Calls, alipay_sandbox: Sandbox
) -> None:
    template_id = call("create_template", **template_fields("campaign-1", quantity=3)).template_id
    checked = call("check_template", template_id, 3)
    assert (checked.status, checked.voucher_quantity, checked.publish_count) == ("S", 3, 0)
    with pytest.raises(ValidationError) as too_many:
        call("check_template", template_id, 4)
    assert too_many.value.field == "template_id"
    assert "not enough stock: 3 voucher(s) left of 3" in str(too_many.value)

    sent = call("send_voucher", template_id=template_id, out_biz_no="campaign-1-order-1", user_id=USER)
    assert call("query_voucher", voucher_id=sent.voucher_id).template_id == template_id
    assert call("list_vouchers", template_id=template_id, user_id=USER).contains(sent.voucher_id)
    assert call("check_template", template_id, 2).remaining == 2

    answer = admin_templates(alipay_sandbox, {"template_id": template_id, "expire": True})
    assert answer
    with pytest.raises(ValidationError) as refused:
        call("check_template", template_id, 1)
    assert refused.value.field == "template_id"
    assert "is expired (status E); create a new template" in str(refused.value)
    with pytest.raises(BusinessError) as caught:
        call("send_voucher", template_id=template_id, out_biz_no="campaign-1-order-2", user_id=USER)
    assert caught.value.sub_code == "TEMPLATE_EXPIRED"


def test_the_preflight_refuses_a_window_that_has_not_started(call: Calls) -> None:
    later = call(
        "create_template",
        **template_fields("campaign-later", publish_start_time=beijing(48), publish_end_time=beijing(96)),
    ).template_id
    with pytest.raises(ValidationError) as refused:
        call("check_template", later, 1)
    assert "outside its publish window: sending starts at" in str(refused.value)


# --- settling, one at a time ---------------------------------------------------------------------------------


def test_a_lost_send_settles_as_sent_with_the_voucher_issued(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=SEND, script=["error_after_effect"])
    request = {"template_id": "TPL-FIXED-10", "out_biz_no": "settle-1", "user_id": USER}
    with pytest.raises(AlipayError) as caught:
        call.with_options(retry=None)("send_voucher", **request)
    assert caught.value.outcome_unknown
    by_error = call("settle_voucher", **request, error=caught.value)
    assert isinstance(by_error, Settlement)
    assert (by_error.status, by_error.sent, by_error.error) == ("sent", True, None)
    assert isinstance(by_error.result, VoucherSendResult)
    issued = alipay_sandbox.state()["vouchers"]["issued"]
    assert [v["voucher_id"] for v in issued] == [by_error.result.voucher_id]
    by_key = call("settle_voucher", **request)
    assert by_key.result is not None and by_key.result.voucher_id == by_error.result.voucher_id
    assert by_key.to_dict()["result"]["voucher_id"] == by_error.result.voucher_id
    assert alipay_sandbox.state()["vouchers"]["count"] == 1


def test_a_send_the_gateway_refuses_settles_as_not_sent(call: Calls, alipay_sandbox: Sandbox) -> None:
    answer = call("settle_voucher", template_id="TPL-EXPIRED", out_biz_no="settle-2", user_id=USER)
    assert (answer.status, answer.sent, answer.result) == ("not_sent", False, None)
    assert isinstance(answer.error, BusinessError)
    assert answer.error.sub_code == "TEMPLATE_EXPIRED"
    assert answer.to_dict()["error"] == str(answer.error)
    assert alipay_sandbox.state()["vouchers"]["count"] == 0


def test_a_settle_that_meets_faults_again_is_still_unknown_and_can_be_settled_later(
    call: Calls, alipay_sandbox: Sandbox
) -> None:
    request = {
        "req_id": "settle-p-1",
        "user_id": USER,
        "activity_account": STAMP_CARD,
        "trans_type": "DEPOSIT",
        "trans_amount": 5,
        "biz_no": "trade-settle-p-1",
    }
    alipay_sandbox.arm_faults(method=POINTS, fault="error_after_effect", rate=1.0)
    with pytest.raises(AlipayError) as caught:
        call.with_options(retry=None)("update_points", **request)
    assert caught.value.outcome_unknown
    unknown = call.with_options(retry=None)("settle_points", **request, error=caught.value)
    assert unknown.status == "still_unknown" and unknown.result is None
    assert unknown.error is not None and unknown.error.outcome_unknown
    alipay_sandbox.clear_faults()
    settled = call("settle_points", **request, error=unknown.error)
    assert settled.status == "sent"
    assert isinstance(settled.result, PointsUpdateResult)
    moves = alipay_sandbox.state()["points"]["moves"]
    assert [m["point_log_no"] for m in moves] == [settled.result.point_log_no]
    assert call("query_points", activity_account=STAMP_CARD, user_id=USER).available_points == 105


def test_an_invite_award_settles_with_the_key_the_client_generated(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=INVITE, script=["error_after_effect"])
    with pytest.raises(AlipayError) as caught:
        call.with_options(retry=None)("receive_invite_award", mobile=MOBILE)
    generated = caught.value.idempotency_key
    assert generated and caught.value.outcome_unknown
    without_key = call("settle_invite", mobile=MOBILE)
    assert without_key.status == "still_unknown"
    assert isinstance(without_key.error, ValidationError) and without_key.error.field == "out_biz_no"
    settled = call("settle_invite", mobile=MOBILE, error=caught.value)
    assert settled.status == "sent"
    assert settled.result is not None and settled.result.out_biz_no == generated
    activity = alipay_sandbox.state()["invite"]["activities"]["INVITE-DEFAULT"]
    assert activity["old_awards"] == 1


def test_settle_refuses_an_error_of_another_call_or_not_of_a_call(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=SEND, script=["error_after_effect"])
    with pytest.raises(AlipayError) as caught:
        call.with_options(retry=None)("send_voucher", template_id="TPL-FIXED-10", out_biz_no="settle-a", user_id=USER)
    other = call("settle_voucher", template_id="TPL-FIXED-10", out_biz_no="settle-b", user_id=USER, error=caught.value)
    assert other.status == "still_unknown"
    assert isinstance(other.error, ValidationError) and other.error.field == "out_biz_no"
    with pytest.raises(ValidationError) as not_kept:
        call(
            "settle_voucher",
            template_id="TPL-FIXED-10",
            out_biz_no="settle-a",
            user_id=USER,
            error=ValidationError("made up", field="user_id"),
        )
    assert not_kept.value.field == "error"
    with pytest.raises(TypeError, match="error"):
        call("settle_voucher", template_id="TPL-FIXED-10", out_biz_no="settle-a", user_id=USER, error="settle-a")
    assert alipay_sandbox.state()["vouchers"]["count"] == 1


def test_settle_refuses_bad_input_naming_the_field(call: Calls, alipay_sandbox: Sandbox) -> None:
    answer = call("settle_voucher", template_id="TPL-FIXED-10", out_biz_no="settle-c", user_id="2088")
    assert answer.status == "not_sent"
    assert isinstance(answer.error, ValidationError) and answer.error.field == "user_id"
    points = call(
        "settle_points",
        req_id="",
        user_id=USER,
        activity_account=STAMP_CARD,
        trans_type="DEPOSIT",
        trans_amount=1,
    )
    assert isinstance(points.error, ValidationError) and points.error.field == "req_id"
    assert total_calls(alipay_sandbox) == 0


# --- settling at scale under the "applied, response lost" fault ----------------------------------------------

VOUCHERS = 200
DEPOSITS = 100
ROUNDS = 5


def scale_user(i: int) -> str:
    return f"2088{700_000_000 + i:012d}"


def scale_world() -> dict[str, Any]:
    """Users with empty stamp cards, the fixed voucher template and an expired one."""
    users = [scale_user(i) for i in range(max(VOUCHERS, DEPOSITS))]
    return {
        "apps": [{"app_id": "2021000000000001", "sign_type": "RSA2"}],
        "users": [{"user_id": u} for u in users],
        "templates": [
            {"template_id": "TPL-FIXED-10", "name": "10 yuan off", "kind": "fixed", "amount": "10.00"},
            {
                "template_id": "TPL-EXPIRED",
                "name": "expired",
                "kind": "fixed",
                "amount": "5.00",
                "expires_at": "2020-01-01 00:00:00",
            },
        ],
        "accounts": [{"activity_account": STAMP_CARD, "user_id": u, "available": 0} for u in users],
    }


def settling_faults(method: str) -> dict[str, Any]:
    """20% of the settling calls fail: answers lost after the effect, dropped connections, 502 pages (rules are
    drawn in order, so the later rates are of what is left)."""
    return {
        "seed": 12,
        "rules": [
            {"method": method, "fault": "error_after_effect", "rate": 0.10},
            {"method": method, "fault": "drop_connection", "rate": 0.05 / 0.90},
            {"method": method, "fault": "http_502", "rate": 0.05 / 0.85},
        ],
    }


PATIENT = RetryPolicy(max_attempts=6, base_delay=0.002, max_delay=0.02)


class Runner:
    """Runs many calls of one face concurrently: a thread pool over a sync `Client`, or `asyncio.gather` over an
    `AsyncClient`."""

    def __init__(self, sandbox: Sandbox, mode: str) -> None:
        self.sandbox, self.mode = sandbox, mode

    def map(self, name: str, calls: Sequence[dict[str, Any]], **options: Any) -> list[Any]:
        """Calls `name` once with each keyword dict; an exception raised is returned in place of the result."""
        if self.mode == "sync":
            with self.sandbox.client(**options) as client:

                def one(fields: dict[str, Any]) -> Any:
                    try:
                        return getattr(client, name)(**fields)
                    except AlipayError as error:
                        return error

                with ThreadPoolExecutor(max_workers=16) as pool:
                    return list(pool.map(one, calls))

        async def run() -> list[Any]:
            async with self.sandbox.async_client(**options) as client:
                limit = asyncio.Semaphore(32)

                async def one(fields: dict[str, Any]) -> Any:
                    async with limit:
                        try:
                            return await getattr(client, name)(**fields)
                        except AlipayError as error:
                            return error

                return await asyncio.gather(*(one(f) for f in calls))

        return asyncio.run(run())


def lose_then_settle(
    runner: Runner, send: str, settle: str, requests: Sequence[dict[str, Any]]
) -> list[Settlement[Any]]:
    """Sends each request once with every answer lost after the effect, then settles each — the first round with
    the error the send raised, later rounds with the error of the previous settlement — under settling faults,
    until none is still unknown."""
    method = SEND if send == "send_voucher" else POINTS
    runner.sandbox.arm_faults(method=method, fault="error_after_effect", rate=1.0)
    lost = runner.map(send, requests, retry=None)
    assert all(isinstance(e, AlipayError) and e.outcome_unknown for e in lost), lost[:3]
    runner.sandbox.arm_faults(settling_faults(method))
    answers: list[Settlement[Any] | None] = [None] * len(requests)
    errors: list[AlipayError | None] = list(lost)
    pending = list(range(len(requests)))
    for _ in range(ROUNDS):
        round_answers = runner.map(
            settle, [{**requests[i], "error": errors[i]} for i in pending], retry=PATIENT, attempt_timeout=5.0
        )
        still = []
        for i, answer in zip(pending, round_answers):
            assert isinstance(answer, Settlement), answer
            answers[i], errors[i] = answer, answer.error
            if answer.status == "still_unknown":
                still.append(i)
        pending = still
        if not pending:
            break
    runner.sandbox.clear_faults()
    done = [a for a in answers if a is not None]
    assert len(done) == len(requests)
    return done


@pytest.fixture(params=["sync", "async"])
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    mode: str = request.param
    with Sandbox(scenario=scale_world()) as sandbox:
        yield Runner(sandbox, mode)


def test_lost_voucher_sends_each_settle_as_sent_with_the_recorded_voucher(runner: Runner) -> None:
    requests = [
        {"template_id": "TPL-FIXED-10", "out_biz_no": f"scale-{i}", "user_id": scale_user(i)} for i in range(VOUCHERS)
    ]
    answers = lose_then_settle(runner, "send_voucher", "settle_voucher", requests)
    state = runner.sandbox.state()
    recorded: dict[str, str] = {}
    for voucher in state["vouchers"]["issued"]:
        assert voucher["out_biz_no"] not in recorded, f"{voucher['out_biz_no']} issued twice"
        recorded[voucher["out_biz_no"]] = voucher["voucher_id"]
    assert len(recorded) == VOUCHERS and state["vouchers"]["count"] == VOUCHERS
    for request, answer in zip(requests, answers):
        assert answer.status == "sent", (request["out_biz_no"], answer)
        assert isinstance(answer.result, VoucherSendResult)
        assert recorded[request["out_biz_no"]] == answer.result.voucher_id
    assert state["faults_hit"][SEND]["error_after_effect"] > VOUCHERS, "settling met faults"


def test_lost_deposits_each_settle_as_sent_with_the_recorded_log_no(runner: Runner) -> None:
    def amount(i: int) -> int:
        return 1 + i % 7

    requests = [
        {
            "req_id": f"dep-{i}",
            "user_id": scale_user(i),
            "activity_account": STAMP_CARD,
            "trans_type": TransType.DEPOSIT,
            "trans_amount": amount(i),
            "biz_no": f"trade-{i}",
        }
        for i in range(DEPOSITS)
    ]
    answers = lose_then_settle(runner, "update_points", "settle_points", requests)
    state = runner.sandbox.state()
    moves = state["points"]["moves"]
    by_req = {m["req_id"]: m["point_log_no"] for m in moves}
    assert len(moves) == DEPOSITS and len(by_req) == DEPOSITS, "each deposit moved points once"
    balances = {a["user_id"]: a["available"] for a in state["points"]["accounts"]}
    for i, (request, answer) in enumerate(zip(requests, answers)):
        assert answer.status == "sent", (request["req_id"], answer)
        assert isinstance(answer.result, PointsUpdateResult)
        assert by_req[request["req_id"]] == answer.result.point_log_no
        assert balances[scale_user(i)] == amount(i), f"user {i} got the deposit once"
    assert state["faults_hit"][POINTS]["error_after_effect"] > DEPOSITS, "settling met faults"


# --- both faces return the same result types ----------------------------------------------------


def test_the_async_client_returns_awaitables_of_the_same_results(alipay_sandbox: Sandbox) -> None:
    async def run() -> tuple[TemplateDetail, Settlement[VoucherSendResult]]:
        async with alipay_sandbox.async_client() as client:
            assert isinstance(client, AsyncClient)
            template = await client.check_template("TPL-FIXED-10", 1)
            settled = await client.settle_voucher(template_id="TPL-FIXED-10", out_biz_no="typed-1", user_id=USER)
            return template, settled

    template, settled = asyncio.run(run())
    assert template.status == "S"
    assert settled.sent
    with alipay_sandbox.client() as client:
        assert isinstance(client, Client)
        again = client.settle_voucher(template_id="TPL-FIXED-10", out_biz_no="typed-1", user_id=USER)
    assert again.result is not None and settled.result is not None
    assert again.result.voucher_id == settled.result.voucher_id


def test_sends_that_failed_before_the_effect_settle_as_sent_once_or_not_sent(runner: Runner) -> None:
    def template(i: int) -> str:
        return "TPL-EXPIRED" if i % 3 == 0 else "TPL-FIXED-10"

    requests = [{"template_id": template(i), "out_biz_no": f"early-{i}", "user_id": scale_user(i)} for i in range(60)]
    runner.sandbox.arm_faults(method=SEND, fault="error_before_effect", rate=1.0)
    failed = runner.map("send_voucher", requests, retry=None)
    assert all(isinstance(e, AlipayError) and e.outcome_unknown for e in failed), failed[:3]
    assert runner.sandbox.state()["vouchers"]["count"] == 0, "nothing took effect"
    runner.sandbox.clear_faults()
    answers = runner.map("settle_voucher", [{**r, "error": e} for r, e in zip(requests, failed)])
    recorded = {v["out_biz_no"]: v["voucher_id"] for v in runner.sandbox.state()["vouchers"]["issued"]}
    for i, (request, answer) in enumerate(zip(requests, answers)):
        if template(i) == "TPL-EXPIRED":
            assert answer.status == "not_sent", answer
            assert isinstance(answer.error, BusinessError) and answer.error.sub_code == "TEMPLATE_EXPIRED"
            assert request["out_biz_no"] not in recorded
        else:
            assert answer.status == "sent", answer
            assert recorded[request["out_biz_no"]] == answer.result.voucher_id
    assert len(recorded) == 40, "each sendable one sent once"
