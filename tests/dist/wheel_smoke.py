"""A wheel installed into a clean virtual environment works on its own: run with that environment's interpreter,
from a directory outside the repository (`python -I tests/dist/wheel_smoke.py`).

It checks that the package comes from site-packages with its type information, then sends a voucher through a
sandbox started by `alipay_marketing.testing.Sandbox` (the gateway emulator compiled into the wheel) and reads it
back from the sandbox's own state: the native module, its TLS/crypto code and the Python layer all load and work.
Last, the command line (`python -m alipay_marketing doctor --help`) runs from the installed package.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import runpy
import sys

import alipay_marketing
from alipay_marketing.testing import Sandbox

package = pathlib.Path(alipay_marketing.__file__).parent
assert "site-packages" in package.parts, f"imported from {package}, not from the installed wheel"
assert (package / "py.typed").exists(), "the wheel lost py.typed"
assert list(package.glob("_native*.so")), f"no native module in {package}"

with Sandbox() as sandbox, sandbox.client(retry=alipay_marketing.RetryPolicy(max_attempts=2)) as client:
    voucher = client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="dist-wheel-1", user_id="2088000000000001")
    issued = [v for v in sandbox.state()["vouchers"]["issued"] if v["out_biz_no"] == "dist-wheel-1"]
    assert [v["voucher_id"] for v in issued] == [voucher.voucher_id], (issued, voucher)
    assert client.stats().successes == 1

sys.argv = ["alipay_marketing", "doctor", "--help"]
usage = io.StringIO()
try:
    with contextlib.redirect_stdout(usage):
        runpy.run_module("alipay_marketing", run_name="__main__")
    raise AssertionError("python -m alipay_marketing doctor --help did not exit")
except SystemExit as done:
    assert done.code == 0 and "--alipay-public-key" in usage.getvalue(), (done.code, usage.getvalue())

print(f"wheel ok: alipay_marketing {alipay_marketing.__version__} sent voucher {voucher.voucher_id}")
