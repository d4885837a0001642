"""The configuration doctor: offline (`doctor()`), from a client (`check_config()`), and as a command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import alipay_marketing
import pytest
from alipay_marketing import DoctorReport, Finding, doctor
from alipay_marketing.__main__ import main
from alipay_marketing.testing import Sandbox


def levels(report: DoctorReport, topic: str) -> list[str]:
    return [f.level for f in report.about(topic)]


def message(report: DoctorReport, topic: str, level: str) -> str:
    """The messages of the findings of `level` about `topic`, one per line."""
    found = [f.message for f in report.about(topic) if f.level == level]
    assert found, f"no {level} about {topic} in:\n{report}"
    return "\n".join(found)


@pytest.fixture(scope="module")
def app_keys() -> tuple[str, str]:
    """An app key pair: (private, public)."""
    return alipay_marketing.generate_key_pair()


def test_a_sound_configuration_is_healthy(alipay_sandbox: Sandbox, app_keys: tuple[str, str]) -> None:
    private, public = app_keys
    report = doctor(
        app_id=alipay_sandbox.app_id,
        private_key=private,
        app_public_key=public,
        alipay_public_key=alipay_sandbox.alipay_public_key,
        gateway="sandbox",
    )
    assert report.is_healthy, str(report)
    assert "matches private_key" in message(report, "app_public_key", "ok")
    assert "RSA-2048" in message(report, "private_key", "ok")
    assert str(report).endswith("0 problem(s), 0 warning(s)")
    assert repr(report).startswith(f"DoctorReport({len(report.findings)} findings, 0 problem(s)")


def test_every_mistake_is_reported_at_once_without_raising(alipay_sandbox: Sandbox, app_keys: tuple[str, str]) -> None:
    private, public = app_keys
    _, stranger = alipay_marketing.generate_key_pair()
    report = doctor(
        app_id=alipay_sandbox.app_id,
        private_key=private,
        alipay_public_key=public,  # the app's own public key, the classic mistake
        app_public_key=stranger,  # not the pair of private_key
        aes_key="this is not base64!",
        charset="latin1",
        timeout=0,
        sign_type="RSA",
        gateway="http://gateway.example.com/gateway.do",
        allow_insecure_http=True,
    )
    assert not report.is_healthy
    assert "own public key" in message(report, "alipay_public_key", "problem")
    assert "does not match private_key" in message(report, "app_public_key", "problem")
    assert "base64" in message(report, "aes_key", "problem")
    assert "latin1" in message(report, "charset", "problem")
    assert "greater than zero" in message(report, "timeout", "problem")
    assert "legacy" in message(report, "sign_type", "warning")
    assert "plain http" in message(report, "gateway", "warning")
    text = str(report)
    assert text.splitlines()[-1] == "5 problem(s), 2 warning(s)"
    assert "problem  alipay_public_key: is your app's own public key" in text
    assert "-----BEGIN" not in text
    assert all(line not in text for line in private.splitlines()[1:-1])


def test_aes_keys_of_the_wrong_length_and_missing_files_are_findings(
    alipay_sandbox: Sandbox, app_keys: tuple[str, str], tmp_path: Path
) -> None:
    report = doctor(
        app_id=alipay_sandbox.app_id,
        private_key=tmp_path / "missing.pem",
        alipay_public_key=alipay_sandbox.alipay_public_key,
        aes_key="AAAAAAAAAAAAAAAAAAAA",  # 15 bytes
    )
    assert "missing.pem" in message(report, "private_key", "problem")
    assert "15 bytes" in message(report, "aes_key", "problem")
    good = doctor(
        app_id=alipay_sandbox.app_id,
        private_key=app_keys[0],
        alipay_public_key=alipay_sandbox.alipay_public_key,
        aes_key="aa4BtZ4tspm2wnXLb1ThQA==",
    )
    assert levels(good, "aes_key") == ["ok"]
    assert "aa4BtZ4tspm2wnXLb1ThQA" not in str(good)


def test_options_this_face_converts_are_findings_too(alipay_sandbox: Sandbox, app_keys: tuple[str, str]) -> None:
    report = doctor(
        app_id=alipay_sandbox.app_id,
        private_key=b"\xff\xfe not text",
        alipay_public_key=alipay_sandbox.alipay_public_key,
        rate_limit=(0, 1),
        proxy="http://proxy.internal:3128",
        no_proxy=True,
        root_certificates=[b"\xff"],
        attempt_timeout=-1,
    )
    assert "UTF-8" in message(report, "private_key", "problem")
    assert "greater than zero" in message(report, "rate_limit", "problem")
    assert "not both" in message(report, "proxy", "problem")
    assert "UTF-8" in message(report, "root_certificates", "problem")
    assert "greater than zero" in message(report, "attempt_timeout", "problem")
    with pytest.raises(TypeError):
        doctor(app_id=alipay_sandbox.app_id, private_key=12345)  # type: ignore[arg-type]


def test_findings_are_frozen_values(alipay_sandbox: Sandbox, app_keys: tuple[str, str]) -> None:
    report = doctor(app_id="abc", private_key=app_keys[0], alipay_public_key=alipay_sandbox.alipay_public_key)
    finding = report.about("app_id")[0]
    assert isinstance(finding, Finding)
    assert (finding.level, finding.topic) == ("problem", "app_id")
    assert str(finding).startswith("problem  app_id: ")
    assert repr(finding).startswith("Finding(level='problem', topic='app_id', message=")
    assert isinstance(report.findings, tuple)
    with pytest.raises(AttributeError):
        finding.level = "ok"  # type: ignore[misc]


def test_check_config_adds_the_clock_skew(alipay_sandbox: Sandbox) -> None:
    with alipay_sandbox.client() as client:
        report = client.check_config()
    assert report.is_healthy, str(report)
    assert levels(report, "clock") == ["ok"]
    assert "ahead of" in message(report, "clock", "ok") or "behind" in message(report, "clock", "ok")


@pytest.mark.asyncio
async def test_async_check_config(alipay_sandbox: Sandbox) -> None:
    async with alipay_sandbox.async_client() as client:
        report = await client.check_config()
    assert levels(report, "clock") == ["ok"]


def test_check_config_says_when_the_gateway_is_unreachable(alipay_sandbox: Sandbox) -> None:
    from test_errors import free_port

    with alipay_sandbox.client(gateway=f"http://127.0.0.1:{free_port()}/gateway.do") as client:
        report = client.check_config()
    assert "unreachable" in message(report, "clock", "warning")
    assert report.is_healthy


# The command


@pytest.fixture
def key_files(alipay_sandbox: Sandbox, app_keys: tuple[str, str], tmp_path: Path) -> dict[str, Path]:
    files = {
        "private": (tmp_path / "app_private_key.pem", alipay_sandbox.app_private_key),
        "own_public": (tmp_path / "app_public_key.pem", app_keys[1]),
        "alipay_public": (tmp_path / "alipay_public_key.pem", alipay_sandbox.alipay_public_key),
    }
    for path, text in files.values():
        path.write_text(text)
    return {name: path for name, (path, _) in files.items()}


def test_the_doctor_command_exits_0_on_a_healthy_configuration(
    alipay_sandbox: Sandbox, key_files: dict[str, Path]
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "alipay_marketing",
            "doctor",
            "--app-id",
            alipay_sandbox.app_id,
            "--private-key",
            str(key_files["private"]),
            "--alipay-public-key",
            str(key_files["alipay_public"]),
            "--gateway",
            alipay_sandbox.url,
            "--online",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok       clock:" in done.stdout
    assert done.stdout.strip().endswith("0 problem(s), 0 warning(s)")


def test_the_doctor_command_exits_1_and_names_the_mistakes(
    alipay_sandbox: Sandbox, key_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "doctor",
            "--app-id",
            alipay_sandbox.app_id,
            "--private-key",
            str(key_files["private"]),
            "--alipay-public-key",
            str(key_files["private"]).replace("private", "missing"),
            "--app-public-key",
            str(key_files["own_public"]),
            "--online",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 1
    assert "problem  app_public_key: does not match private_key" in out
    assert "problem  alipay_public_key: cannot read" in out
    assert "not contacting the gateway" in err
    assert "clock" not in out


def test_the_doctor_command_checks_certificate_files(
    alipay_sandbox: Sandbox, key_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    certs = Path(__file__).resolve().parents[1] / "fixtures" / "certs" / "net"
    status = main(
        [
            "doctor",
            "--app-id",
            alipay_sandbox.app_id,
            "--private-key",
            str(key_files["private"]),
            "--app-cert",
            str(certs / "appCertPublicKey_2021003102616019.crt"),
            "--alipay-cert",
            str(certs / "alipayCertPublicKey_RSA2.crt"),
            "--alipay-root-cert",
            str(certs / "alipayRootCert.crt"),
        ]
    )
    out, _ = capsys.readouterr()
    assert status == 1
    assert "app_cert: SN 47a27aac8ae3b5c589576f371da36dc2" in out
    assert "problem  app_cert: holds a public key that does not belong to private_key" in out


def test_the_doctor_command_needs_an_app_id_and_a_private_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["doctor", "--private-key", "key.pem"])
    assert caught.value.code == 2
    assert "--app-id" in capsys.readouterr().err
