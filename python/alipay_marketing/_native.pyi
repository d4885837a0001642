# Hand-written stub of the native module (checked against it by `python -m mypy.stubtest alipay_marketing._native`).

import os
from collections.abc import Awaitable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, final

from typing_extensions import TypeAlias

from .enums import BizResultCode, TransType, UserAttr

_Key: TypeAlias = str | bytes | os.PathLike[str]
_Json: TypeAlias = Mapping[str, Any] | str

__all__ = [
    "ERROR_KINDS",
    "AsyncClient",
    "Client",
    "ExecuteResult",
    "InviteAwardResult",
    "PointsUpdateResult",
    "PreparedRequest",
    "SandboxServer",
    "VoucherSendResult",
    "__version__",
    "generate_key_pair",
    "rust_baseline",
]

__version__: str
ERROR_KINDS: tuple[str, ...]

def generate_key_pair() -> tuple[str, str]: ...
def rust_baseline(
    client: Client | AsyncClient,
    *,
    mode: str,
    workers: int,
    calls: int,
    template_id: str,
    user_id: str,
    prefix: str,
) -> float: ...

@final
class InviteAwardResult:
    @property
    def biz_result_code(self) -> BizResultCode: ...
    @property
    def biz_result_desc(self) -> str | None: ...
    @property
    def user_attr(self) -> UserAttr | None: ...
    @property
    def alipay_account_no(self) -> tuple[str, ...]: ...
    @property
    def mobile(self) -> str | None: ...
    @property
    def ext_info(self) -> str | None: ...
    @property
    def awarded(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class VoucherSendResult:
    @property
    def voucher_id(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def open_id(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class PointsUpdateResult:
    @property
    def point_log_no(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class ExecuteResult:
    @property
    def body(self) -> str: ...
    @property
    def trace_id(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class PreparedRequest:
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def query(self) -> list[tuple[str, str]]: ...
    @property
    def form(self) -> list[tuple[str, str]]: ...
    @property
    def sign_content(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def idempotency_key(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Client:
    def __new__(
        cls,
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
    ) -> Client: ...
    def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
    ) -> InviteAwardResult: ...
    def send_voucher(
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
        extend_info: _Json | None = None,
        alipay_mini_app_token: str | None = None,
        timeout: float | None = None,
    ) -> VoucherSendResult: ...
    def update_points(
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
    ) -> PointsUpdateResult: ...
    def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> ExecuteResult: ...
    def prepare(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> PreparedRequest: ...
    @property
    def app_id(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> bool: ...

@final
class AsyncClient:
    def __new__(
        cls,
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
    ) -> AsyncClient: ...
    def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
    ) -> Awaitable[InviteAwardResult]: ...
    def send_voucher(
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
        extend_info: _Json | None = None,
        alipay_mini_app_token: str | None = None,
        timeout: float | None = None,
    ) -> Awaitable[VoucherSendResult]: ...
    def update_points(
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
    ) -> Awaitable[PointsUpdateResult]: ...
    def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> Awaitable[ExecuteResult]: ...
    def prepare(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> PreparedRequest: ...
    @property
    def app_id(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def aclose(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[AsyncClient]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> Awaitable[bool]: ...

@final
class SandboxServer:
    def __new__(
        cls,
        *,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        seed: int = 0,
        port: int = 0,
        state_file: os.PathLike[str] | None = None,
    ) -> SandboxServer: ...
    @property
    def url(self) -> str: ...
    @property
    def admin_url(self) -> str: ...
    @property
    def app_id(self) -> str: ...
    @property
    def app_private_key_pem(self) -> str: ...
    @property
    def alipay_public_key_pem(self) -> str: ...
    @property
    def stopped(self) -> bool: ...
    def state_json(self) -> str: ...
    def arm_faults_json(self, plan: str) -> None: ...
    def clear_faults(self) -> None: ...
    def reset(self) -> None: ...
    def stop(self) -> None: ...
