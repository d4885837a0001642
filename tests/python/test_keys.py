"""Keys are given as text, bytes, or a path to a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from alipay_marketing import Client, ConfigError
from alipay_marketing.testing import Sandbox
from conftest import USER


def test_keys_from_files_given_as_paths(alipay_sandbox: Sandbox, tmp_path: Path) -> None:
    private = tmp_path / "app_private_key.pem"
    public = tmp_path / "alipay_public_key.pem"
    private.write_text(alipay_sandbox.app_private_key)
    public.write_text(alipay_sandbox.alipay_public_key)
    with alipay_sandbox.client(private_key=private, alipay_public_key=public) as client:
        assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="k-1", user_id=USER).voucher_id


def test_keys_as_bytes_and_bare_base64(alipay_sandbox: Sandbox) -> None:
    bare_public = "".join(alipay_sandbox.alipay_public_key.strip().splitlines()[1:-1])
    with alipay_sandbox.client(
        private_key=alipay_sandbox.app_private_key.encode(), alipay_public_key=bare_public
    ) as client:
        assert client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="k-2", user_id=USER).voucher_id


def test_a_key_of_the_wrong_type_is_a_type_error(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match="private_key"):
        alipay_sandbox.client(private_key=12345)


def test_a_public_key_given_as_the_private_key_is_a_config_error(alipay_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError) as caught:
        Client(
            app_id=alipay_sandbox.app_id,
            private_key=alipay_sandbox.alipay_public_key,
            alipay_public_key=alipay_sandbox.alipay_public_key,
        )
    assert caught.value.field == "private_key"
    assert "PRIVATE" not in str(caught.value).split("private_key", 1)[0]


def test_errors_never_contain_the_private_key(alipay_sandbox: Sandbox) -> None:
    broken = alipay_sandbox.app_private_key.replace("A", "!", 3)
    with pytest.raises(ConfigError) as caught:
        alipay_sandbox.client(private_key=broken)
    body_line = alipay_sandbox.app_private_key.splitlines()[2]
    assert body_line not in str(caught.value)
    assert body_line not in repr(caught.value)
