"""Campaign benchmarks against the release sandbox, in one run (`make bench-campaign`):

1. throughput: a campaign of THROUGHPUT_ROWS voucher rows vs a bare loop of the same client calls at the same
   concurrency (campaign/examples/bare_loop.rs), alternating, median of ROUNDS (target: campaign ≥ 0.95× the loop);
2. memory: peak RSS of `campaign check` over a MILLION-row file and of `campaign run` sending SEND_ROWS rows
   (target: under 64 MiB each);
3. resume: a MILLION-row journal stopped after its first sends; how long a new `campaign run` takes from its start
   to its first answer (target: within 2 s).

Peak RSS is the kernel's own count for each process (wait4's ru_maxrss). Sizes can be lowered for a quick look:
`BENCH_MILLION=100000 BENCH_SEND_ROWS=10000 make bench-campaign`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "bench-campaign"
RELEASE = ROOT / "target" / "release"
MILLION = int(os.environ.get("BENCH_MILLION", "1000000"))
SEND_ROWS = int(os.environ.get("BENCH_SEND_ROWS", "100000"))
THROUGHPUT_ROWS = int(os.environ.get("BENCH_THROUGHPUT_ROWS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = 16
USERS = 100_000
MIB = 1024 * 1024


def user(n: int) -> str:
    return f"2088{700_000_000 + n % USERS:012d}"


def write_rows(path: Path, rows: int, tag: str) -> Path:
    with path.open("w") as out:
        out.write("user_id,memo\n")
        for n in range(rows):
            out.write(f"{user(n)},{tag} {n}\n")
    return path


def build() -> None:
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "--quiet", "-p", "alipay-marketing-sandbox", "--bin",
         "alipay-sandbox", "-p", "alipay-marketing-campaign", "--bin", "alipay-marketing", "--example",
         "bare_loop"],
        cwd=ROOT,
        check=True,
    )


def start_sandbox() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    scenario = WORK / "scenario.toml"
    with scenario.open("w") as out:
        out.write((ROOT / "sandbox" / "scenarios" / "default.toml").read_text())
        for n in range(USERS):
            out.write(f'\n[[users]]\nuser_id = "{user(n)}"\n')
    env_file = WORK / "sandbox.env"
    env_file.unlink(missing_ok=True)
    sandbox = subprocess.Popen(
        [str(RELEASE / "alipay-sandbox"), "--quiet", "--scenario", str(scenario), "--keys-dir",
         str(WORK / "keys"), "--env-file", str(env_file)],
        stdout=subprocess.PIPE,
    )
    assert sandbox.stdout is not None
    sandbox.stdout.readline()  # the sandbox prints its address once it listens
    deadline = time.monotonic() + 60
    while not env_file.exists() or not env_file.read_text().endswith("\n"):
        assert time.monotonic() < deadline, "the sandbox wrote no env file"
        time.sleep(0.05)
    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value.strip("'")
    return sandbox, env


def wait_rss(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> tuple[int, float]:
    """Waits for `process`; returns its exit code and its peak RSS in MiB."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024 / MIB


def campaign(env: dict[str, str], *args: str, stderr: int | IO[str] = subprocess.DEVNULL) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(RELEASE / "alipay-marketing"), "campaign", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def run_args(path: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--method", "voucher.send", "--template-id", "TPL-FIXED-10", "--concurrency",
            str(CONCURRENCY), "--out-dir", str(out), *extra, str(path)]


