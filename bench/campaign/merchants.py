"""Per-merchant QPS with several workers on one PostgreSQL journal (`make bench-merchants`).

Three `alipay-marketing campaign run` workers share a journal on a PostgreSQL server this script starts (initdb in
a temporary folder, 127.0.0.1, a free port) for a file of MERCHANTS × ROWS voucher rows with `--qps QPS`. The
release sandbox logs one line per call with the merchant's (masked) token; each line is timestamped as it
arrives. For each merchant: its sends per second over the middle 80% of its sends (the first burst and the tail
left out), as a ratio of QPS. Target: every merchant within ±5% of its limit.

Sizes: `BENCH_MERCHANT_ROWS=1500 BENCH_QPS=100` by default (about 15 s of sending per merchant).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "bench-merchants"
RELEASE = ROOT / "target" / "release"
ROWS = int(os.environ.get("BENCH_MERCHANT_ROWS", "1500"))
QPS = float(os.environ.get("BENCH_QPS", "100"))
MERCHANTS = [f"202405BBmerchant{c}0000000{n}" for n, c in enumerate("ABC", start=1)]
WORKERS = 3
PASSWORD = "bench-journal-password"


def user(n: int) -> str:
    return f"2088{700_000_000 + n:012d}"


def masked(token: str) -> str:
    """The sandbox log's form of a token: its first and last four characters."""
    return f"{token[:4]}****{token[-4:]}"


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if not found:
        sys.exit("PostgreSQL's initdb was not found: run `make deps`")
    return Path(found).parent


def start_postgres(folder: Path) -> tuple[str, list[str], Path]:
    """initdb + pg_ctl start, as Debian's postgres user when run as root; returns the URL and the stop command."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    (folder / "pw").write_text(PASSWORD)
    if as_postgres:
        subprocess.run(["chown", "-R", "postgres:postgres", str(folder)], check=True)
    bin_dir, data = pg_bin(), folder / "data"
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "campaign",
            "--auth=scram-sha-256",
            f"--pwfile={folder / 'pw'}",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=50"
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    stop = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    return f"postgres://campaign:{PASSWORD}@127.0.0.1:{port}/postgres", stop, folder


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    subprocess.run(
        [
            "cargo",
            "build",
            "--release",
            "--locked",
            "--quiet",
            "-p",
            "alipay-marketing-sandbox",
            "--bin",
            "alipay-sandbox",
            "-p",
            "alipay-marketing-campaign",
            "--bin",
            "alipay-marketing",
        ],
        cwd=ROOT,
        check=True,
    )
    scenario = WORK / "scenario.toml"
    with scenario.open("w") as out:
        out.write((ROOT / "sandbox" / "scenarios" / "default.toml").read_text())
        for n in range(ROWS):
            out.write(f'\n[[users]]\nuser_id = "{user(n)}"\n')
    rows = WORK / "merchants.csv"
    with rows.open("w") as out:
        out.write("user_id,merchant\n")
        for n in range(ROWS):
            for token in MERCHANTS:
                out.write(f"{user(n)},{token}\n")

    pg_folder = Path(tempfile.mkdtemp(prefix="bench-pg"))
    url, stop_pg, _ = start_postgres(pg_folder)
    env_file = WORK / "sandbox.env"
    sandbox = subprocess.Popen(
        [
            str(RELEASE / "alipay-sandbox"),
            "--scenario",
            str(scenario),
            "--keys-dir",
            str(WORK / "keys"),
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    sends: dict[str, list[float]] = {masked(t): [] for t in MERCHANTS}
    line_re = re.compile(r"^alipay\.marketing\.voucher\.send .*app_auth_token=(\S+) 10000 ")

    def read_log() -> None:
        assert sandbox.stdout is not None
        for line in sandbox.stdout:
            match = line_re.match(line)
            if match and match.group(1) in sends:
                sends[match.group(1)].append(time.monotonic())

    try:
        assert sandbox.stdout is not None
        sandbox.stdout.readline()  # the address, once it listens
        deadline = time.monotonic() + 60
        while not env_file.exists() or not env_file.read_text().endswith("\n"):
            assert time.monotonic() < deadline, "the sandbox wrote no env file"
            time.sleep(0.05)
        reader = threading.Thread(target=read_log, daemon=True)
        reader.start()
        env = dict(os.environ)
        for line in env_file.read_text().splitlines():
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                env[name] = value.strip("'")
        workers = [
            subprocess.Popen(
                [
                    str(RELEASE / "alipay-marketing"),
                    "campaign",
                    "run",
                    "--method",
                    "voucher.send",
                    "--template-id",
                    "TPL-FIXED-10",
                    "--column",
                    "app_auth_token=merchant",
                    "--journal",
                    url,
                    "--qps",
                    str(QPS),
                    "--concurrency",
                    "16",
                    "--quiet",
                    "--out-dir",
                    str(WORK / f"worker-{n}"),
                    str(rows),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(WORKERS)
        ]
        for n, worker in enumerate(workers):
            _, err = worker.communicate()
            assert worker.returncode == 0, f"worker {n} exited {worker.returncode}: {err}"
    finally:
        sandbox.terminate()
        sandbox.wait()
        subprocess.run(stop_pg, capture_output=True)
        shutil.rmtree(pg_folder, ignore_errors=True)
    reader.join(timeout=5)

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    print(f"machine: {os.cpu_count()} CPUs, {model}")
    print(
        f"{len(MERCHANTS)} merchants x {ROWS} voucher rows, {WORKERS} workers on one PostgreSQL journal, --qps {QPS:g}"
    )
    worst = 0.0
    for token, times in sends.items():
        assert len(times) == ROWS, f"{token}: {len(times)} successful sends, expected {ROWS}"
        times.sort()
        cut = len(times) // 10
        middle = times[cut : len(times) - cut]
        rate = (len(middle) - 1) / (middle[-1] - middle[0])
        worst = max(worst, abs(rate / QPS - 1))
        print(f"  merchant {token}: {rate:7.2f} sends/s over its middle 80% = {rate / QPS:.3f}x its limit")
    print(f"worst deviation from the limit: {worst * 100:.1f}% (target: within 5%)")


if __name__ == "__main__":
    main()
