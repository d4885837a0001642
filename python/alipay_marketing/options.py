"""Option objects of the clients: the retry policy and the rate limit.

Both are frozen and checked when built, so a bad value is reported where it is written::

    from alipay_marketing import Client, RateLimit, RetryPolicy

    client = Client(..., retry=RetryPolicy(max_attempts=5, base_delay=0.2), rate_limit=RateLimit(qps=20, burst=5))
    client.send_voucher(..., retry=None)      # this call: one attempt only
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from . import _native

__all__ = ["RateLimit", "RetryPolicy"]


def _number(name: str, value: object, kind: tuple[type, ...] = (int, float)) -> None:
    """The type check of this face; the value's rule is the core's (``ConfigError`` naming the option)."""
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "an int" if kind == (int,) else "a number"
        raise TypeError(f"{name} must be {wanted}, not {type(value).__name__}")


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
        _number("max_attempts", self.max_attempts, (int,))
        _number("base_delay", self.base_delay)
        _number("max_delay", self.max_delay)
        _native._check_retry_policy(self.max_attempts, float(self.base_delay), float(self.max_delay))

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
        _number("qps", self.qps)
        _number("burst", self.burst, (int,))
        _native._check_rate_limit(float(self.qps), self.burst)


#: What ``rate_limit=`` accepts.
RateLimitArg = Union[RateLimit, tuple[float, int]]
