"""Alipay OpenAPI v2 marketing calls: invite awards, vouchers and stamp-card points.

Sync and asyncio clients over one Rust core (RSA2 signing, verified responses, typed requests)::

    from pathlib import Path
    from alipay_marketing import Client

    with Client(
        app_id="2021000000000001",
        private_key=Path("app_private_key.pem"),
        alipay_public_key=Path("alipay_public_key.pem"),
    ) as client:
        result = client.send_voucher(template_id="TPL-1", out_biz_no="order-1", user_id="2088000000000001")
        print(result.voucher_id)

Errors are in :mod:`alipay_marketing.errors`; the offline gateway emulator for tests is
:class:`alipay_marketing.testing.Sandbox`. Log records go to the ``alipay_marketing`` logger. Calls are retried
with the same idempotency key (:class:`RetryPolicy`); :func:`doctor` (and ``python -m alipay_marketing doctor``)
checks a configuration offline. Bulk sends from a file, exactly once per row, are :mod:`alipay_marketing.campaign`
(and ``python -m alipay_marketing campaign``).
"""

from __future__ import annotations

from ._native import (
    Campaign,
    CampaignProgress,
    CampaignSummary,
    CheckReport,
    Client,
    ClientStats,
    DoctorReport,
    ExecuteResult,
    Finding,
    InviteAwardResult,
    PointsBalance,
    PointsUpdateResult,
    PreparedRequest,
    RowProblem,
    RunResult,
    Settlement,
    TemplateCreateResult,
    TemplateDetail,
    VoucherDetail,
    VoucherList,
    VoucherLite,
    VoucherSendResult,
    __version__,
    doctor,
    generate_key_pair,
)
from .async_client import AsyncClient
from .enums import BizResultCode, TransType, UserAttr
from .errors import (
    AlipayError,
    BusinessError,
    CampaignError,
    ConfigError,
    DecodeError,
    GatewayError,
    HttpError,
    InternalError,
    SignatureError,
    SignatureMismatch,
    TimeoutError,
    TransportError,
    ValidationError,
)
from .options import RateLimit, RetryPolicy

__all__ = [
    "AlipayError",
    "AsyncClient",
    "BizResultCode",
    "BusinessError",
    "Campaign",
    "CampaignError",
    "CampaignProgress",
    "CampaignSummary",
    "CheckReport",
    "Client",
    "ClientStats",
    "ConfigError",
    "DecodeError",
    "DoctorReport",
    "ExecuteResult",
    "Finding",
    "GatewayError",
    "HttpError",
    "InternalError",
    "InviteAwardResult",
    "PointsBalance",
    "PointsUpdateResult",
    "PreparedRequest",
    "RateLimit",
    "RetryPolicy",
    "RowProblem",
    "RunResult",
    "Settlement",
    "SignatureError",
    "SignatureMismatch",
    "TemplateCreateResult",
    "TemplateDetail",
    "TimeoutError",
    "TransType",
    "TransportError",
    "UserAttr",
    "ValidationError",
    "VoucherDetail",
    "VoucherList",
    "VoucherLite",
    "VoucherSendResult",
    "__version__",
    "doctor",
    "generate_key_pair",
]
