"""alipay_marketing.testing.Sandbox: what users get to test their own scripts offline."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest
from alipay_marketing import Client, VoucherSendResult
from alipay_marketing.async_client import AsyncClient
from alipay_marketing.errors import AlipayError, SandboxError
from alipay_marketing.testing import Sandbox
from conftest import USER


def test_sandbox_is_a_context_manager_with_url_keys_and_clients() -> None:
    with Sandbox() as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.url.endswith("/gateway.do")
        assert sandbox.app_id == "2021000000000001"
        assert "PRIVATE KEY" in sandbox.app_private_key
        assert "PUBLIC KEY" in sandbox.alipay_public_key
        with sandbox.client() as client:
            assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="h-1", user_id=USER).voucher_id
        assert "vouchers" in sandbox.state()
    assert sandbox.stopped
    assert "stopped" in repr(sandbox)
    with pytest.raises(SandboxError):
        sandbox.state()


def test_admin_state_is_served_over_http(alipay_sandbox: Sandbox) -> None:
    with urllib.request.urlopen(alipay_sandbox.admin_url + "/state") as response:
        assert response.status == 200


def test_reset_returns_to_the_starting_world(alipay_sandbox: Sandbox, alipay_client: Client) -> None:
    alipay_client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="h-2", user_id=USER)
    assert alipay_sandbox.state()["total_calls"] == 1
    alipay_sandbox.reset()
    assert alipay_sandbox.state()["total_calls"] == 0


def test_faults_can_be_armed_as_a_whole_plan_and_cleared(alipay_sandbox: Sandbox, alipay_client: Client) -> None:
    alipay_sandbox.arm_faults({"rules": [{"method": "alipay.marketing.voucher.send", "fault": "throttle", "rate": 1}]})
    assert alipay_sandbox.state()["faults_armed"]
    alipay_sandbox.clear_faults()
    assert alipay_sandbox.state()["faults_armed"] == []
    assert alipay_client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="h-3", user_id=USER).voucher_id


def test_an_invalid_fault_plan_is_a_sandbox_error(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError) as caught:
        alipay_sandbox.arm_faults(script=["earthquake"])
    assert isinstance(caught.value, AlipayError)
    with pytest.raises(TypeError):
        alipay_sandbox.arm_faults({"rules": []}, fault="throttle")


def test_an_invalid_scenario_is_a_sandbox_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxError):
        Sandbox(scenario="this is = not [valid toml")
    with pytest.raises(SandboxError):
        Sandbox(scenario=tmp_path / "missing.toml")


def test_the_async_client_fixture_works(alipay_async_client: AsyncClient) -> None:
    result = asyncio.run(alipay_async_client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="h-4", user_id=USER))
    assert isinstance(result, VoucherSendResult)


def test_client_options_can_be_overridden(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(timeout=1.5, max_attempts=1) as client:
        assert client.gateway_url == alipay_sandbox.url
    options = alipay_sandbox.client_options(app_auth_token="tok")
    assert options["app_auth_token"] == "tok"
    assert options["gateway"] == alipay_sandbox.url


def test_the_documented_fixture_example(alipay_sandbox: Sandbox, alipay_client: Client) -> None:
    alipay_client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="o-1", user_id=USER)
    assert alipay_sandbox.state()["vouchers"]["by_template"]["TPL-FIXED-10"] == 1


def test_a_sandbox_with_a_bad_aes_key_is_a_sandbox_error() -> None:
    with pytest.raises(SandboxError, match="aes_key"):
        Sandbox(aes_key="not base64!")


def test_certificates_are_made_on_demand_for_any_sandbox(alipay_sandbox: Sandbox) -> None:
    assert not alipay_sandbox.cert_mode
    assert "alipay_public_key" in alipay_sandbox.client_options()
    certificates = alipay_sandbox.certificates()
    assert all(pem.startswith("-----BEGIN CERTIFICATE-----") for pem in certificates.values())
    # Any app may use certificate mode by sending the certificate SNs.
    with alipay_sandbox.client(alipay_public_key=None, **certificates) as client:
        assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="h-5", user_id=USER).voucher_id
