"""The asyncio client: the same calls as :class:`alipay_marketing.Client`, as coroutines.

Each method is a real coroutine function (so ``asyncio.run(client.send_voucher(...))`` works); awaiting it runs the
call on the SDK's shared Rust runtime without blocking the event loop, and cancelling the awaiting task drops the
request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Union

from . import _native
from ._native import (
    ClientStats,
    DoctorReport,
    ExecuteResult,
    InviteAwardResult,
    PointsUpdateResult,
    PreparedRequest,
    VoucherSendResult,
)
from .enums import TransType
from .options import UNSET, RateLimitArg, RetryPolicy, _Unset

if TYPE_CHECKING:  # Self is in typing only from Python 3.11
    from typing_extensions import Self

__all__ = ["AsyncClient"]

_Key = Union[str, bytes, "os.PathLike[str]"]


def _retry(retry: RetryPolicy | None | _Unset) -> dict[str, Any]:
    """The ``retry`` keyword for the native call: left out when not given, so the client's policy applies."""
    return {} if retry is UNSET else {"retry": retry}


class AsyncClient:
    """An Alipay OpenAPI client for asyncio.

    Takes the same keywords as :class:`alipay_marketing.Client`. Use it as ``async with AsyncClient(...) as
    client:`` or call :meth:`aclose` when done. One client serves any number of concurrent calls, from any event
    loop. Each method takes ``timeout=`` and ``retry=`` for that call only (``retry`` not given: the client's
    policy; ``None``: a single attempt).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        *,
        app_id: str,
        private_key: _Key,
        alipay_public_key: _Key | None = None,
        gateway: str = "production",
        sign_type: str = "RSA2",
        timeout: float = 15.0,
        connect_timeout: float = 3.0,
        attempt_timeout: float = 8.0,
        retry: RetryPolicy | None | _Unset = UNSET,
        max_attempts: int | None = None,
        rate_limit: RateLimitArg | None = None,
        app_auth_token: str | None = None,
        allow_insecure_http: bool = False,
        proxy: str | None = None,
        no_proxy: bool = False,
        root_certificates: _Key | Sequence[_Key] | None = None,
        pool_max_idle_per_host: int | None = None,
        pool_idle_timeout: float = 90.0,
        http1_only: bool = False,
        charset: str = "utf-8",
        aes_key: _Key | None = None,
        app_cert: _Key | None = None,
        alipay_cert: _Key | None = None,
        alipay_root_cert: _Key | None = None,
        app_public_key: _Key | None = None,
    ) -> None:
        self._native = _native.AsyncClient(
            app_id=app_id,
            private_key=private_key,
            alipay_public_key=alipay_public_key,
            gateway=gateway,
            sign_type=sign_type,
            timeout=timeout,
            connect_timeout=connect_timeout,
            attempt_timeout=attempt_timeout,
            max_attempts=max_attempts,
            rate_limit=rate_limit,
            app_auth_token=app_auth_token,
            allow_insecure_http=allow_insecure_http,
            proxy=proxy,
            no_proxy=no_proxy,
            root_certificates=root_certificates,
            pool_max_idle_per_host=pool_max_idle_per_host,
            pool_idle_timeout=pool_idle_timeout,
            http1_only=http1_only,
            charset=charset,
            aes_key=aes_key,
            app_cert=app_cert,
            alipay_cert=alipay_cert,
            alipay_root_cert=alipay_root_cert,
            app_public_key=app_public_key,
            **_retry(retry),
        )

    async def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
    ) -> InviteAwardResult:
        """``alipay.user.invite.award.receive``: award a new or old user (by ``mobile`` or ``user_id``)."""
        return await self._native.receive_invite_award(
            mobile=mobile,
            user_id=user_id,
            out_biz_no=out_biz_no,
            out_biz_code=out_biz_code,
            timeout=timeout,
            **_retry(retry),
        )

    async def send_voucher(
        self,
        *,
        template_id: str,
        out_biz_no: str,
        user_id: str | None = None,
        login_id: str | None = None,
        taobao_nick: str | None = None,
        open_id: str | None = None,
        amount: str | Decimal | None = None,
        memo: str | None = None,
        extend_info: Mapping[str, Any] | str | None = None,
        alipay_mini_app_token: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
    ) -> VoucherSendResult:
        """``alipay.marketing.voucher.send``: send a voucher of ``template_id``; ``out_biz_no`` makes it idempotent."""
        return await self._native.send_voucher(
            template_id=template_id,
            out_biz_no=out_biz_no,
            user_id=user_id,
            login_id=login_id,
            taobao_nick=taobao_nick,
            open_id=open_id,
            amount=amount,
            memo=memo,
            extend_info=extend_info,
            alipay_mini_app_token=alipay_mini_app_token,
            timeout=timeout,
            **_retry(retry),
        )

    async def update_points(
        self,
        *,
        req_id: str,
        user_id: str,
        activity_account: str,
        trans_type: TransType | str,
        trans_amount: int,
        biz_no: str | None = None,
        shop_id: str | None = None,
        memo: str | None = None,
        ext_info: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
    ) -> PointsUpdateResult:
        """``koubei.marketing.tool.points.update``: move stamp-card points; ``req_id`` makes it idempotent."""
        return await self._native.update_points(
            req_id=req_id,
            user_id=user_id,
            activity_account=activity_account,
            trans_type=trans_type,
            trans_amount=trans_amount,
            biz_no=biz_no,
            shop_id=shop_id,
            memo=memo,
            ext_info=ext_info,
            timeout=timeout,
            **_retry(retry),
        )

    async def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
    ) -> ExecuteResult:
        """Any gateway method with a ``biz_content`` dict, with the same signing, verification and errors."""
        return await self._native.execute(method, biz_content, timeout=timeout, **_retry(retry))

    def stats(self) -> ClientStats:
        """A snapshot of the client's counters: calls, attempts, retries, successes, failures by kind, in flight."""
        return self._native.stats()

    async def check_config(self) -> DoctorReport:
        """The configuration doctor's findings for this client, plus the clock skew measured against the gateway."""
        return await self._native.check_config()

    def prepare(self, method: str, biz_content: Mapping[str, Any] | None = None, **fields: Any) -> PreparedRequest:
        """The dry run: validates and signs what a call would send now, without sending it (no await needed)."""
        return self._native.prepare(method, biz_content, **fields)

    @property
    def app_id(self) -> str:
        """The app id."""
        return self._native.app_id

    @property
    def gateway_url(self) -> str:
        """The gateway URL."""
        return self._native.gateway_url

    @property
    def closed(self) -> bool:
        """Whether the client was closed; a closed client raises ``ConfigError`` on every call."""
        return self._native.closed

    async def aclose(self) -> None:
        """Closes the client: new calls raise ``ConfigError``; returns once the calls in flight have finished."""
        await self._native.aclose()

    def close(self) -> None:
        """Closes the client without waiting for the calls in flight."""
        self._native.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return repr(self._native)