def throughput(env: dict[str, str]) -> tuple[float, float, float]:
    """Median rows/s of the bare loop, of the whole campaign run (loading the journal included), and of its
    sending phase: from its first progress line (printed once the rows are loaded, before the first send) to its
    exit (the results and summary written)."""
    bare, whole, sending = [], [], []
    for r in range(ROUNDS):
        path = write_rows(WORK / f"throughput-{r}.csv", THROUGHPUT_ROWS, f"round {r}")
        out = subprocess.run(
            [str(RELEASE / "examples" / "bare_loop"), str(path), str(CONCURRENCY), str(r)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        seconds = re.search(r"seconds=([\d.]+)", out)
        assert seconds, out
        bare.append(THROUGHPUT_ROWS / float(seconds.group(1)))
        started = time.monotonic()
        process = campaign(env, *run_args(path, WORK / f"throughput-{r}", "--log-interval", "3600"),
                           stderr=subprocess.PIPE)
        assert process.stderr is not None
        sending_from = None
        for line in process.stderr:
            if sending_from is None and line.startswith("progress:"):
                sending_from = time.monotonic()
        code, _ = wait_rss(process)
        ended = time.monotonic()
        assert code == 0 and sending_from is not None, f"campaign run exited {code}"
        whole.append(THROUGHPUT_ROWS / (ended - started))
        sending.append(THROUGHPUT_ROWS / (ended - sending_from))
    return statistics.median(bare), statistics.median(whole), statistics.median(sending)


def first_answer_after_start(env: dict[str, str], path: Path, out: Path) -> tuple[float, subprocess.Popen[str]]:
    """Starts `campaign run` and returns the seconds until its progress shows a row answered in this run."""
    started = time.monotonic()
    process = campaign(env, *run_args(path, out, "--log-interval", "0.05"), stderr=subprocess.PIPE)
    assert process.stderr is not None
    finished_at_start = None
    for line in process.stderr:
        match = re.match(r"progress: (\d+)/\d+ finished", line)
        if not match:
            continue
        finished = int(match.group(1))
        if finished_at_start is None:
            finished_at_start = finished
        elif finished > finished_at_start:
            return time.monotonic() - started, process
    raise AssertionError("the campaign ended without answering a row")


def stop(process: subprocess.Popen[str]) -> tuple[int, float]:
    process.send_signal(signal.SIGINT)  # the first Ctrl-C: finish the calls in flight, then stop
    assert process.stderr is not None
    for _ in process.stderr:
        pass
    return wait_rss(process)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)  # journals of an earlier run would be resumed, or refused
    WORK.mkdir(parents=True)
    build()
    sandbox, env = start_sandbox()
    try:
        bare, whole, sending = throughput(env)

        million = write_rows(WORK / "million.csv", MILLION, "million")
        code, check_rss = wait_rss(campaign(env, "check", "--method", "voucher.send", "--template-id",
                                            "TPL-FIXED-10", str(million)))
        assert code == 0, f"campaign check exited {code}"

        sends = write_rows(WORK / "sends.csv", SEND_ROWS, "sends")
        started = time.monotonic()
        code, send_rss = wait_rss(campaign(env, *run_args(sends, WORK / "sends", "--quiet")))
        assert code == 0, f"campaign run exited {code}"
        send_rate = SEND_ROWS / (time.monotonic() - started)

        # A million-row journal: loaded by a first run stopped after its first answers, then resumed.
        resume_dir = WORK / "resume"
        load_started = time.monotonic()
        _, first = first_answer_after_start(env, million, resume_dir)
        load_seconds = time.monotonic() - load_started
        _, first_rss = stop(first)
        resume_seconds, second = first_answer_after_start(env, million, resume_dir)
        _, resume_rss = stop(second)
    finally:
        sandbox.terminate()
        sandbox.wait()

    cpus = os.cpu_count()
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    print(f"machine: {cpus} CPUs, {model}")
    print(f"throughput, {THROUGHPUT_ROWS} rows at concurrency {CONCURRENCY}, median of {ROUNDS}:")
    print(f"  bare loop {bare:.0f} rows/s; campaign sending {sending:.0f} rows/s "
          f"(ratio {sending / bare:.3f}, target ≥ 0.95); whole run incl. loading the journal {whole:.0f} rows/s "
          f"(ratio {whole / bare:.3f})")
    print(f"peak RSS: check over {MILLION} rows {check_rss:.1f} MiB; run sending {SEND_ROWS} rows {send_rss:.1f} MiB "
          f"({send_rate:.0f} rows/s); loading {MILLION} rows then stopping {first_rss:.1f} MiB; resuming "
          f"{resume_rss:.1f} MiB (target < 64 MiB)")
    print(f"resume: a {MILLION}-row journal answered its first row {resume_seconds:.2f} s after `campaign run` "
          f"started (target ≤ 2 s); the first run loaded it and answered its first row in {load_seconds:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
