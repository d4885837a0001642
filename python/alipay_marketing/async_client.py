"""The asyncio client: the same calls as :class:`alipay_marketing.Client`, as coroutines.

Each method is a real coroutine function (so ``asyncio.run(client.send_voucher(...))`` works); awaiting it runs the
call on the SDK's shared Rust runtime without blocking the event loop, and cancelling the awaiting task drops the
request. A thin adapter over the native ``AsyncClient``: keywords pass through as given (a ``retry`` not given is
not passed, so the client's policy applies), typed by the keyword lists of the native module's stub, which both
clients share.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # Self is in typing only from Python 3.11; the keyword lists exist for type checkers only
    from typing_extensions import Self, Unpack

    from ._native import (
        _CallOptions,
        _ClientOptions,
        _InviteCall,
        _InviteSettle,
        _PointsCall,
        _PointsQuery,
        _PointsSettle,
        _TemplateCreate,
        _TemplateQuery,
        _VoucherCall,
        _VoucherListQuery,
        _VoucherQuery,
        _VoucherSettle,
    )

__all__ = ["AsyncClient"]


class AsyncClient:
    """An Alipay OpenAPI client for asyncio.

    Takes the same keywords as :class:`alipay_marketing.Client`. Use it as ``async with AsyncClient(...) as
    client:`` or call :meth:`aclose` when done. One client serves any number of concurrent calls, from any event
    loop. Each method takes ``timeout=`` and ``retry=`` for that call only (``retry`` not given: the client's
    policy; ``None``: a single attempt), and ``app_auth_token=``: the merchant this call is for, instead of the
    client's, so one client serves many merchants.
    """

    __slots__ = ("_native",)

    def __init__(self, **options: Unpack[_ClientOptions]) -> None:
        self._native = _native.AsyncClient(**options)

    async def receive_invite_award(self, **kwargs: Unpack[_InviteCall]) -> InviteAwardResult:
        """``alipay.user.invite.award.receive``: award a new or old user (by ``mobile`` or ``user_id``)."""
        return await self._native.receive_invite_award(**kwargs)

    async def send_voucher(self, **kwargs: Unpack[_VoucherCall]) -> VoucherSendResult:
        """``alipay.marketing.voucher.send``: send a voucher of ``template_id``; ``out_biz_no`` makes it idempotent."""
        return await self._native.send_voucher(**kwargs)

    async def update_points(self, **kwargs: Unpack[_PointsCall]) -> PointsUpdateResult:
        """``koubei.marketing.tool.points.update``: move stamp-card points; ``req_id`` makes it idempotent."""
        return await self._native.update_points(**kwargs)

    async def execute(
        self, method: str, biz_content: Mapping[str, Any] | None = None, **options: Unpack[_CallOptions]
    ) -> ExecuteResult:
        """Any gateway method with a ``biz_content`` dict, with the same signing, verification and errors."""
        return await self._native.execute(method, biz_content, **options)

    async def query_voucher(self, **kwargs: Unpack[_VoucherQuery]) -> VoucherDetail:
        """``alipay.marketing.voucher.query``: one voucher (status, template, amounts, counts, dates) by its id."""
        return await self._native.query_voucher(**kwargs)

    async def list_vouchers(self, **kwargs: Unpack[_VoucherListQuery]) -> VoucherList:
        """``alipay.marketing.voucher.list.query``: the vouchers of ``template_id`` one user holds, possibly none."""
        return await self._native.list_vouchers(**kwargs)

    async def query_template(self, **kwargs: Unpack[_TemplateQuery]) -> TemplateDetail:
        """``alipay.marketing.voucher.templatedetail.query``: status, publish window, quantity and counts."""
        return await self._native.query_template(**kwargs)

    async def create_template(self, **kwargs: Unpack[_TemplateCreate]) -> TemplateCreateResult:
        """``alipay.marketing.cashlessvoucher.template.create``: create a cashless voucher template; ``out_biz_no``
        makes it idempotent."""
        return await self._native.create_template(**kwargs)

    async def query_points(self, **kwargs: Unpack[_PointsQuery]) -> PointsBalance:
        """``koubei.marketing.tool.points.query``: available, frozen and accumulated points of an account."""
        return await self._native.query_points(**kwargs)

    async def check_template(self, template_id: str, quantity: int) -> TemplateDetail:
        """The campaign preflight: raises ``ValidationError`` unless ``quantity`` vouchers can be sent from the
        template now (published, inside its publish window, not expired, enough stock); returns the template."""
        return await self._native.check_template(template_id, quantity)

    async def settle_voucher(self, **kwargs: Unpack[_VoucherSettle]) -> Settlement[VoucherSendResult]:
        """Settles a voucher send whose outcome is unknown: the keywords of :meth:`send_voucher` and, if at hand,
        the error it raised."""
        return await self._native.settle_voucher(**kwargs)

    async def settle_points(self, **kwargs: Unpack[_PointsSettle]) -> Settlement[PointsUpdateResult]:
        """Settles a points update whose outcome is unknown: the keywords of :meth:`update_points` and, if at
        hand, the error it raised."""
        return await self._native.settle_points(**kwargs)

    async def settle_invite(self, **kwargs: Unpack[_InviteSettle]) -> Settlement[InviteAwardResult]:
        """Settles an invite award whose outcome is unknown: the keywords of :meth:`receive_invite_award` and the
        error it raised (it carries the ``out_biz_no`` the client generated when none was given)."""
        return await self._native.settle_invite(**kwargs)

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
