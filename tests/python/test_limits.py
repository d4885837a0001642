"""Values that used to panic or be misreported: refused with the core's rule, naming the option and the value."""

from __future__ import annotations

import pytest
from alipay_marketing import ConfigError, RateLimit, RetryPolicy, ValidationError, doctor
from alipay_marketing.testing import Sandbox

USER = "2088000000000001"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate_limit": (1e-300, 1)}, "rate_limit"),
        ({"rate_limit": (1e-9, 2**32 - 1)}, "rate_limit"),
        ({"timeout": 1.8e19}, "timeout"),
        ({"connect_timeout": 1.8e19}, "connect_timeout"),
        ({"attempt_timeout": 1e300}, "attempt_timeout"),
        ({"pool_idle_timeout": 1.8e19}, "pool_idle_timeout"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_values_that_used_to_panic_are_config_errors_and_doctor_problems(
    alipay_sandbox: Sandbox, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(**kwargs)
    assert caught.value.field == field
    report = doctor(**alipay_sandbox.client_options(**kwargs))
    assert not report.is_healthy
    assert any(f.topic == field and f.level == "problem" for f in report.findings), str(report)


def test_oversized_numbers_are_reported_with_their_real_value(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        RetryPolicy(max_attempts=2**40)
    assert "1099511627776" in str(caught.value) and "at least 1" not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        RetryPolicy(max_attempts=2**200)
    assert str(2**200) in str(caught.value) and "18446744073709551615" not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        RateLimit(qps=5, burst=2**200)
    assert str(2**200) in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(max_attempts=2**40)
    assert caught.value.field == "max_attempts" and "1099511627776" in str(caught.value)
    with pytest.raises(ConfigError, match="must be at least 1"):
        RetryPolicy(max_attempts=0)


def test_a_huge_per_call_timeout_is_refused_not_a_panic(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client, pytest.raises(ValidationError) as caught:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="lim-1", user_id=USER, timeout=1.8e19)
    assert caught.value.field == "timeout"
