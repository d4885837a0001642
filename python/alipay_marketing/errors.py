"""The exceptions of ``alipay_marketing``.

Every exception raised for a failed call derives from :class:`AlipayError`. The class says how far the call got,
following the core's error kinds one to one (see ``_CLASS_OF_KIND``, the one place that maps them)::

    ConfigError      bad key, URL or option, caught when the client is built     never retry
    ValidationError  a request field breaks a documented rule; nothing was sent  never retry (also a ValueError)
    TransportError   connect/TLS/IO failure                                      retry with the same key
    TimeoutError     the call outlived its deadline; outcome unknown             retry with the same key
    HttpError        non-200 status or a body that is not JSON                   retry with the same key
    DecodeError      the body is not a valid gateway envelope                    never retry
    SignatureError   the response signature does not verify: treat as an attack  never retry
    GatewayError     the gateway answered an error code                          see .retryable
      BusinessError  code 40004: a business rule refused the request             see .retryable
    InternalError    a bug in this package, caught (never a bare PanicException)  see .outcome_unknown

``retryable`` tells whether sending the same request again, with the same idempotency key, is safe and may succeed;
``outcome_unknown`` whether the operation may have taken effect although the call failed (then ``idempotency_key``
is the key to send it again with, later), and ``attempts`` how many attempts the client made.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "AlipayError",
    "BusinessError",
    "CampaignError",
    "ConfigError",
    "DecodeError",
    "GatewayError",
    "HttpError",
    "InternalError",
    "SandboxError",
    "SignatureError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
]


class AlipayError(Exception):
    """Base class of every error of this package."""

    #: The core's name for how far the call got, e.g. ``"invalid_request"``.
    kind: str = "unknown"

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        request_may_have_been_sent: bool = False,
        outcome_unknown: bool = False,
        idempotency_key: str | None = None,
        attempts: int = 0,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        #: What was wrong and what to do, written for the reader of a log.
        self.message: str = message
        #: Whether sending the same request again, with the same idempotency key, is safe and may succeed.
        self.retryable: bool = retryable
        #: Whether the request may have reached the gateway (and so may have taken effect).
        self.request_may_have_been_sent: bool = request_may_have_been_sent
        #: Whether the operation may have taken effect although no verified answer came back (a timeout, a
        #: connection lost after sending, a 5xx, a gateway ``20000``): send it again later with
        #: :attr:`idempotency_key` to learn the outcome without applying it twice.
        self.outcome_unknown: bool = outcome_unknown
        #: The idempotency key of the failed call (``out_biz_no``, ``req_id``), generated ones included.
        self.idempotency_key: str | None = idempotency_key
        #: How many attempts were made (0 when the call failed before sending).
        self.attempts: int = attempts
        #: The back-off the gateway asked for (``Retry-After``), in seconds.
        self.retry_after: float | None = retry_after

    def __str__(self) -> str:
        return self.message


class ConfigError(AlipayError):
    """A bad key, certificate, URL or option, found when the client was built (or a closed client was used)."""

    kind = "config"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        #: The option or key at fault, when there is one (``"alipay_public_key"``, ``"gateway"``, …).
        self.field: str | None = field


class ValidationError(AlipayError, ValueError):
    """A request field breaks a documented rule. Raised before anything is sent."""

    kind = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        #: The request field at fault, e.g. ``"mobile"``.
        self.field: str | None = field


class TransportError(AlipayError):
    """Connecting, TLS or I/O failed; ``request_may_have_been_sent`` says whether it may have taken effect."""

    kind = "transport"


class TimeoutError(AlipayError, builtins.TimeoutError):
    """The call outlived its deadline; the outcome is unknown. Also a builtin :class:`TimeoutError`."""

    kind = "timeout"


class HttpError(AlipayError):
    """The gateway, or a proxy before it, answered a non-200 status or a body that is not JSON."""

    kind = "http"

    def __init__(self, message: str, *, http_status: int | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        #: The HTTP status, e.g. ``502``.
        self.http_status: int | None = http_status


class DecodeError(AlipayError):
    """The body is JSON but not a valid gateway envelope."""

    kind = "decode"


class SignatureError(AlipayError):
    """The response signature is missing on a success or does not verify. Treat it as an attack."""

    kind = "signature"


@dataclasses.dataclass(frozen=True)
class SignatureMismatch:
    """Why the gateway refused our signature (``isv.invalid-signature``): our sign content beside the one the
    gateway says it verified, the first parameter where they differ and the likely cause.

    The two strings carry the request's business content, so the ``repr`` leaves them out.
    """

    #: The string this client signed.
    ours: str = dataclasses.field(repr=False)
    #: The string the gateway says it verified (from ``sub_msg``).
    gateways: str = dataclasses.field(repr=False)
    #: The first parameter whose value differs, when both strings parse as ``k=v&…``.
    first_difference: str | None
    #: The likely cause, in words (key mismatch, charset, URL-encoding, an added empty parameter, …).
    likely_cause: str


class GatewayError(AlipayError):
    """The gateway answered an error code (``code``, ``msg``, ``sub_code``, ``sub_msg``)."""

    kind = "gateway"

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        msg: str = "",
        sub_code: str | None = None,
        sub_msg: str | None = None,
        trace_id: str | None = None,
        signature_mismatch: SignatureMismatch | Mapping[str, Any] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        #: Gateway code, e.g. ``"40004"``.
        self.code: str = code
        #: Gateway message, e.g. ``"Business Failed"``.
        self.msg: str = msg
        #: Detailed code, e.g. ``"TEMPLATE_NOT_EXIST"`` or ``"isv.invalid-signature"``.
        self.sub_code: str | None = sub_code
        #: Detailed message.
        self.sub_msg: str | None = sub_msg
        #: The gateway's trace id, to quote to Alipay support.
        self.trace_id: str | None = trace_id
        if signature_mismatch is not None and not isinstance(signature_mismatch, SignatureMismatch):
            signature_mismatch = SignatureMismatch(**signature_mismatch)
        #: For ``isv.invalid-signature``: our sign content and the gateway's compared; ``None`` otherwise.
        self.signature_mismatch: SignatureMismatch | None = signature_mismatch
        #: For ``isv.invalid-signature``: the first parameter whose signed value differs from the gateway's.
        self.first_difference: str | None = signature_mismatch.first_difference if signature_mismatch else None
        #: For ``isv.invalid-signature``: the likely cause, in words.
        self.likely_cause: str | None = signature_mismatch.likely_cause if signature_mismatch else None


class BusinessError(GatewayError):
    """Code 40004: a business rule refused the request (``sub_code`` says which, e.g. ``TEMPLATE_EXPIRED``)."""


class InternalError(AlipayError):
    """A bug in this package (a Rust panic), caught where Python hands work to the core. Never a bare
    ``PanicException``: ``except AlipayError`` (and ``except Exception``) catch it.

    Raised during a call, the request may have been sent: ``outcome_unknown`` is true and a resend must keep the
    idempotency key. Please report it with its message.
    """

    kind = "internal"


class SandboxError(AlipayError):
    """The test sandbox (:mod:`alipay_marketing.testing`) could not start, load a scenario or arm faults.

    Not a gateway answer: it comes from the emulator itself, never from a client call.
    """

    kind = "sandbox"


class CampaignError(AlipayError):
    """A campaign (:mod:`alipay_marketing.campaign`) could not check, run or report: its settings, its input file,
    bad rows, its journal or an output file. Raised before anything is sent, or between sends; the message names
    the file, line and field and says what to do.
    """

    kind = "campaign"

    def __init__(self, message: str, *, reason: str = "config") -> None:
        super().__init__(message)
        #: Which part failed: ``config``, ``input``, ``invalid_rows``, ``journal``, ``mismatch`` (the journal
        #: belongs to another file or other settings), ``client``, ``output`` or ``paused`` (a batch of rows
        #: paused by the circuit breaker or the template preflight).
        self.reason: str = reason


#: The one mapping from the core's error kinds to classes. ``_native.ERROR_KINDS`` lists every kind; a test
#: checks that this table covers each one.
_CLASS_OF_KIND: Mapping[str, type[AlipayError]] = MappingProxyType(
    {
        "config": ConfigError,
        "invalid_request": ValidationError,
        "transport": TransportError,
        "timeout": TimeoutError,
        "http": HttpError,
        "decode": DecodeError,
        "signature": SignatureError,
        "gateway": GatewayError,
    }
)

_BUSINESS_CODE = "40004"

# Which detail keywords each class takes; the native side sends every detail it has.
_COMMON = frozenset(
    {"retryable", "request_may_have_been_sent", "outcome_unknown", "idempotency_key", "attempts", "retry_after"}
)
_EXTRA: Mapping[type[AlipayError], frozenset[str]] = MappingProxyType(
    {
        ConfigError: frozenset({"field"}),
        ValidationError: frozenset({"field"}),
        HttpError: frozenset({"http_status"}),
        GatewayError: frozenset({"code", "msg", "sub_code", "sub_msg", "trace_id", "signature_mismatch"}),
    }
)


def _class_of(kind: str, code: str | None = None) -> type[AlipayError]:
    """The class for a core error kind (and, for gateway errors, its code)."""
    cls = _CLASS_OF_KIND.get(kind, AlipayError)
    if cls is GatewayError and code == _BUSINESS_CODE:
        return BusinessError
    return cls


def _from_native(kind: str, message: str, **details: Any) -> AlipayError:
    """Builds the exception for an error raised by the native module."""
    cls = _class_of(kind, details.get("code"))
    base = GatewayError if issubclass(cls, GatewayError) else cls
    allowed = _COMMON | _EXTRA.get(base, frozenset())
    error = cls(message, **{k: v for k, v in details.items() if k in allowed})
    if cls is AlipayError:
        error.kind = kind
    return error
