# Hand-written stub of the native module (checked against it by `python -m mypy.stubtest alipay_marketing._native`).

import os
from collections.abc import Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, Awaitable, Optional, Union, final

from .enums import BizResultCode, TransType, UserAttr

_Key = Union[str, bytes, os.PathLike[str]]
_Json = Union[Mapping[str, Any], str]

__all__ = [
    "__version__",
    "ERROR_KINDS",
    "Client",
    "AsyncClient",
    "InviteAwardResult",
    "VoucherSendResult",
    "PointsUpdateResult",
    "ExecuteResult",
    "PreparedRequest",
    "SandboxServer",
    "generate_key_pair",
    "rust_baseline",
]

__version__: str
ERROR_KINDS: tuple[str, ...]

def generate_key_pair() -> tuple[str, str]: ...
def rust_baseline(
    client: Union[Client, AsyncClient],
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
    def biz_result_desc(self) -> Optional[str]: ...
    @property
    def user_attr(self) -> Optional[UserAttr]: ...
    @property
    def alipay_account_no(self) -> tuple[str, ...]: ...
    @property
    def mobile(self) -> Optional[str]: ...
    @property
    def ext_info(self) -> Optional[str]: ...
    @property
    def awarded(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class VoucherSendResult:
    @property
    def voucher_id(self) -> str: ...
    @property
    def user_id(self) -> Optional[str]: ...
    @property
    def open_id(self) -> Optional[str]: ...
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
    def trace_id(self) -> Optional[str]: ...
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
    def idempotency_key(self) -> Optional[str]: ...
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
        app_auth_token: Optional[str] = None,
        allow_insecure_http: bool = False,
        max_attempts: int = 3,
    ) -> Client: ...
    def receive_invite_award(
        self,
        *,
        mobile: Optional[str] = None,
        user_id: Optional[str] = None,
        out_biz_no: Optional[str] = None,
        out_biz_code: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> InviteAwardResult: ...
    def send_voucher(
        self,
        *,
        template_id: str,
        out_biz_no: str,
        user_id: Optional[str] = None,
        login_id: Optional[str] = None,
        taobao_nick: Optional[str] = None,
        open_id: Optional[str] = None,
        amount: Union[str, Decimal, None] = None,
        memo: Optional[str] = None,
        extend_info: Optional[_Json] = None,
        alipay_mini_app_token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> VoucherSendResult: ...
    def update_points(
        self,
        *,
        req_id: str,
        user_id: str,
        activity_account: str,
        trans_type: Union[TransType, str],
        trans_amount: int,
        biz_no: Optional[str] = None,
        shop_id: Optional[str] = None,
        memo: Optional[str] = None,
        ext_info: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> PointsUpdateResult: ...
    def execute(
        self,
        method: str,
        biz_content: Optional[Mapping[str, Any]] = None,
        *,
        timeout: Optional[float] = None,
    ) -> ExecuteResult: ...
    def prepare(
        self,
        method: str,
        biz_content: Optional[Mapping[str, Any]] = None,
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
        exc_type: Optional[type[BaseException]] = None,
        exc_value: Optional[BaseException] = None,
        traceback: Optional[TracebackType] = None,
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
        app_auth_token: Optional[str] = None,
        allow_insecure_http: bool = False,
        max_attempts: int = 3,
    ) -> AsyncClient: ...
    def receive_invite_award(
        self,
        *,
        mobile: Optional[str] = None,
        user_id: Optional[str] = None,
        out_biz_no: Optional[str] = None,
        out_biz_code: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Awaitable[InviteAwardResult]: ...
    def send_voucher(
        self,
        *,
        template_id: str,
        out_biz_no: str,
        user_id: Optional[str] = None,
        login_id: Optional[str] = None,
        taobao_nick: Optional[str] = None,
        open_id: Optional[str] = None,
        amount: Union[str, Decimal, None] = None,
        memo: Optional[str] = None,
        extend_info: Optional[_Json] = None,
        alipay_mini_app_token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Awaitable[VoucherSendResult]: ...
    def update_points(
        self,
        *,
        req_id: str,
        user_id: str,
        activity_account: str,
        trans_type: Union[TransType, str],
        trans_amount: int,
        biz_no: Optional[str] = None,
        shop_id: Optional[str] = None,
        memo: Optional[str] = None,
        ext_info: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Awaitable[PointsUpdateResult]: ...
    def execute(
        self,
        method: str,
        biz_content: Optional[Mapping[str, Any]] = None,
        *,
        timeout: Optional[float] = None,
    ) -> Awaitable[ExecuteResult]: ...
    def prepare(
        self,
        method: str,
        biz_content: Optional[Mapping[str, Any]] = None,
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
        exc_type: Optional[type[BaseException]] = None,
        exc_value: Optional[BaseException] = None,
        traceback: Optional[TracebackType] = None,
    ) -> Awaitable[bool]: ...

@final
class SandboxServer:
    def __new__(
        cls,
        *,
        scenario: Union[str, os.PathLike[str], Mapping[str, Any], None] = None,
        seed: int = 0,
        port: int = 0,
        state_file: Optional[os.PathLike[str]] = None,
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
