"""Arms and clears faults of a running sandbox, and counts what it holds, through its admin API.

    python3 sandbox_admin.py faults '{"rules": [...]}'   arm a fault plan (see sandbox/README.md)
    python3 sandbox_admin.py clear                        disarm every fault
    python3 sandbox_admin.py vouchers                     print how many vouchers the sandbox issued

The admin URL comes from ALIPAY_ADMIN_URL, which the sandbox's --env-file exports.
"""

import json
import os
import sys
import urllib.request


def admin(method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(os.environ["ALIPAY_ADMIN_URL"] + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def main(argv: list) -> None:
    if len(argv) == 2 and argv[0] == "faults":
        admin("POST", "/faults", json.loads(argv[1]))
    elif argv == ["clear"]:
        admin("DELETE", "/faults")
    elif argv == ["vouchers"]:
        state = admin("GET", "/state")
        assert isinstance(state, dict)
        print(state["vouchers"]["count"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
