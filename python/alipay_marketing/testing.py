"""Offline testing: the Alipay gateway emulator, in-process.

:class:`Sandbox` starts a local gateway that checks signatures like the real one, keeps users, vouchers and
stamp-card points, applies the business rules and injects faults on demand, and hands out clients configured for
it::

    from alipay_marketing.testing import Sandbox

    with Sandbox() as sandbox:
        with sandbox.client() as client:
            voucher = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="o-1", user_id="2088000000000001")
        assert sandbox.state()["vouchers"]

With pytest, the ``alipay_sandbox`` fixture (installed with the package as a pytest plugin) gives each test a
sandbox reset to its starting world, and ``alipay_client`` / ``alipay_async_client`` a client for it.

The default world (app ``2021000000000001``): user ``2088000000000001`` (mobile 13800000001, normal) and
``2088000000000002`` (frozen); voucher templates ``TPL-FIXED-10``, ``TPL-RED-PACKET`` (amount required) and
``TPL-EXPIRED``; stamp-card ``STAMP-CARD-01`` with 100 points for the first user; invite activities by
``out_biz_code``: the default one open, ``PAUSED-ACT`` paused, ``CLOSED-ACT`` closed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Union

from ._native import Client, SandboxServer
from .async_client import AsyncClient

if TYPE_CHECKING:  # Self is in typing only from Python 3.11
    from typing_extensions import Self

__all__ = ["DEFAULT_MOBILE", "DEFAULT_USER_ID", "FROZEN_USER_ID", "Sandbox", "latency"]

#: A normal user of the default world.
DEFAULT_USER_ID = "2088000000000001"
#: The mobile number of :data:`DEFAULT_USER_ID`.
DEFAULT_MOBILE = "13800000001"
#: A frozen user of the default world (vouchers to it fail with USER_STATUS_ERROR).
FROZEN_USER_ID = "2088000000000002"

#: A fault: its name (``"throttle"``) or an object (``{"kind": "latency", "ms": 500}``).
Fault = Union[str, Mapping[str, Any]]
ScenarioSource = Union[str, "os.PathLike[str]", Mapping[str, Any], None]


def latency(ms: int) -> dict[str, Any]:
    """A latency fault of ``ms`` milliseconds, for :meth:`Sandbox.arm_faults`."""
    return {"kind": "latency", "ms": ms}


class Sandbox:
    """A local Alipay gateway emulator running in this process.

    ``scenario`` is a path to a TOML or JSON scenario file, its text, or a dict; ``None`` is the default world.
    ``seed`` makes fault rates repeatable; ``port`` 0 picks a free port; ``state_file`` keeps the world across
    restarts. ``aes_key`` (base64) gives the default app an AES content key: encrypted requests are decrypted and
    answered encrypted, and :meth:`client` sets the key. ``cert_mode=True`` makes the default app a
    certificate-mode app: the sandbox issues the app and "Alipay" certificates from a test root, and :meth:`client`
    configures them instead of the Alipay public key. The sandbox starts at construction and stops with
    :meth:`stop` or at the end of a ``with`` block.
    """

    def __init__(
        self,
        *,
        scenario: ScenarioSource = None,
        seed: int = 0,
        port: int = 0,
        state_file: os.PathLike[str] | None = None,
        aes_key: str | None = None,
        cert_mode: bool = False,
    ) -> None:
        self._server = SandboxServer(
            scenario=scenario, seed=seed, port=port, state_file=state_file, aes_key=aes_key, cert_mode=cert_mode
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._server.stopped else self.url
        return f"Sandbox({state})"

    @property
    def url(self) -> str:
        """The gateway URL, ``http://127.0.0.1:PORT/gateway.do``."""
        return self._server.url

    @property
    def admin_url(self) -> str:
        """The admin API, ``http://127.0.0.1:PORT/admin`` (``GET /admin/state``, ``POST /admin/faults`` …)."""
        return self._server.admin_url

    @property
    def app_id(self) -> str:
        """The default app's id."""
        return self._server.app_id

    @property
    def app_private_key(self) -> str:
        """The default app's private key (PKCS#8 PEM), generated for this sandbox: the client's ``private_key``."""
        return self._server.app_private_key_pem

    @property
    def alipay_public_key(self) -> str:
        """The sandbox's "Alipay" public key (SPKI PEM): the client's ``alipay_public_key``."""
        return self._server.alipay_public_key_pem

    @property
    def aes_key(self) -> str | None:
        """The default app's AES content key (base64), if it has one: the client's ``aes_key``."""
        return self._server.aes_key

    @property
    def cert_mode(self) -> bool:
        """Whether the default app is a certificate-mode app (clients get the certificates)."""
        return self._server.cert_mode

    def certificates(self) -> dict[str, str]:
        """Certificate mode: the client keywords ``app_cert``, ``alipay_cert`` (the current one) and
        ``alipay_root_cert``, as PEM text. Made the first time they are needed."""
        return {
            "app_cert": self._server.app_cert_pem(),
            "alipay_cert": self._server.alipay_cert_pem(),
            "alipay_root_cert": self._server.root_cert_pem(),
        }

    def rotate_alipay_cert(self, *, trusted: bool = True) -> str:
        """Certificate mode: rotates the "Alipay" certificate, as Alipay does, and returns the new SN.

        Answers are signed with the new key from now on; a client downloads the new certificate and trusts it only
        if it chains to the root bundle. ``trusted=False`` issues it from another authority with the root's name,
        so a client must refuse it (a ``SignatureError``).
        """
        return self._server.rotate_alipay_cert(trusted=trusted)

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        """The constructor keywords of a client for this sandbox, with ``overrides`` applied."""
        options: dict[str, Any] = {
            "app_id": self.app_id,
            "private_key": self.app_private_key,
            "gateway": self.url,
        }
        if self.cert_mode:
            options.update(self.certificates())
        else:
            options["alipay_public_key"] = self.alipay_public_key
        if self.aes_key is not None:
            options["aes_key"] = self.aes_key
        options.update(overrides)
        return options

    def client(self, **overrides: Any) -> Client:
        """A sync :class:`~alipay_marketing.Client` for this sandbox (keywords override the defaults)."""
        return Client(**self.client_options(**overrides))

    def async_client(self, **overrides: Any) -> AsyncClient:
        """An :class:`~alipay_marketing.AsyncClient` for this sandbox (keywords override the defaults)."""
        return AsyncClient(**self.client_options(**overrides))

    def state(self) -> dict[str, Any]:
        """The world as a dict: users, activities, vouchers, points accounts, call counts and faults."""
        state: dict[str, Any] = json.loads(self._server.state_json())
        return state

    def arm_faults(
        self,
        plan: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        script: Sequence[Fault] = (),
        fault: Fault | None = None,
        rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Arms faults, replacing what was armed.

        Either a whole plan (``{"rules": [...], "seed": 1}``, the JSON of ``POST /admin/faults``) or one rule by
        keywords: for calls of ``method`` (every method when ``None``), first the ``script`` (one fault per call,
        ``"pass"`` lets one through), then ``fault`` at ``rate``. Faults: ``latency(ms)``, ``"error_before_effect"``,
        ``"error_after_effect"``, ``"drop_connection"``, ``"http_502"``, ``"throttle"``.
        """
        if plan is None:
            rule: dict[str, Any] = {"script": list(script), "rate": rate}
            if method is not None:
                rule["method"] = method
            if fault is not None:
                rule["fault"] = fault
            plan = {"rules": [rule]}
            if seed is not None:
                plan["seed"] = seed
        elif method is not None or script or fault is not None or seed is not None:
            raise TypeError("give a whole plan or one rule by keywords, not both")
        self._server.arm_faults_json(json.dumps(plan))

    def clear_faults(self) -> None:
        """Disarms every fault."""
        self._server.clear_faults()

    def reset(self) -> None:
        """Back to the starting world (awards, vouchers, balances, idempotency keys, call counts), no faults."""
        self._server.reset()

    def stop(self) -> None:
        """Stops the gateway (calls in flight finish). Stopping twice is harmless."""
        self._server.stop()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._server.stopped
