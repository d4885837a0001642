"""Command line: ``python -m alipay_marketing doctor`` checks a client configuration.

::

    python -m alipay_marketing doctor --app-id 2021000000000001 \\
        --private-key keys/app_private_key.pem --alipay-public-key keys/alipay_public_key.pem \\
        [--app-public-key FILE] [--app-cert FILE --alipay-cert FILE --alipay-root-cert FILE] [--aes-key FILE] \\
        [--gateway production|sandbox|URL] [--sign-type RSA2] [--charset utf-8] [--online]

``python -m alipay_marketing campaign check|run|status|report ...`` is the campaign command line (the same program
as ``alipay-marketing campaign``; ``--help`` lists its options, docs/campaign.md its exit codes).

``doctor`` prints one line per finding and a summary, and exits with 1 when a finding is a problem (0 otherwise). Without
``--online`` nothing is sent anywhere; with it, a healthy configuration is also used to build a client that
measures the clock skew against the gateway (one plain request to its URL).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._native import Client, campaign_cli, doctor
from .errors import AlipayError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m alipay_marketing", description="alipay_marketing tools")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Dispatched to the Rust program before parsing (see main); listed here for --help.
    commands.add_parser("campaign", help="bulk sends from a file, exactly once (campaign --help lists its options)")
    check = commands.add_parser(
        "doctor",
        help="check a client configuration, one line per finding",
        description="Checks keys, certificates, the gateway URL and the other options without stopping at the "
        "first mistake. Exits with 1 when a finding is a problem.",
    )
    check.add_argument("--app-id", required=True, help="the app id from the Alipay console")
    check.add_argument("--private-key", required=True, type=Path, metavar="FILE", help="the app's private key")
    check.add_argument("--alipay-public-key", type=Path, metavar="FILE", help="the Alipay public key (支付宝公钥)")
    check.add_argument(
        "--app-public-key",
        type=Path,
        metavar="FILE",
        help="the app's own public key (应用公钥), checked against the private key",
    )
    check.add_argument("--app-cert", type=Path, metavar="FILE", help="certificate mode: appCertPublicKey_<app_id>.crt")
    check.add_argument(
        "--alipay-cert", type=Path, metavar="FILE", help="certificate mode: alipayCertPublicKey_RSA2.crt"
    )
    check.add_argument("--alipay-root-cert", type=Path, metavar="FILE", help="certificate mode: alipayRootCert.crt")
    check.add_argument("--aes-key", type=Path, metavar="FILE", help="a file holding the AES key (接口内容加密密钥)")
    check.add_argument("--gateway", default="production", help="production (default), sandbox or a URL")
    check.add_argument("--sign-type", default="RSA2", help="RSA2 (default) or RSA")
    check.add_argument("--charset", default="utf-8", help="utf-8 (default), GBK or GB18030")
    check.add_argument("--allow-insecure-http", action="store_true", help="accept an http:// gateway on any host")
    check.add_argument("--online", action="store_true", help="also measure the clock skew against the gateway")
    return parser


def _doctor(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {
        "app_id": args.app_id,
        "private_key": args.private_key,
        "gateway": args.gateway,
        "sign_type": args.sign_type,
        "charset": args.charset,
        "allow_insecure_http": args.allow_insecure_http,
    }
    for name in ("alipay_public_key", "app_public_key", "app_cert", "alipay_cert", "alipay_root_cert", "aes_key"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    report = doctor(**options)
    if args.online:
        if not report.is_healthy:
            print("not contacting the gateway: fix the problems below first", file=sys.stderr)
        else:
            try:
                with Client(**options) as client:
                    report = client.check_config()
            except AlipayError as error:
                print(report)
                print(f"problem  client: {error}")
                return 1
    print(report)
    return 0 if report.is_healthy else 1


def _campaign(arguments: list[str]) -> int:
    """The campaign command line, run by the Rust program itself; it handles Ctrl-C (first: drain, second: abort)."""
    try:
        return campaign_cli(arguments)
    except KeyboardInterrupt:
        # The program already stopped on the signal and said so; Python only saw it afterwards.
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["campaign"]:
        return _campaign(arguments)
    args = _parser().parse_args(arguments)
    return _doctor(args)  # the one command


if __name__ == "__main__":
    sys.exit(main())
