"""Option objects of the clients: the retry policy and the rate limit.

Both are frozen and checked when built, so a bad value is reported where it is written::

    from alipay_marketing import Client, RateLimit, RetryPolicy

    client = Client(..., retry=RetryPolicy(max_attempts=5, base_delay=0.2), rate_limit=RateLimit(qps=20, burst=5))
    client.send_voucher(..., retry=None)      # this call: one attempt only
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Union

from .errors import ConfigError

__all__ = ["RateLimit", "RetryPolicy"]


def _seconds(field: str, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{field}: {name} {value!r} is not a number of seconds of zero or more", field=field)


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call makes and how long it waits between them.

    The n-th retry waits a random time below ``min(max_delay, base_delay × 2ⁿ⁻¹)`` seconds (exponential backoff
    with full jitter), or longer if the gateway asked for it (``Retry-After``). Every attempt and wait stays inside
    the call's ``timeout``. Only failures that cannot have applied the operation twice are retried, always with
    the same signed request and idempotency key.

    The default — 3 attempts, 0.1 s base, 2 s cap — is what a client uses when given no ``retry``;
    ``RetryPolicy.none()`` (or ``retry=None``) makes a single attempt.
    """

    #: Attempts per call, the first one included (at least 1).
    max_attempts: int = 3
    #: The bound of the first wait, in seconds.
    base_delay: float = 0.1
    #: The cap of every wait, in seconds (at least ``base_delay``).
    max_delay: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError(f"max_attempts must be an int, not {type(self.max_attempts).__name__}")
        if not 1 <= self.max_attempts <= 2**32 - 1:
            raise ConfigError(f"retry: max_attempts {self.max_attempts} must be at least 1", field="retry")
        _seconds("retry", "base_delay", self.base_delay)
        _seconds("retry", "max_delay", self.max_delay)
        if self.max_delay < self.base_delay:
            raise ConfigError(
                f"retry: max_delay {self.max_delay!r} is below base_delay {self.base_delay!r}", field="retry"
            )

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, no retries (the same as ``retry=None``)."""
        return cls(max_attempts=1)


@dataclass(frozen=True)
class RateLimit:
    """A client-wide limit: ``qps`` requests per second on average, bursts of up to ``burst``.

    One token bucket is shared by every thread and task using the client. Waiting for a slot counts toward the
    call's ``timeout``; a call whose slot would come after its deadline fails at once with a ``TransportError``
    that sent nothing. ``rate_limit=(qps, burst)`` is the same as ``rate_limit=RateLimit(qps, burst)``.
    """

    #: Requests per second on average (greater than zero).
    qps: float
    #: Requests that may go at once after a quiet spell (at least 1).
    burst: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.qps, bool) or not isinstance(self.qps, (int, float)):
            raise TypeError(f"qps must be a number, not {type(self.qps).__name__}")
        if isinstance(self.burst, bool) or not isinstance(self.burst, int):
            raise TypeError(f"burst must be an int, not {type(self.burst).__name__}")
        if not (math.isfinite(self.qps) and self.qps > 0):
            raise ConfigError(f"rate_limit: qps {self.qps!r} must be greater than zero", field="rate_limit")
        if not 1 <= self.burst <= 2**32 - 1:
            raise ConfigError(f"rate_limit: burst {self.burst} must be at least 1", field="rate_limit")


#: What ``rate_limit=`` accepts.
RateLimitArg = Union[RateLimit, tuple[float, int]]


class _Unset(enum.Enum):
    """The default of a ``retry=`` keyword: not given (``None`` means "no retries", so it cannot be the default)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "<the client's policy>"


#: ``retry=`` not given: the client's policy (for a client: the default ``RetryPolicy()``).
UNSET = _Unset.UNSET
