"""The asyncio client: the same calls as :class:`alipay_marketing.Client`, as coroutines.

Each method is a real coroutine function (so ``asyncio.run(client.send_voucher(...))`` works); awaiting it runs the
call on the SDK's shared Rust runtime without blocking the event loop, and cancelling the awaiting task drops the
request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Union

from . import _native
from ._native import ExecuteResult, InviteAwardResult, PointsUpdateResult, PreparedRequest, VoucherSendResult
from .enums import TransType

if TYPE_CHECKING:  # Self is in typing only from Python 3.11
    from typing_extensions import Self

__all__ = ["AsyncClient"]

_Key = Union[str, bytes, "os.PathLike[str]"]


class AsyncClient:
    """An Alipay OpenAPI client for asyncio.

    Takes the same keywords as :class:`alipay_marketing.Client`. Use it as ``async with AsyncClient(...) as
    client:`` or call :meth:`aclose` when done. One client serves any number of concurrent calls, from any event
    loop.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        *,
        app_id: str,
        private_key: _Key,
        alipay_public_key: _Key,
        gateway: str = "production",
        sign_type: str = "RSA2",
        timeout: float = 15.0,
        connect_timeout: float = 3.0,
        app_auth_token: str | None = None,
        allow_insecure_http: bool = False,
        max_attempts: int = 3,
    ) -> None:
        self._native = _native.AsyncClient(
            app_id=app_id,
            private_key=private_key,
            alipay_public_key=alipay_public_key,
            gateway=gateway,
            sign_type=sign_type,
            timeout=timeout,
            connect_timeout=connect_timeout,
            app_auth_token=app_auth_token,
            allow_insecure_http=allow_insecure_http,
            max_attempts=max_attempts,
        )

    async def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
    ) -> InviteAwardResult:
        """``alipay.user.invite.award.receive``: award a new or old user (by ``mobile`` or ``user_id``)."""
        return await self._native.receive_invite_award(
            mobile=mobile, user_id=user_id, out_biz_no=out_biz_no, out_biz_code=out_biz_code, timeout=timeout
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
        )

    async def execute(
        self, method: str, biz_content: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> ExecuteResult:
        """Any gateway method with a ``biz_content`` dict, with the same signing, verification and errors."""
        return await self._native.execute(method, biz_content, timeout=timeout)

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
