# Hand-written stub of the native module (checked against it by `python -m mypy.stubtest alipay_marketing._native`).

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, final

from typing_extensions import TypeAlias

from .enums import BizResultCode, TransType, UserAttr
from .errors import AlipayError
from .options import RateLimitArg, RetryPolicy

_Key: TypeAlias = str | bytes | os.PathLike[str]
_Json: TypeAlias = Mapping[str, Any] | str
_Yuan: TypeAlias = str | Decimal
_T = TypeVar("_T")

__all__ = [
    "BATCH_RESULT_FIELDS",
    "ERROR_KINDS",
    "AsyncClient",
    "Campaign",
    "CampaignProgress",
    "CampaignSummary",
    "CheckReport",
    "Client",
    "ClientStats",
    "DoctorReport",
    "ExecuteResult",
    "Finding",
    "InviteAwardResult",
    "PointsBalance",
    "PointsUpdateResult",
    "PreparedRequest",
    "RowProblem",
    "RunResult",
    "SandboxServer",
    "Settlement",
    "TemplateCreateResult",
    "TemplateDetail",
    "VoucherDetail",
    "VoucherList",
    "VoucherLite",
    "VoucherSendResult",
    "__version__",
    "_check_rate_limit",
    "_check_retry_policy",
    "_panic_for_tests",
    "campaign_cli",
    "doctor",
    "generate_key_pair",
]

__version__: str
ERROR_KINDS: tuple[str, ...]
BATCH_RESULT_FIELDS: tuple[str, ...]

