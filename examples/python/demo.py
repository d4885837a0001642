"""The three marketing calls from Python.

Against the gateway named by the environment (as ``make demo`` sets it up)::

    ALIPAY_GATEWAY_URL            e.g. http://127.0.0.1:8899/gateway.do
    ALIPAY_APP_ID                 e.g. 2021000000000001
    ALIPAY_APP_PRIVATE_KEY_FILE   the app's private key (PEM)
    ALIPAY_PUBLIC_KEY_FILE        the Alipay public key (PEM)
    ALIPAY_ADMIN_URL              (optional) the sandbox's admin API, to show its state afterwards

or, when ALIPAY_GATEWAY_URL is not set, against a sandbox started in this process.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from alipay_marketing import AlipayError, Client, TransType
from alipay_marketing.testing import DEFAULT_MOBILE, DEFAULT_USER_ID, Sandbox

STAMP_CARD = "STAMP-CARD-01"


def client_from_environment(stack: ExitStack) -> tuple[Client, str | None]:
    """A client for the gateway of the environment, or for an in-process sandbox; and the admin URL if known."""
    gateway = os.environ.get("ALIPAY_GATEWAY_URL")
    if gateway:
        client = Client(
            app_id=os.environ["ALIPAY_APP_ID"],
            private_key=Path(os.environ["ALIPAY_APP_PRIVATE_KEY_FILE"]),
            alipay_public_key=Path(os.environ["ALIPAY_PUBLIC_KEY_FILE"]),
            gateway=gateway,
        )
        return stack.enter_context(client), os.environ.get("ALIPAY_ADMIN_URL")
    sandbox = stack.enter_context(Sandbox())
    print(f"started an in-process sandbox at {sandbox.url}")
    return stack.enter_context(sandbox.client()), sandbox.admin_url


def main() -> int:
    run = time.strftime("%Y%m%d%H%M%S")
    with ExitStack() as stack:
        client, admin_url = client_from_environment(stack)
        print(f"python: {client!r}")
        try:
            award = client.receive_invite_award(mobile=DEFAULT_MOBILE, out_biz_no=f"py-invite-{run}")
            print(f"  invite award   -> {award.biz_result_code.value} (user {award.user_attr}): {award!r}")

            voucher = client.send_voucher(
                template_id="TPL-FIXED-10", out_biz_no=f"py-voucher-{run}", user_id=DEFAULT_USER_ID, memo="demo"
            )
            print(f"  voucher send   -> voucher {voucher.voucher_id}: {voucher!r}")

            points = client.update_points(
                req_id=f"py-points-{run}",
                user_id=DEFAULT_USER_ID,
                activity_account=STAMP_CARD,
                trans_type=TransType.FREEZE,
                trans_amount=10,
            )
            print(f"  points freeze  -> point_log_no {points.point_log_no}")
            print(f"  client stats   -> {client.stats()!r}")
        except AlipayError as error:
            print(f"  failed: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        if admin_url:
            with urllib.request.urlopen(f"{admin_url}/state") as response:
                state = json.load(response)
            print(f"  sandbox saw {state.get('total_calls')} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
