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
    PointsBalance,
    PointsUpdateResult,
    PreparedRequest,
    Settlement,
    TemplateCreateResult,
    TemplateDetail,
    VoucherDetail,
    VoucherList,
    VoucherSendResult,
)
from .enums import TransType
from .errors import AlipayError
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
    policy; ``None``: a single attempt), and ``app_auth_token=``: the merchant this call is for, instead of the
    client's, so one client serves many merchants.
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
        app_auth_token: str | None = None,
    ) -> InviteAwardResult:
        """``alipay.user.invite.award.receive``: award a new or old user (by ``mobile`` or ``user_id``)."""
        return await self._native.receive_invite_award(
            mobile=mobile,
            user_id=user_id,
            out_biz_no=out_biz_no,
            out_biz_code=out_biz_code,
            timeout=timeout,
            app_auth_token=app_auth_token,
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
        app_auth_token: str | None = None,
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
            app_auth_token=app_auth_token,
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
        app_auth_token: str | None = None,
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
            app_auth_token=app_auth_token,
            **_retry(retry),
        )

    async def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> ExecuteResult:
        """Any gateway method with a ``biz_content`` dict, with the same signing, verification and errors."""
        return await self._native.execute(
            method, biz_content, timeout=timeout, app_auth_token=app_auth_token, **_retry(retry)
        )

    async def query_voucher(
        self,
        *,
        voucher_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> VoucherDetail:
        """``alipay.marketing.voucher.query``: one voucher (status, template, amounts, counts, dates) by its id."""
        return await self._native.query_voucher(
            voucher_id=voucher_id, timeout=timeout, app_auth_token=app_auth_token, **_retry(retry)
        )

    async def list_vouchers(
        self,
        *,
        template_id: str,
        user_id: str | None = None,
        open_id: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> VoucherList:
        """``alipay.marketing.voucher.list.query``: the vouchers of ``template_id`` one user holds, possibly none."""
        return await self._native.list_vouchers(
            template_id=template_id,
            user_id=user_id,
            open_id=open_id,
            timeout=timeout,
            app_auth_token=app_auth_token,
            **_retry(retry),
        )

    async def query_template(
        self,
        *,
        template_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> TemplateDetail:
        """``alipay.marketing.voucher.templatedetail.query``: status, publish window, quantity and counts."""
        return await self._native.query_template(
            template_id=template_id, timeout=timeout, app_auth_token=app_auth_token, **_retry(retry)
        )

    async def create_template(
        self,
        *,
        out_biz_no: str,
        voucher_type: str,
        brand_name: str,
        amount: str | Decimal,
        publish_start_time: str,
        publish_end_time: str,
        voucher_valid_period: Mapping[str, Any] | str,
        voucher_quantity: int | None = None,
        total_amount: str | Decimal | None = None,
        floor_amount: str | Decimal | None = None,
        voucher_description: Sequence[str] | str | None = None,
        voucher_available_time: Sequence[Any] | str | None = None,
        rule_conf: Mapping[str, Any] | str | None = None,
        extension_info: Mapping[str, Any] | str | None = None,
        notify_uri: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> TemplateCreateResult:
        """``alipay.marketing.cashlessvoucher.template.create``: create a cashless voucher template; ``out_biz_no``
        makes it idempotent."""
        return await self._native.create_template(
            out_biz_no=out_biz_no,
            voucher_type=voucher_type,
            brand_name=brand_name,
            amount=amount,
            publish_start_time=publish_start_time,
            publish_end_time=publish_end_time,
            voucher_valid_period=voucher_valid_period,
            voucher_quantity=voucher_quantity,
            total_amount=total_amount,
            floor_amount=floor_amount,
            voucher_description=voucher_description,
            voucher_available_time=voucher_available_time,
            rule_conf=rule_conf,
            extension_info=extension_info,
            notify_uri=notify_uri,
            timeout=timeout,
            app_auth_token=app_auth_token,
            **_retry(retry),
        )

    async def query_points(
        self,
        *,
        activity_account: str,
        user_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None | _Unset = UNSET,
        app_auth_token: str | None = None,
    ) -> PointsBalance:
        """``koubei.marketing.tool.points.query``: available, frozen and accumulated points of an account."""
        return await self._native.query_points(
            activity_account=activity_account,
            user_id=user_id,
            timeout=timeout,
            app_auth_token=app_auth_token,
            **_retry(retry),
        )

    async def check_template(self, template_id: str, quantity: int) -> TemplateDetail:
        """The campaign preflight: raises ``ValidationError`` unless ``quantity`` vouchers can be sent from the
        template now (published, inside its publish window, not expired, enough stock); returns the template."""
        return await self._native.check_template(template_id, quantity)

    async def settle_voucher(
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
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Settlement[VoucherSendResult]:
        """Settles a voucher send whose outcome is unknown: the keywords of :meth:`send_voucher` and, if at hand,
        the error it raised."""
        return await self._native.settle_voucher(
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
            error=error,
            app_auth_token=app_auth_token,
        )

    async def settle_points(
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
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Settlement[PointsUpdateResult]:
        """Settles a points update whose outcome is unknown: the keywords of :meth:`update_points` and, if at
        hand, the error it raised."""
        return await self._native.settle_points(
            req_id=req_id,
            user_id=user_id,
            activity_account=activity_account,
            trans_type=trans_type,
            trans_amount=trans_amount,
            biz_no=biz_no,
            shop_id=shop_id,
            memo=memo,
            ext_info=ext_info,
            error=error,
            app_auth_token=app_auth_token,
        )

    async def settle_invite(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Settlement[InviteAwardResult]:
        """Settles an invite award whose outcome is unknown: the keywords of :meth:`receive_invite_award` and the
        error it raised (it carries the ``out_biz_no`` the client generated when none was given)."""
        return await self._native.settle_invite(
            mobile=mobile,
            user_id=user_id,
            out_biz_no=out_biz_no,
            out_biz_code=out_biz_code,
            error=error,
            app_auth_token=app_auth_token,
        )

    def stats(self) -> ClientStats:
        """A snapshot of the client's counters: calls, attempts, retries, successes, failures by kind, in flight."""
        return self._native.stats()

    async def check_config(self) -> DoctorReport:
        """The configuration doctor's findings for this client, plus the clock skew measured against the gateway."""
        return await self._native.check_config()

    def prepare(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        app_auth_token: str | None = None,
        **fields: Any,
    ) -> PreparedRequest:
        """The dry run: validates and signs what a call would send now, without sending it (no await needed)."""
        return self._native.prepare(method, biz_content, app_auth_token=app_auth_token, **fields)

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
