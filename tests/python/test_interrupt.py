"""Ctrl-C during a slow sync call interrupts it instead of waiting for the gateway."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, signal, threading
    from alipay_marketing.testing import Sandbox, latency

    sandbox = Sandbox()
    sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(3_000)])
    client = sandbox.client(timeout=120)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="slow-1", user_id="2088000000000001")
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    else:
        print("finished", flush=True)
    sandbox.stop()
    """
)


def test_keyboard_interrupt_during_a_slow_call_raises_instead_of_hanging() -> None:
    # The gateway answers after 3 s and the client would wait up to 120 s; SIGINT comes after 0.3 s. The
    # subprocess guard only catches a hang (a call that ignores Ctrl-C); it is not a timing assertion.
    done = subprocess.run([sys.executable, "-c", SCRIPT], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "interrupted"