def generate_key_pair() -> tuple[str, str]: ...
def _check_retry_policy(max_attempts: int, base_delay: float, max_delay: float) -> None: ...
def _check_rate_limit(qps: float, burst: int) -> None: ...
def _panic_for_tests(at: str) -> Any: ...
def doctor(
    *,
    app_id: str,
    private_key: _Key,
    alipay_public_key: _Key | None = None,
    gateway: str = "production",
    sign_type: str = "RSA2",
    timeout: float = 15.0,
    connect_timeout: float = 3.0,
    attempt_timeout: float = 8.0,
    retry: RetryPolicy | None = ...,
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
) -> DoctorReport: ...

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
    @property
    def out_biz_no(self) -> str | None: ...
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
class VoucherDetail:
    @property
    def voucher_id(self) -> str: ...
    @property
    def template_id(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def total_amount(self) -> str | None: ...
    @property
    def available_amount(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def open_id(self) -> str | None: ...
    @property
    def gmt_create(self) -> str | None: ...
    @property
    def gmt_active(self) -> str | None: ...
    @property
    def gmt_expired(self) -> str | None: ...
    @property
    def total_count(self) -> int | None: ...
    @property
    def available_count(self) -> int | None: ...
    @property
    def used_count(self) -> int | None: ...
    @property
    def voucher_description(self) -> str | None: ...
    @property
    def extend_info(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class VoucherLite:
    @property
    def voucher_id(self) -> str: ...
    @property
    def template_id(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def send_time(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class VoucherList:
    @property
    def vouchers(self) -> tuple[VoucherLite, ...]: ...
    def contains(self, voucher_id: str) -> bool: ...
    def __len__(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class TemplateDetail:
    @property
    def template_id(self) -> str: ...
    @property
    def voucher_name(self) -> str | None: ...
    @property
    def voucher_type(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def publish_start_time(self) -> str | None: ...
    @property
    def publish_end_time(self) -> str | None: ...
    @property
    def voucher_valid_period(self) -> str | None: ...
    @property
    def voucher_quantity(self) -> int | None: ...
    @property
    def publish_count(self) -> int | None: ...
    @property
    def used_count(self) -> int | None: ...
    @property
    def amount(self) -> str | None: ...
    @property
    def floor_amount(self) -> str | None: ...
    @property
    def total_amount(self) -> str | None: ...
    @property
    def publish_amount(self) -> str | None: ...
    @property
    def used_amount(self) -> str | None: ...
    @property
    def recycle_amount(self) -> str | None: ...
    @property
    def voucher_description(self) -> str | None: ...
    @property
    def remaining(self) -> int | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class TemplateCreateResult:
    @property
    def template_id(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class PointsBalance:
    @property
    def available_points(self) -> int: ...
    @property
    def freezed_points(self) -> int: ...
    @property
    def total_points(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Settlement(Generic[_T]):
    @property
    def status(self) -> str: ...
    @property
    def result(self) -> _T | None: ...
    @property
    def error(self) -> AlipayError | None: ...
    @property
    def sent(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class ClientStats:
    @property
    def calls(self) -> int: ...
    @property
    def attempts(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def successes(self) -> int: ...
    @property
    def failures(self) -> dict[str, int]: ...
    @property
    def failed(self) -> int: ...
    @property
    def in_flight(self) -> int: ...
    @property
    def cancelled(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Finding:
    @property
    def level(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class DoctorReport:
    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def is_healthy(self) -> bool: ...
    def about(self, topic: str) -> tuple[Finding, ...]: ...

@final
class Client:
    def __new__(
        cls,
        *,
        app_id: str,
        private_key: _Key,
        alipay_public_key: _Key | None = None,
        gateway: str = "production",
        sign_type: str = "RSA2",
        timeout: float = 15.0,
        connect_timeout: float = 3.0,
        attempt_timeout: float = 8.0,
        retry: RetryPolicy | None = ...,
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
    ) -> Client: ...
    def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
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
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
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
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> PointsUpdateResult: ...
    def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> ExecuteResult: ...
    def prepare(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        app_auth_token: str | None = None,
        **fields: Any,
    ) -> PreparedRequest: ...
    def query_voucher(
        self,
        *,
        voucher_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> VoucherDetail: ...
    def list_vouchers(
        self,
        *,
        template_id: str,
        user_id: str | None = None,
        open_id: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> VoucherList: ...
    def query_template(
        self,
        *,
        template_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> TemplateDetail: ...
    def create_template(
        self,
        *,
        out_biz_no: str,
        voucher_type: str,
        brand_name: str,
        amount: _Yuan,
        publish_start_time: str,
        publish_end_time: str,
        voucher_valid_period: _Json,
        voucher_quantity: int | None = None,
        total_amount: _Yuan | None = None,
        floor_amount: _Yuan | None = None,
        voucher_description: Sequence[str] | str | None = None,
        voucher_available_time: Sequence[Any] | str | None = None,
        rule_conf: _Json | None = None,
        extension_info: _Json | None = None,
        notify_uri: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> TemplateCreateResult: ...
    def query_points(
        self,
        *,
        activity_account: str,
        user_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> PointsBalance: ...
    def check_template(self, template_id: str, quantity: int) -> TemplateDetail: ...
    def settle_voucher(
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
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Settlement[VoucherSendResult]: ...
    def settle_points(
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
    ) -> Settlement[PointsUpdateResult]: ...
    def settle_invite(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Settlement[InviteAwardResult]: ...
    @property
    def app_id(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def stats(self) -> ClientStats: ...
    def check_config(self) -> DoctorReport: ...
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
        alipay_public_key: _Key | None = None,
        gateway: str = "production",
        sign_type: str = "RSA2",
        timeout: float = 15.0,
        connect_timeout: float = 3.0,
        attempt_timeout: float = 8.0,
        retry: RetryPolicy | None = ...,
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
    ) -> AsyncClient: ...
    def receive_invite_award(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
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
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
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
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[PointsUpdateResult]: ...
    def execute(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[ExecuteResult]: ...
    def prepare(
        self,
        method: str,
        biz_content: Mapping[str, Any] | None = None,
        *,
        app_auth_token: str | None = None,
        **fields: Any,
    ) -> PreparedRequest: ...
    def query_voucher(
        self,
        *,
        voucher_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[VoucherDetail]: ...
    def list_vouchers(
        self,
        *,
        template_id: str,
        user_id: str | None = None,
        open_id: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[VoucherList]: ...
    def query_template(
        self,
        *,
        template_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[TemplateDetail]: ...
    def create_template(
        self,
        *,
        out_biz_no: str,
        voucher_type: str,
        brand_name: str,
        amount: _Yuan,
        publish_start_time: str,
        publish_end_time: str,
        voucher_valid_period: _Json,
        voucher_quantity: int | None = None,
        total_amount: _Yuan | None = None,
        floor_amount: _Yuan | None = None,
        voucher_description: Sequence[str] | str | None = None,
        voucher_available_time: Sequence[Any] | str | None = None,
        rule_conf: _Json | None = None,
        extension_info: _Json | None = None,
        notify_uri: str | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[TemplateCreateResult]: ...
    def query_points(
        self,
        *,
        activity_account: str,
        user_id: str,
        timeout: float | None = None,
        retry: RetryPolicy | None = ...,
        app_auth_token: str | None = None,
    ) -> Awaitable[PointsBalance]: ...
    def check_template(self, template_id: str, quantity: int) -> Awaitable[TemplateDetail]: ...
    def settle_voucher(
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
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Awaitable[Settlement[VoucherSendResult]]: ...
    def settle_points(
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
    ) -> Awaitable[Settlement[PointsUpdateResult]]: ...
    def settle_invite(
        self,
        *,
        mobile: str | None = None,
        user_id: str | None = None,
        out_biz_no: str | None = None,
        out_biz_code: str | None = None,
        error: AlipayError | None = None,
        app_auth_token: str | None = None,
    ) -> Awaitable[Settlement[InviteAwardResult]]: ...
    @property
    def app_id(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def stats(self) -> ClientStats: ...
    def check_config(self) -> Awaitable[DoctorReport]: ...
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
        aes_key: str | None = None,
        cert_mode: bool = False,
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
    @property
    def aes_key(self) -> str | None: ...
    @property
    def cert_mode(self) -> bool: ...
    def app_cert_pem(self) -> str: ...
    def alipay_cert_pem(self) -> str: ...
    def root_cert_pem(self) -> str: ...
    def rotate_alipay_cert(self, *, trusted: bool = True) -> str: ...
    def state_json(self) -> str: ...
    def arm_faults_json(self, plan: str) -> None: ...
    def clear_faults(self) -> None: ...
    def reset(self) -> None: ...
    def stop(self) -> None: ...

@final
class Campaign:
    def __new__(
        cls,
        input: str | os.PathLike[str] | None = None,
        *,
        campaign_file: str | os.PathLike[str] | None = None,
        method: str | None = None,
        id: str | None = None,
        template_id: str | None = None,
        activity_account: str | None = None,
        trans_type: str | None = None,
        memo: str | None = None,
        fields: Mapping[str, str] | None = None,
        columns: Mapping[str, str] | None = None,
        key_column: str | None = None,
        identity: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        out_dir: str | os.PathLike[str] | None = None,
        results_format: str | None = None,
        skip_invalid: bool | None = None,
        concurrency: int | None = None,
        breaker_threshold: int | None = None,
        settle_rounds: int | None = None,
        preflight: bool | None = None,
        journal: str | None = None,
        lease_seconds: float | None = None,
    ) -> Campaign: ...
    @property
    def id(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def input(self) -> Path: ...
    @property
    def journal_path(self) -> Path: ...
    @property
    def results_path(self) -> Path: ...
    @property
    def rejects_path(self) -> Path: ...
    @property
    def summary_path(self) -> Path: ...
    @property
    def report_path(self) -> Path: ...
    def check(self) -> CheckReport: ...
    def run(self, client: Client, *, progress: Callable[[CampaignProgress], object] | None = None) -> RunResult: ...
    def check_batch_settings(self) -> None: ...
    def run_rows(
        self,
        client: Client,
        rows: Sequence[dict[str, str | None]],
        *,
        progress: Callable[[CampaignProgress], object] | None = None,
    ) -> list[dict[str, str | int | None]]: ...
    def status(self) -> CampaignSummary: ...
    def report(self, output: str | os.PathLike[str] | None = None) -> CampaignSummary: ...

@final
class CampaignProgress:
    @property
    def total(self) -> int: ...
    @property
    def done(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def unknown(self) -> int: ...
    @property
    def pending(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def answers_this_run(self) -> int: ...
    @property
    def elapsed(self) -> float: ...
    @property
    def rate(self) -> float: ...
    @property
    def window(self) -> int: ...
    @property
    def eta(self) -> float | None: ...
    @property
    def finished(self) -> int: ...

@final
class RowProblem:
    @property
    def line(self) -> int: ...
    @property
    def field(self) -> str: ...
    @property
    def reason(self) -> str: ...

@final
class CheckReport:
    @property
    def rows(self) -> int: ...
    @property
    def valid(self) -> int: ...
    @property
    def problems(self) -> list[RowProblem]: ...
    @property
    def is_clean(self) -> bool: ...

@final
class CampaignSummary:
    @property
    def campaign_id(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def last_run(self) -> str | None: ...
    @property
    def last_message(self) -> str | None: ...
    @property
    def total(self) -> int: ...
    @property
    def done(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def unknown(self) -> int: ...
    @property
    def pending(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def error_codes(self) -> list[tuple[str, int]]: ...
    @property
    def latency_ms_p50(self) -> int: ...
    @property
    def latency_ms_p90(self) -> int: ...
    @property
    def latency_ms_p99(self) -> int: ...
    @property
    def latency_ms_max(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def throughput_per_s(self) -> float: ...
    @property
    def runs(self) -> int: ...
    @property
    def text(self) -> str: ...

@final
class RunResult:
    @property
    def status(self) -> Literal["completed", "paused", "stopped", "aborted"]: ...
    @property
    def pause_code(self) -> str | None: ...
    @property
    def pause_reason(self) -> str | None: ...
    @property
    def what_to_do(self) -> str | None: ...
    @property
    def summary(self) -> CampaignSummary: ...
    @property
    def is_complete(self) -> bool: ...

def campaign_cli(args: list[str]) -> int: ...
