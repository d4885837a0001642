"""CPU per call of every face, and of the sandbox, next to the crypto each call cannot avoid.

``make bench-cpu`` builds the release sandbox, the Rust and C drivers and the release Python module, then runs
this script. It starts ``alipay-sandbox`` (release, ``--quiet``) once and, for each face, a client process that
sends voucher.send for a fixed wall time with a fixed number of calls in flight:

- the Rust client (``sandbox/examples/bench_cpu.rs``; 1, 8 and 64 in flight on a multi-thread tokio runtime),
- blocking C calls (``bench/cpu/voucher_cpu.c``, one thread, linked with the release static library),
- the Python sync ``Client`` on 1 and 8 threads and ``AsyncClient`` with 64 in flight (this script, ``--driver``).

Each driver makes warm-up calls, prints ``ready``, waits for ``go``, runs, prints ``done calls=N wall_ns=W``. The
CPU time of the client process and of the sandbox process (utime + stime from ``/proc/<pid>/stat``: all threads,
kernel time included) is read at ``ready`` and at ``done``, so start-up, key loading and warm-up are not counted.
``openssl speed rsa2048`` gives one RSA-2048 sign and one verify on the same machine, in CPU time: a voucher.send
costs the client one sign and one verify, and the sandbox one verify and one sign.

Every face runs once per round; the table shows the medians over the rounds (the rounds interleave the faces, so
load from other work on the machine spreads over all of them). A ratio is the median of each round's ratio (a face
against its reference, or against that round's openssl figure, measured minutes apart at most), so a machine
whose speed drifts between rounds does not skew it. Results also go to ``target/bench/cpu.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "target/release/alipay-sandbox"
RUST_DRIVER = ROOT / "target/release/examples/bench_cpu"
C_DRIVER = ROOT / "target/release/bench-cpu/voucher_cpu"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# (name, how it is run, calls in flight, the Rust row it is compared with, the target ratio)
FACES: list[tuple[str, list[str], int, str | None, float]] = [
    ("Rust client, 1 in flight", [str(RUST_DRIVER), "{s}", "1", "{p}"], 1, None, 1.25),
    ("Rust client, 8 in flight", [str(RUST_DRIVER), "{s}", "8", "{p}"], 8, None, 1.25),
    ("Rust client, 64 in flight", [str(RUST_DRIVER), "{s}", "64", "{p}"], 64, None, 1.25),
    ("C blocking, 1 thread", [str(C_DRIVER), "{s}", "{p}"], 1, "Rust client, 1 in flight", 1.15),
    (
        "Python Client, 1 thread",
        [sys.executable, __file__, "--driver", "sync", "--in-flight", "1", "{s}", "{p}"],
        1,
        "Rust client, 1 in flight",
        1.15,
    ),
    (
        "Python Client, 8 threads",
        [sys.executable, __file__, "--driver", "sync", "--in-flight", "8", "{s}", "{p}"],
        8,
        "Rust client, 8 in flight",
        1.15,
    ),
    (
        "Python AsyncClient, 64 in flight",
        [sys.executable, __file__, "--driver", "async", "--in-flight", "64", "{s}", "{p}"],
        64,
        "Rust client, 64 in flight",
        1.25,
    ),
]
SANDBOX_TARGET = 1.25


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads, live and exited), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14, stime 15 (1-based over the whole line).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class Sample:
    calls: int
    wall: float
    client_cpu: float
    sandbox_cpu: float

    @property
    def rate(self) -> float:
        return self.calls / self.wall

    @property
    def client_us(self) -> float:
        return self.client_cpu / self.calls * 1e6

    @property
    def sandbox_us(self) -> float:
        return self.sandbox_cpu / self.calls * 1e6


def read_line(stream: IO[str], what: str) -> str:
    line = stream.readline()
    if not line:
        raise SystemExit(f"{what}: the driver stopped before answering (see its error output above)")
    return line.strip()


def measure(command: list[str], env: dict[str, str], sandbox_pid: int) -> Sample:
    child = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        if read_line(child.stdout, command[0]) != "ready":
            raise SystemExit(f"{command}: expected 'ready'")
        client_0, sandbox_0 = cpu_seconds(child.pid), cpu_seconds(sandbox_pid)
        child.stdin.write("go\n")
        child.stdin.flush()
        done = read_line(child.stdout, command[0])
        client_1, sandbox_1 = cpu_seconds(child.pid), cpu_seconds(sandbox_pid)
        child.stdin.write("exit\n")
        child.stdin.close()
        if child.wait(timeout=60) != 0:
            raise SystemExit(f"{command}: exit status {child.returncode}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    words = dict(w.split("=", 1) for w in done.split()[1:])
    return Sample(int(words["calls"]), int(words["wall_ns"]) / 1e9, client_1 - client_0, sandbox_1 - sandbox_0)


def openssl_speed(seconds: int) -> tuple[float, float]:
    """One RSA-2048 sign and one verify, in µs of CPU, from ``openssl speed -mr``."""
    out = subprocess.run(
        ["openssl", "speed", "-mr", "-seconds", str(seconds), "rsa2048"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("+F2:"):
            _, _, _, sign_rate, verify_rate = line.split(":")
            return 1e6 / float(sign_rate), 1e6 / float(verify_rate)
    raise SystemExit(f"openssl speed: no +F2 line in its output:\n{out}")


def start_sandbox(work: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env_file = work / "env"
    sandbox = subprocess.Popen(
        [str(SANDBOX), "--quiet", "--port", "0", "--keys-dir", str(work / "keys"), "--env-file", str(env_file)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (env_file.exists() and env_file.read_text().strip()):
        if sandbox.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the sandbox did not start")
        time.sleep(0.05)
    exports = {}
    for line in env_file.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export ") :].split("=", 1)
            exports[name] = value.strip("'\"")
    return sandbox, exports


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, {platform.python_implementation()} {platform.python_version()}"


def run(seconds: float, rounds: int, openssl_seconds: int, only: list[str]) -> None:
    faces = [f for f in FACES if not only or any(o.lower() in f[0].lower() for o in only)]
    for path in {SANDBOX, *(Path(f[1][0]) for f in faces)}:
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `make bench-cpu`, which builds it")
    samples: dict[str, list[Sample]] = {f[0]: [] for f in faces}
    crypto: list[tuple[float, float]] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="alipay-bench-cpu-") as tmp:
        sandbox, exports = start_sandbox(Path(tmp))
        env = {**os.environ, **exports}
        try:
            for r in range(rounds):
                loads.append(os.getloadavg()[0])
                crypto.append(openssl_speed(openssl_seconds))
                for index, (name, command, _, _, _) in enumerate(faces):
                    prefix = f"cpu-{os.getpid()}-{r}-{index}"
                    args = [a.replace("{s}", str(seconds)).replace("{p}", prefix) for a in command]
                    sample = measure(args, env, sandbox.pid)
                    samples[name].append(sample)
                    print(
                        f"round {r + 1}/{rounds} {name:34} {sample.rate:8.0f} calls/s "
                        f"client {sample.client_us:7.1f} µs/call  sandbox {sample.sandbox_us:7.1f} µs/call",
                        flush=True,
                    )
        finally:
            sandbox.terminate()
            sandbox.wait()
    report(faces, samples, crypto, loads, seconds, rounds)


def report(
    faces: list[tuple[str, list[str], int, str | None, float]],
    samples: dict[str, list[Sample]],
    crypto: list[tuple[float, float]],
    loads: list[float],
    seconds: float,
    rounds: int,
) -> None:
    sign = statistics.median(c[0] for c in crypto)
    verify = statistics.median(c[1] for c in crypto)
    floor = sign + verify
    floors = [c[0] + c[1] for c in crypto]

    def paired(name: str, versus: str | None, sandbox: bool = False) -> float:
        """The median over the rounds of each round's ratio: a face against its reference measured in the same
        round (the floor is that round's openssl), so drift in the machine's speed between rounds cancels out."""
        if versus is not None and versus not in samples:
            return float("nan")
        ratios = []
        for r, sample in enumerate(samples[name]):
            base = floors[r] if versus is None else samples[versus][r].client_us
            ratios.append((sample.sandbox_us if sandbox else sample.client_us) / base)
        return statistics.median(ratios)

    med: dict[str, dict[str, float]] = {
        name: {
            "calls_per_s": statistics.median(s.rate for s in runs),
            "client_us": statistics.median(s.client_us for s in runs),
            "sandbox_us": statistics.median(s.sandbox_us for s in runs),
        }
        for name, runs in samples.items()
    }
    print()
    print(f"machine: {machine()}; load average {min(loads):.1f}-{max(loads):.1f} at the start of each round")
    print(
        f"{rounds} rounds of {seconds:g} s per face; medians; ratios are medians of each round's ratio; "
        "CPU = utime + stime of each process per call"
    )
    print(f"openssl speed rsa2048: sign {sign:.1f} µs + verify {verify:.1f} µs = {floor:.1f} µs (the crypto floor)")
    print()
    header = (
        f"| {'face':34} | {'calls/s':>7} | {'client CPU µs/call':>18} | {'ratio (target)':>32} "
        f"| {'sandbox CPU µs/call':>19} | {'ratio (target)':>22} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    rows = []
    for name, _, in_flight, versus, target in faces:
        m = med[name]
        against = "sign+verify" if versus is None else versus.replace("client, ", "").replace(" in flight", "")
        ratio = paired(name, versus)
        sandbox_ratio = paired(name, None, sandbox=True)
        ok = "met" if ratio <= target else "NOT met"
        sandbox_ok = "met" if sandbox_ratio <= SANDBOX_TARGET else "NOT met"
        print(
            f"| {name:34} | {m['calls_per_s']:7.0f} | {m['client_us']:18.1f} "
            f"| {f'{ratio:.2f}x {against} (<={target}) {ok}':>32} | {m['sandbox_us']:19.1f} "
            f"| {f'{sandbox_ratio:.2f}x (<={SANDBOX_TARGET}) {sandbox_ok}':>22} |"
        )
        rows.append(
            {
                "face": name,
                "in_flight": in_flight,
                **m,
                "compared_with": against,
                "ratio": ratio,
                "target": target,
                "sandbox_ratio": sandbox_ratio,
                "runs": [vars(s) for s in samples[name]],
            }
        )
    out = ROOT / "target/bench/cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "machine": machine(),
        "seconds": seconds,
        "rounds": rounds,
        "load_average": loads,
        "openssl_sign_us": sign,
        "openssl_verify_us": verify,
        "faces": rows,
    }
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n(also in {out.relative_to(ROOT)})")


# --- the Python drivers (run in their own process by the runner) ---


def python_client_kwargs() -> dict[str, Any]:
    return {
        "app_id": os.environ["ALIPAY_APP_ID"],
        "private_key": Path(os.environ["ALIPAY_APP_PRIVATE_KEY_FILE"]),
        "alipay_public_key": Path(os.environ["ALIPAY_PUBLIC_KEY_FILE"]),
        "gateway": os.environ["ALIPAY_GATEWAY_URL"],
    }


def wait_for_go() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def drive_sync(seconds: float, threads: int, prefix: str) -> None:
    from alipay_marketing import Client

    with Client(**python_client_kwargs()) as client:
        for n in range(max(20, threads)):
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"{prefix}-warm-{n}", user_id="2088000000000001")
        wait_for_go()
        counts = [0] * threads
        started = time.monotonic()
        deadline = started + seconds

        def worker(t: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                sent = client.send_voucher(
                    template_id="TPL-FIXED-10", out_biz_no=f"{prefix}-{t}-{n}", user_id="2088000000000001"
                )
                if not sent.voucher_id:
                    raise SystemExit("an answer without a voucher_id")
                n += 1
            counts[t] = n

        if threads == 1:
            worker(0)
        else:
            pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
        wall = time.monotonic() - started
        print(f"done calls={sum(counts)} wall_ns={int(wall * 1e9)}", flush=True)
        sys.stdin.readline()


def drive_async(seconds: float, in_flight: int, prefix: str) -> None:
    from alipay_marketing import AsyncClient

    async def main() -> None:
        async with AsyncClient(**python_client_kwargs()) as client:
            await asyncio.gather(
                *(
                    client.send_voucher(
                        template_id="TPL-FIXED-10", out_biz_no=f"{prefix}-warm-{n}", user_id="2088000000000001"
                    )
                    for n in range(in_flight)
                )
            )
            await asyncio.get_running_loop().run_in_executor(None, wait_for_go)
            started = time.monotonic()
            deadline = started + seconds

            async def worker(t: int) -> int:
                n = 0
                while time.monotonic() < deadline:
                    sent = await client.send_voucher(
                        template_id="TPL-FIXED-10", out_biz_no=f"{prefix}-{t}-{n}", user_id="2088000000000001"
                    )
                    if not sent.voucher_id:
                        raise SystemExit("an answer without a voucher_id")
                    n += 1
                return n

            calls = sum(await asyncio.gather(*(worker(t) for t in range(in_flight))))
            wall = time.monotonic() - started
            print(f"done calls={calls} wall_ns={int(wall * 1e9)}", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time of each measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all faces; medians are shown (default 3)")
    parser.add_argument("--openssl-seconds", type=int, default=3, help="openssl speed -seconds (default 3)")
    parser.add_argument("--only", action="append", default=[], help="only the faces whose name contains this")
    parser.add_argument("--driver", choices=["sync", "async"], help=argparse.SUPPRESS)
    parser.add_argument("--in-flight", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("driver_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver is not None:
        seconds, prefix = float(args.driver_args[0]), args.driver_args[1]
        if args.driver == "sync":
            drive_sync(seconds, args.in_flight, prefix)
        else:
            drive_async(seconds, args.in_flight, prefix)
        return
    run(args.seconds, args.rounds, args.openssl_seconds, args.only)


if __name__ == "__main__":
    main()
