"""Retries with the same idempotency key, unknown outcomes, deadlines, the rate limit, counters and closing."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest
from alipay_marketing import (
    AsyncClient,
    BusinessError,
    Client,
    ClientStats,
    ConfigError,
    GatewayError,
    HttpError,
    RateLimit,
    RetryPolicy,
    TimeoutError,
    TransportError,
    ValidationError,
    _native,
)
from alipay_marketing.testing import Sandbox, latency
from conftest import MOBILE, USER, Calls

VOUCHER = "alipay.marketing.voucher.send"
INVITE = "alipay.user.invite.award.receive"


def issued(sandbox: Sandbox, out_biz_no: str) -> list[dict[str, Any]]:
    """The vouchers the sandbox issued for one out_biz_no."""
    return [v for v in sandbox.state()["vouchers"]["issued"] if v["out_biz_no"] == out_biz_no]


# Retries


def test_a_lost_response_is_retried_with_the_same_key_and_applied_once(alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["error_after_effect"])
    with alipay_sandbox.client() as client:
        result = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="r-1", user_id=USER)
        stats = client.stats()
    assert [v["voucher_id"] for v in issued(alipay_sandbox, "r-1")] == [result.voucher_id]
    assert alipay_sandbox.state()["calls"][VOUCHER]["total"] == 2
    assert (stats.calls, stats.attempts, stats.retries, stats.successes) == (1, 2, 1, 1)
    assert stats.failed == 0


@pytest.mark.parametrize("fault", ["error_before_effect", "drop_connection", "http_502", "throttle"])
def test_every_retryable_fault_is_retried(call: Calls, alipay_sandbox: Sandbox, fault: str) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=[fault, fault])
    result = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="r-2", user_id=USER)
    assert [v["voucher_id"] for v in issued(alipay_sandbox, "r-2")] == [result.voucher_id]
    assert alipay_sandbox.state()["calls"][VOUCHER]["total"] == 3


def test_without_retries_a_lost_response_says_the_outcome_is_unknown_and_gives_the_key(
    call: Calls, alipay_sandbox: Sandbox
) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["error_after_effect"])
    with pytest.raises(GatewayError) as caught:
        call.with_options(retry=None)("send_voucher", template_id="TPL-FIXED-10", out_biz_no="r-3", user_id=USER)
    error = caught.value
    assert error.code == "20000"
    assert error.outcome_unknown is True
    assert error.idempotency_key == "r-3"
    assert error.attempts == 1
    assert error.retryable
    assert "r-3" in str(error)
    # The effect was applied: sending again later with the key returns that voucher instead of a second one.
    assert len(issued(alipay_sandbox, "r-3")) == 1
    again = call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="r-3", user_id=USER)
    assert [v["voucher_id"] for v in issued(alipay_sandbox, "r-3")] == [again.voucher_id]


def test_retry_policy_none_is_the_same_as_none(alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["http_502"])
    with alipay_sandbox.client(retry=RetryPolicy.none()) as client, pytest.raises(HttpError) as caught:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="r-4", user_id=USER)
    assert caught.value.attempts == 1
    assert caught.value.outcome_unknown


def test_a_business_refusal_is_not_retried_and_its_outcome_is_known(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client, pytest.raises(BusinessError) as caught:
        client.send_voucher(template_id="TPL-EXPIRED", out_biz_no="r-5", user_id=USER)
    assert caught.value.attempts == 1
    assert caught.value.outcome_unknown is False
    assert caught.value.idempotency_key == "r-5"


def test_the_last_failure_after_every_attempt_counts_them(alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["throttle"] * 4)
    policy = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002)
    with alipay_sandbox.client(retry=policy) as client, pytest.raises(GatewayError) as caught:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="r-6", user_id=USER)
    assert caught.value.code == "40005"
    assert caught.value.attempts == 4
    assert caught.value.outcome_unknown is False  # throttled: nothing happened


def test_per_call_retry_overrides_the_clients(call: Calls, alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["throttle"])
    no_retries = call.with_options(retry=None)
    result = no_retries(
        "send_voucher", template_id="TPL-FIXED-10", out_biz_no="r-7", user_id=USER, retry=RetryPolicy(max_attempts=2)
    )
    assert result.voucher_id
    alipay_sandbox.arm_faults(method=VOUCHER, script=["throttle"])
    with pytest.raises(GatewayError):
        call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="r-8", user_id=USER, retry=None)


def test_execute_without_a_key_retries_only_what_cannot_have_happened(call: Calls, alipay_sandbox: Sandbox) -> None:
    biz = {"template_id": "TPL-FIXED-10", "out_biz_no": "r-9", "user_id": USER}
    alipay_sandbox.arm_faults(method=VOUCHER, script=["throttle"])
    assert call("execute", VOUCHER, biz).to_dict()["voucher_id"]
    alipay_sandbox.arm_faults(method=VOUCHER, script=["error_after_effect"])
    with pytest.raises(GatewayError) as caught:
        call("execute", VOUCHER, {**biz, "out_biz_no": "r-10"})
    assert caught.value.attempts == 1
    assert caught.value.outcome_unknown
    assert caught.value.idempotency_key is None


def test_an_invite_award_without_out_biz_no_gets_a_generated_key_used_for_its_retries(
    call: Calls, alipay_sandbox: Sandbox
) -> None:
    alipay_sandbox.arm_faults(method=INVITE, script=["error_after_effect"])
    result = call("receive_invite_award", mobile="13912340001")
    assert result.out_biz_no is not None
    assert len(result.out_biz_no) == 30
    assert result.awarded
    assert result.to_dict()["out_biz_no"] == result.out_biz_no
    assert alipay_sandbox.state()["calls"][INVITE]["total"] == 2
    given = call("receive_invite_award", mobile="13912340002", out_biz_no="inv-given")
    assert given.out_biz_no == "inv-given"


def test_max_attempts_is_still_accepted_but_not_together_with_retry(alipay_sandbox: Sandbox) -> None:
    alipay_sandbox.arm_faults(method=VOUCHER, script=["throttle"])
    with alipay_sandbox.client(max_attempts=1) as client, pytest.raises(GatewayError):
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="r-11", user_id=USER)
    with pytest.raises(TypeError, match="not both"):
        alipay_sandbox.client(max_attempts=2, retry=RetryPolicy())


def test_retry_policy_is_frozen_and_checks_its_values() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=5)
    assert policy == RetryPolicy(5, 0.2, 5)
    with pytest.raises(AttributeError):
        policy.max_attempts = 1  # type: ignore[misc]
    assert RetryPolicy.none().max_attempts == 1
    for bad in ({"max_attempts": 0}, {"base_delay": -1.0}, {"max_delay": float("inf")}, {"base_delay": 3.0}):
        with pytest.raises(ConfigError) as caught:
            RetryPolicy(**bad)
        assert caught.value.field == "retry"
    with pytest.raises(TypeError):
        RetryPolicy(max_attempts="3")  # type: ignore[arg-type]


def test_retry_must_be_a_policy_or_none(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match="RetryPolicy"):
        alipay_sandbox.client(retry=3)
    with alipay_sandbox.client() as client, pytest.raises(TypeError, match="RetryPolicy"):
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="r-12", user_id=USER, retry="twice")  # type: ignore[arg-type]


# Exactly once under faults (as sandbox/tests/exactly_once.rs does from Rust)


def fault_mix(method: str, seed: int) -> dict[str, Any]:
    """20% of the calls of `method` faulted: 10% effect-applied-then-lost, 2.5% each of four other kinds (rules are
    checked in order, so each later rate is conditioned on the earlier ones not firing)."""
    rules: list[dict[str, Any]] = [{"method": method, "fault": "error_after_effect", "rate": 0.10}]
    left = 0.90
    for fault in (latency(1500), "drop_connection", "http_502", "throttle"):
        rules.append({"method": method, "fault": fault, "rate": 0.025 / left})
        left -= 0.025
    return {"seed": seed, "rules": rules}


def many_users(n: int) -> dict[str, Any]:
    """A scenario with `n` registered users, each with an empty stamp card, and the fixed voucher template."""
    users = [f"2088{500_000_000 + i:012d}" for i in range(n)]
    return {
        "apps": [{"app_id": "2021000000000001", "sign_type": "RSA2"}],
        "users": [{"user_id": u} for u in users],
        "templates": [{"template_id": "TPL-FIXED-10", "name": "10 yuan off", "kind": "fixed", "amount": "10.00"}],
        "accounts": [{"activity_account": "STAMP-CARD-01", "user_id": u, "available": 0} for u in users],
    }


def patient_client(sandbox: Sandbox) -> AsyncClient:
    """Patient enough that every call meets a fault-free attempt; latency spikes are abandoned after 1 s."""
    policy = RetryPolicy(max_attempts=12, base_delay=0.005, max_delay=0.04)
    return sandbox.async_client(attempt_timeout=1.0, timeout=120, retry=policy)


def assert_fault_mix(sandbox: Sandbox, method: str, calls: int) -> None:
    outcomes = sandbox.state()["calls"][method]["outcomes"]
    assert outcomes.get("20000/isp.unknow-error", 0) > calls // 20, outcomes
    for fault in ("40005/isv.app-call-limited", "fault/drop_connection", "fault/http_502"):
        assert outcomes.get(fault, 0) > 0, f"{fault} never happened: {outcomes}"


@pytest.mark.asyncio
async def test_ten_thousand_vouchers_to_distinct_users_under_faults_are_each_sent_exactly_once() -> None:
    n = 10_000
    with Sandbox(scenario=many_users(n)) as sandbox:
        sandbox.arm_faults(fault_mix(VOUCHER, seed=7))
        client = patient_client(sandbox)
        gate = asyncio.Semaphore(64)
        users = [f"2088{500_000_000 + i:012d}" for i in range(n)]

        async def send(i: int) -> tuple[int, str]:
            async with gate:
                result = await client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"eo-{i}", user_id=users[i])
                return i, result.voucher_id

        results = await asyncio.gather(*(send(i) for i in range(n)))
        stats = client.stats()
        await client.aclose()

        ours = [v for v in sandbox.state()["vouchers"]["issued"] if v["out_biz_no"].startswith("eo-")]
        assert len(ours) == n, "exactly one voucher per request in the sandbox"
        assert len({v["out_biz_no"] for v in ours}) == n
        by_key = {v["out_biz_no"]: (v["voucher_id"], v["user_id"]) for v in ours}
        for i, voucher_id in results:
            assert by_key[f"eo-{i}"] == (voucher_id, users[i]), "the client saw the sandbox's voucher, for its user"
        assert stats.successes == n
        assert stats.failed == 0
        assert stats.retries > n // 10, stats
        assert_fault_mix(sandbox, VOUCHER, n)


@pytest.mark.asyncio
async def test_five_thousand_deposit_freeze_commit_sequences_under_faults_leave_exact_balances() -> None:
    sequences, accounts = 5_000, 100
    points = "koubei.marketing.tool.points.update"
    with Sandbox(scenario=many_users(accounts)) as sandbox:
        sandbox.arm_faults(fault_mix(points, seed=11))
        client = patient_client(sandbox)
        gate = asyncio.Semaphore(64)

        def user(k: int) -> str:
            return f"2088{500_000_000 + k % accounts:012d}"

        async def sequence(k: int) -> None:
            async with gate:
                who, card = user(k), "STAMP-CARD-01"
                await client.update_points(
                    req_id=f"dep-{k}",
                    user_id=who,
                    activity_account=card,
                    trans_type="DEPOSIT",
                    trans_amount=10 + k % 7,
                    biz_no=f"TRADE{k:08d}",
                )
                frozen = await client.update_points(
                    req_id=f"frz-{k}", user_id=who, activity_account=card, trans_type="FREEZE", trans_amount=3 + k % 5
                )
                await client.update_points(
                    req_id=f"com-{k}",
                    user_id=who,
                    activity_account=card,
                    trans_type="COMMIT",
                    trans_amount=3 + k % 5,
                    biz_no=frozen.point_log_no,
                )

        await asyncio.gather(*(sequence(k) for k in range(sequences)))
        await client.aclose()

        balances = {a["user_id"]: a for a in sandbox.state()["points"]["accounts"]}
        for a in range(accounts):
            expected = sum((10 + k % 7) - (3 + k % 5) for k in range(a, sequences, accounts))
            account = balances[user(a)]
            assert (account["available"], account["frozen"]) == (expected, 0), account
        assert_fault_mix(sandbox, points, sequences * 3)


# Deadlines


def test_a_call_outliving_its_deadline_fails_with_the_key(own_call: Calls, own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method=VOUCHER, script=[latency(2000)])
    # Had the call waited for the slow gateway it would have succeeded; how late it returns is benchmarked
    # (`cargo bench -p alipay-marketing --bench resilience`), not asserted here.
    with pytest.raises(TimeoutError) as caught:
        own_call("send_voucher", template_id="TPL-FIXED-10", out_biz_no="d-1", user_id=USER, timeout=0.3)
    assert caught.value.outcome_unknown
    assert caught.value.idempotency_key == "d-1"
    assert caught.value.attempts == 1


def test_a_slow_attempt_is_abandoned_at_the_attempt_timeout_and_retried(own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method=VOUCHER, script=[latency(2000)])
    with own_sandbox.client(attempt_timeout=0.3, timeout=30) as client:
        result = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="d-2", user_id=USER)
        stats = client.stats()
    # Two attempts: the slow one was abandoned at its timeout, not answered.
    assert result.voucher_id
    assert (stats.attempts, stats.retries) == (2, 1)


def test_timeouts_must_be_positive(alipay_sandbox: Sandbox) -> None:
    for name in ("timeout", "connect_timeout", "attempt_timeout", "pool_idle_timeout"):
        with pytest.raises(ConfigError) as caught:
            alipay_sandbox.client(**{name: 0})
        assert caught.value.field == name


# Rate limit


@pytest.mark.parametrize("limit", [(5, 1), RateLimit(qps=5, burst=1)])
def test_the_rate_limit_spaces_calls(alipay_sandbox: Sandbox, limit: Any) -> None:
    with alipay_sandbox.client(rate_limit=limit) as client:
        started = time.monotonic()
        for n in range(5):
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"q-{n}", user_id=USER)
        elapsed = time.monotonic() - started
    # Five calls at 5 per second with no burst: four gaps of 0.2 s at least.
    assert elapsed >= 0.75


def test_the_rate_limit_is_shared_by_threads(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(rate_limit=RateLimit(qps=10, burst=2)) as client:

        def send(n: int) -> None:
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"qt-{n}", user_id=USER)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    # Eight calls, two at once, then ten per second: at least 0.6 s whichever thread makes them.
    assert elapsed >= 0.55
    assert alipay_sandbox.state()["vouchers"]["count"] == 8


def test_a_call_whose_slot_comes_after_its_deadline_fails_at_once_without_sending(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(rate_limit=(0.5, 1)) as client:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="ql-1", user_id=USER)
        with pytest.raises(TransportError) as caught:
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="ql-2", user_id=USER, timeout=0.5)
    assert caught.value.request_may_have_been_sent is False
    assert caught.value.outcome_unknown is False
    assert alipay_sandbox.state()["calls"][VOUCHER]["total"] == 1


def test_rate_limit_values_are_checked(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(rate_limit=(0, 1))
    assert caught.value.field == "rate_limit"
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(rate_limit=(5, -1))
    assert caught.value.field == "rate_limit"
    with pytest.raises(ConfigError) as caught:
        RateLimit(qps=5, burst=0)
    assert caught.value.field == "rate_limit"
    with pytest.raises(TypeError):
        alipay_sandbox.client(rate_limit="fast")


# Counters


def test_stats_count_calls_retries_and_failures_by_kind(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        assert client.stats().calls == 0
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="s-1", user_id=USER)
        with pytest.raises(BusinessError):
            client.send_voucher(template_id="TPL-EXPIRED", out_biz_no="s-2", user_id=USER)
        with pytest.raises(ValidationError):
            client.receive_invite_award(mobile="1380000000")
        stats = client.stats()
    assert isinstance(stats, ClientStats)
    assert (stats.calls, stats.attempts, stats.retries, stats.successes, stats.in_flight) == (3, 2, 0, 1, 0)
    assert set(stats.failures) == set(_native.ERROR_KINDS)
    assert stats.failures["gateway"] == 1
    assert stats.failures["invalid_request"] == 1
    assert stats.failed == 2
    assert stats.to_dict()["failures"] == stats.failures
    assert repr(stats) == (
        "ClientStats(calls=3, attempts=2, retries=0, successes=1, "
        "failures={'invalid_request': 1, 'gateway': 1}, in_flight=0, cancelled=0)"
    )
    with pytest.raises(AttributeError):
        stats.calls = 0  # type: ignore[misc]


def test_attempt_failures_are_logged_with_the_mobile_masked(
    call: Calls, alipay_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alipay_marketing")
    alipay_sandbox.arm_faults(method=INVITE, script=["throttle"])
    call("receive_invite_award", mobile=MOBILE, out_biz_no=f"m-{MOBILE}")
    failed = [r.getMessage() for r in caplog.records if "attempt failed" in r.getMessage()]
    assert len(failed) == 1, caplog.text
    assert "40005" in failed[0]
    assert "attempt=1" in failed[0]
    assert "m-138****0001" in failed[0]
    assert MOBILE not in caplog.text


# Closing


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def test_close_waits_for_the_call_in_flight_then_refuses_new_calls(own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method=VOUCHER, script=[latency(800)])
    client: Client = own_sandbox.client(timeout=30)
    outcome: list[Any] = []

    def slow() -> None:
        try:
            outcome.append(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="c-1", user_id=USER))
        except Exception as error:  # noqa: BLE001 - recorded for the assertion below
            outcome.append(error)

    thread = threading.Thread(target=slow)
    thread.start()
    wait_until(lambda: client.stats().in_flight == 1, "the call is in flight")
    client.close()
    assert client.closed
    assert client.stats().in_flight == 0
    thread.join()
    assert outcome and outcome[0].voucher_id, outcome
    with pytest.raises(ConfigError):
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="c-2", user_id=USER)
    client.close()  # closing twice is harmless


@pytest.mark.asyncio
async def test_async_aclose_waits_for_the_call_in_flight(own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method=VOUCHER, script=[latency(800)])
    client: AsyncClient = own_sandbox.async_client(timeout=30)
    task = asyncio.ensure_future(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="c-4", user_id=USER))
    while client.stats().in_flight == 0:
        await asyncio.sleep(0.01)
    await client.aclose()
    assert client.closed
    assert client.stats().in_flight == 0
    assert (await task).voucher_id
    with pytest.raises(ConfigError):
        await client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="c-5", user_id=USER)


@pytest.mark.asyncio
async def test_async_with_closes_the_client(alipay_sandbox: Sandbox) -> None:
    async with alipay_sandbox.async_client() as client:
        await client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="c-6", user_id=USER)
        assert client.stats().successes == 1
    assert client.closed
