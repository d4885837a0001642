"""Certificate mode, AES content encryption, charsets and the network options: what the client is configured with,
what it would send (`prepare`), and live calls against a sandbox configured the same way."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from alipay_marketing import BusinessError, Client, ConfigError, SignatureError, ValidationError
from alipay_marketing.testing import Sandbox
from conftest import USER, Calls

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VOUCHER = "alipay.marketing.voucher.send"
AES_KEY = "aa4BtZ4tspm2wnXLb1ThQA=="  # a published test key (tests/fixtures/aes.json)


def expected_sn(cert_file: str) -> str:
    cases = json.loads((FIXTURES / "cert_sn.json").read_text())["cases"]
    sn: str = next(c["expected_sn"] for c in cases if c["cert_file"] == cert_file)
    return sn


@pytest.fixture(scope="module")
def cert_app_private_key() -> str:
    """The published private key that belongs to certs/java/appCertPublicKey_2021003126695331.crt."""
    keys = json.loads((FIXTURES / "keys" / "java" / "privateKey.json").read_text())
    key: str = keys["ProdCert"]
    return key


def cert_options(private_key: str, **overrides: object) -> dict[str, object]:
    options: dict[str, object] = {
        "app_id": "2021003126695331",
        "private_key": private_key,
        "app_cert": FIXTURES / "certs" / "java" / "appCertPublicKey_2021003126695331.crt",
        "alipay_cert": FIXTURES / "certs" / "net" / "alipayCertPublicKey_RSA2.crt",
        "alipay_root_cert": FIXTURES / "certs" / "net" / "alipayRootCert.crt",
    }
    options.update(overrides)
    return options


def prepare_voucher(client: Client, memo: str | None = None) -> dict[str, str]:
    prepared = client.prepare(VOUCHER, template_id="TPL-FIXED-10", out_biz_no="p-1", user_id=USER, memo=memo)
    return {**dict(prepared.query), **dict(prepared.form)}


# Certificate mode


def test_certificate_mode_sends_the_certificate_sns(cert_app_private_key: str) -> None:
    with Client(**cert_options(cert_app_private_key)) as client:  # type: ignore[arg-type]
        params = prepare_voucher(client)
    assert params["app_cert_sn"] == expected_sn("certs/java/appCertPublicKey_2021003126695331.crt")
    assert params["alipay_root_cert_sn"] == expected_sn("certs/net/alipayRootCert.crt")
    assert params["sign"]


def test_certificates_are_accepted_as_text(cert_app_private_key: str) -> None:
    text = {
        name: path.read_text()  # type: ignore[attr-defined]
        for name, path in cert_options(cert_app_private_key).items()
        if name.endswith("cert")
    }
    with Client(**cert_options(cert_app_private_key, **text)) as client:  # type: ignore[arg-type]
        assert prepare_voucher(client)["app_cert_sn"]


@pytest.mark.parametrize("missing", ["app_cert", "alipay_cert", "alipay_root_cert"])
def test_certificate_mode_needs_all_three_certificates(cert_app_private_key: str, missing: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(**cert_options(cert_app_private_key, **{missing: None}))  # type: ignore[arg-type]
    assert caught.value.field == missing


def test_certificate_mode_refuses_an_alipay_public_key_too(cert_app_private_key: str, alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(**cert_options(cert_app_private_key, alipay_public_key=alipay_sandbox.alipay_public_key))  # type: ignore[arg-type]
    assert caught.value.field == "alipay_public_key"


def test_without_certificates_the_alipay_public_key_is_required(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(app_id=alipay_sandbox.app_id, private_key=alipay_sandbox.app_private_key)
    assert caught.value.field == "alipay_public_key"


def test_an_app_certificate_of_another_key_is_refused(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(**cert_options(alipay_sandbox.app_private_key))  # type: ignore[arg-type]
    assert caught.value.field == "app_cert"
    assert "does not belong to private_key" in str(caught.value)


def test_a_certificate_file_that_is_not_a_certificate_is_refused(cert_app_private_key: str, tmp_path: Path) -> None:
    bogus = tmp_path / "alipayCertPublicKey_RSA2.crt"
    bogus.write_text("not a certificate")
    with pytest.raises(ConfigError) as caught:
        Client(**cert_options(cert_app_private_key, alipay_cert=bogus))  # type: ignore[arg-type]
    assert caught.value.field == "alipay_cert"
    with pytest.raises(TypeError, match="app_cert"):
        Client(**cert_options(cert_app_private_key, app_cert=42))  # type: ignore[arg-type]


def test_certificate_mode_against_the_sandbox_survives_a_rotation_and_refuses_an_untrusted_one(call: Calls) -> None:
    with Sandbox(cert_mode=True) as sandbox:
        certificates = sandbox.certificates()
        assert set(certificates) == {"app_cert", "alipay_cert", "alipay_root_cert"}
        assert "alipay_public_key" not in sandbox.client_options()
        # One client for the whole run (a new client would be configured with the sandbox's current certificate).
        sync_client = sandbox.client()
        async_client = sandbox.async_client()

        def live(name: str, **kwargs: Any) -> Any:
            if call.mode == "sync":
                return getattr(sync_client, name)(**kwargs)
            return asyncio.run(getattr(async_client, name)(**kwargs))

        first = live("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cm-1", user_id=USER)
        new_sn = sandbox.rotate_alipay_cert()
        assert sandbox.certificates()["alipay_cert"] != certificates["alipay_cert"]
        # The client still has the old certificate: it downloads the new one, checks its chain, then verifies.
        second = live("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cm-2", user_id=USER)
        sandbox.rotate_alipay_cert(trusted=False)
        with pytest.raises(SignatureError) as caught:
            live("send_voucher", template_id="TPL-FIXED-10", out_biz_no="cm-3", user_id=USER)
        sync_client.close()
        async_client.close()
    assert first.voucher_id != second.voucher_id
    assert len(new_sn) == 32
    assert "does not chain" in str(caught.value)
    assert caught.value.outcome_unknown
    assert caught.value.idempotency_key == "cm-3"


def test_check_config_of_a_certificate_mode_client(alipay_sandbox: Sandbox) -> None:
    with Sandbox(cert_mode=True) as sandbox, sandbox.client() as client:
        report = client.check_config()
    assert report.is_healthy, str(report)
    assert [f.level for f in report.about("alipay_cert")] == ["ok", "ok"]
    assert any("chains to alipay_root_cert" in f.message for f in report.about("alipay_cert"))


# AES


def test_aes_encrypts_biz_content_and_says_so(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(aes_key=AES_KEY) as client:
        params = prepare_voucher(client)
    assert params["encrypt_type"] == "AES"
    ciphertext = base64.b64decode(params["biz_content"], validate=True)
    assert len(ciphertext) % 16 == 0
    assert b"TPL-FIXED-10" not in ciphertext
    with alipay_sandbox.client() as plain:
        assert "encrypt_type" not in prepare_voucher(plain)


def test_the_aes_key_can_come_from_a_file(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    key_file = tmp_path / "aes.key"
    key_file.write_text(AES_KEY + "\n")
    with alipay_sandbox.client(aes_key=key_file) as client:
        assert prepare_voucher(client)["encrypt_type"] == "AES"
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(aes_key=tmp_path / "missing.key")
    assert caught.value.field == "aes_key"


@pytest.mark.parametrize("bad", ["not base64!", "AAAAAAAAAAAAAAAAAAAA"])
def test_a_bad_aes_key_is_a_config_error_naming_it(alipay_sandbox: Sandbox, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(aes_key=bad)
    assert caught.value.field == "aes_key"
    assert bad not in str(caught.value)


def test_encrypted_calls_against_a_sandbox_that_has_the_key(call: Calls) -> None:
    with Sandbox(aes_key=AES_KEY) as sandbox:
        assert sandbox.aes_key == AES_KEY
        assert sandbox.client_options()["aes_key"] == AES_KEY
        live = Calls(sandbox, call.mode)
        result = live("send_voucher", template_id="TPL-FIXED-10", out_biz_no="p-2", user_id=USER, memo="新客礼券")
        with pytest.raises(BusinessError) as caught:
            live("send_voucher", template_id="TPL-EXPIRED", out_biz_no="p-3", user_id=USER)
        (voucher,) = sandbox.state()["vouchers"]["issued"]
    assert voucher["voucher_id"] == result.voucher_id
    assert voucher["memo"] == "新客礼券"
    assert caught.value.sub_code == "TEMPLATE_EXPIRED"


# Charsets


def test_gbk_is_announced_and_chinese_text_is_accepted(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(charset="GBK") as client:
        params = prepare_voucher(client, memo="新客礼券")
        prepared = client.prepare(VOUCHER, template_id="TPL-FIXED-10", out_biz_no="p-3", user_id=USER, memo="礼券")
    assert params["charset"] == "GBK"
    assert "新客礼券" in params["biz_content"]
    # The body is percent-encoded in GBK: 礼 is 0xC0F1.
    assert "%C0%F1" in prepared.body.upper()


@pytest.mark.parametrize("charset", ["GBK", "GB18030"])
def test_chinese_text_reaches_the_sandbox_intact_in_gbk(call: Calls, alipay_sandbox: Sandbox, charset: str) -> None:
    result = call.with_options(charset=charset)(
        "send_voucher", template_id="TPL-FIXED-10", out_biz_no="p-5", user_id=USER, memo="新客礼券"
    )
    (voucher,) = alipay_sandbox.state()["vouchers"]["issued"]
    assert (voucher["voucher_id"], voucher["memo"]) == (result.voucher_id, "新客礼券")


def test_text_the_charset_cannot_represent_is_refused_naming_the_field(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client(charset="GBK") as client, pytest.raises(ValidationError) as caught:
        client.prepare(VOUCHER, template_id="TPL-FIXED-10", out_biz_no="p-4", user_id=USER, memo="礼券 🎁")
    assert caught.value.field == "memo"
    assert "U+1F381" in str(caught.value)
    with alipay_sandbox.client(charset="gb18030") as client:
        assert prepare_voucher(client, memo="礼券 🎁")["charset"] == "GB18030"


def test_an_unknown_charset_is_a_config_error(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(charset="latin1")
    assert caught.value.field == "charset"
    assert "utf-8" in str(caught.value)


# Network options


def test_network_options_build_a_working_client(alipay_sandbox: Sandbox) -> None:
    roots = [FIXTURES / "certs" / "net" / "alipayRootCert.crt", (FIXTURES / "certs" / "node" / "alipayRootCert.crt")]
    with alipay_sandbox.client(
        http1_only=True,
        pool_max_idle_per_host=0,
        pool_idle_timeout=5.0,
        no_proxy=True,
        root_certificates=roots,
        connect_timeout=1.0,
    ) as client:
        assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="n-1", user_id=USER).voucher_id


def test_a_loopback_gateway_ignores_the_proxy(alipay_sandbox: Sandbox) -> None:
    # A proxy nobody listens on: the sandbox on 127.0.0.1 is still reached directly.
    with alipay_sandbox.client(proxy="http://127.0.0.1:9/") as client:
        assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="n-2", user_id=USER).voucher_id


def test_bad_network_options_are_config_errors_naming_them(alipay_sandbox: Sandbox) -> None:
    production = {"gateway": "https://openapi.alipay.com/gateway.do"}
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(proxy="not a url", **production)
    assert caught.value.field == "proxy"
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(proxy="http://proxy.internal:3128", no_proxy=True)
    assert caught.value.field == "proxy"
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(root_certificates="not a certificate")
    assert caught.value.field == "root_certificates"
    with pytest.raises(TypeError, match="root_certificates"):
        alipay_sandbox.client(root_certificates=[b"x", 3])
    with pytest.raises(OverflowError):
        alipay_sandbox.client(pool_max_idle_per_host=-1)
