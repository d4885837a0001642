"""Benchmarks of the Python face, all in one run against one in-process sandbox.

1. Per-call overhead: sequential ``Client.send_voucher`` calls vs the same calls made by the Rust core directly
   (same core client, same shared runtime, same sandbox; ``_native.rust_baseline``), µs per call.
2. Throughput: ``AsyncClient`` at concurrency 64 vs Rust tasks at 64; the sync ``Client`` on 8 threads vs Rust on 8
   threads; calls per second.
3. In-process signing of a voucher.send request (validate, build, sign with RSA2): ``Client.prepare`` vs the official
   ``alipay-sdk-python`` (``DefaultAlipayClient.sdk_execute``) and ``python-alipay-sdk`` (``AliPay.client_api``).
4. ``import alipay_marketing`` time in a fresh interpreter.

Every figure is the median of several rounds. Run with ``make bench-python`` (release build, installs the two other
SDKs into the venv), or ``python bench/python/run.py [--quick]`` in a venv that has them. Results are also written
to ``target/bench/python.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from alipay_marketing import AsyncClient, Client, _native
from alipay_marketing.testing import DEFAULT_USER_ID, Sandbox

TEMPLATE = "TPL-FIXED-10"
VOUCHER = "alipay.marketing.voucher.send"


def median(values: list[float]) -> float:
    return statistics.median(values)


def send_sequential(client: Client, calls: int, prefix: str) -> float:
    started = time.perf_counter()
    for n in range(calls):
        client.send_voucher(template_id=TEMPLATE, out_biz_no=f"{prefix}-{n}", user_id=DEFAULT_USER_ID)
    return time.perf_counter() - started


def send_threads(client: Client, calls: int, threads: int, prefix: str) -> float:
    def worker(w: int) -> None:
        for n in range(w, calls, threads):
            client.send_voucher(template_id=TEMPLATE, out_biz_no=f"{prefix}-{n}", user_id=DEFAULT_USER_ID)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        started = time.perf_counter()
        list(pool.map(worker, range(threads)))
        return time.perf_counter() - started


async def send_async(client: AsyncClient, calls: int, concurrency: int, prefix: str) -> float:
    async def worker(w: int) -> None:
        for n in range(w, calls, concurrency):
            await client.send_voucher(template_id=TEMPLATE, out_biz_no=f"{prefix}-{n}", user_id=DEFAULT_USER_ID)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return time.perf_counter() - started


def rust(client: Client | _native.AsyncClient, mode: str, workers: int, calls: int, prefix: str) -> float:
    # Only in a module built with the `bench` feature (`make bench-python` builds one); never in the wheel.
    baseline: Callable[..., float] | None = getattr(_native, "rust_baseline", None)
    if baseline is None:
        raise SystemExit("this alipay_marketing was built without the bench feature; run `make bench-python`")
    return baseline(
        client,
        mode=mode,
        workers=workers,
        calls=calls,
        template_id=TEMPLATE,
        user_id=DEFAULT_USER_ID,
        prefix=prefix,
    )


def bench_overhead(sandbox: Sandbox, rounds: int, calls: int) -> dict[str, float]:
    """Sequential calls, Rust and Python interleaved in small batches so that drift in the machine's load hits
    both alike; the overhead is the median over batches of the per-call difference."""
    batch = 50
    with sandbox.client(retry=None) as client:
        send_sequential(client, batch * 4, "warm-py")
        rust(client, "sequential", 1, batch * 4, "warm-rs")
        rust_us, py_us, overhead_us = [], [], []
        for r in range(rounds):
            sandbox.reset()
            for b in range(calls // batch):
                r_s = rust(client, "sequential", 1, batch, f"rs-{r}-{b}")
                p_s = send_sequential(client, batch, f"py-{r}-{b}")
                rust_us.append(r_s / batch * 1e6)
                py_us.append(p_s / batch * 1e6)
                overhead_us.append((p_s - r_s) / batch * 1e6)
    return {
        "rust_us_per_call": median(rust_us),
        "python_us_per_call": median(py_us),
        "overhead_us_per_call": median(overhead_us),
    }


def bench_async(sandbox: Sandbox, rounds: int, calls: int, concurrency: int) -> dict[str, float]:
    """Both sides drive the same core client (one connection pool), warmed up at the same concurrency."""
    rust_cps, py_cps = [], []
    client = sandbox.async_client(retry=None)
    core = client._native
    asyncio.run(send_async(client, calls // 4, concurrency, "warm-a"))
    rust(core, "tasks", concurrency, calls // 4, "warm-rt")
    for r in range(rounds):
        sandbox.reset()
        rust_cps.append(calls / rust(core, "tasks", concurrency, calls, f"rt-{r}"))
        py_cps.append(calls / asyncio.run(send_async(client, calls, concurrency, f"pa-{r}")))
    client.close()
    return {
        "rust_calls_per_s": median(rust_cps),
        "python_calls_per_s": median(py_cps),
        "ratio": median(py_cps) / median(rust_cps),
    }


def bench_threads(sandbox: Sandbox, rounds: int, calls: int, threads: int) -> dict[str, float]:
    rust_cps, py_cps = [], []
    with sandbox.client(retry=None) as client:
        send_threads(client, calls // 4, threads, "warm-t")
        rust(client, "threads", threads, calls // 4, "warm-rth")
        for r in range(rounds):
            sandbox.reset()
            rust_cps.append(calls / rust(client, "threads", threads, calls, f"rth-{r}"))
            py_cps.append(calls / send_threads(client, calls, threads, f"pth-{r}"))
    return {
        "rust_calls_per_s": median(rust_cps),
        "python_calls_per_s": median(py_cps),
        "ratio": median(py_cps) / median(rust_cps),
    }


def per_call_us(fn: Callable[[int], object], calls: int, rounds: int) -> float:
    fn(0)
    times = []
    for r in range(rounds):
        started = time.perf_counter()
        for n in range(calls):
            fn(r * calls + n)
        times.append((time.perf_counter() - started) / calls * 1e6)
    return median(times)


def pkcs1_body(private_pem: str) -> str:
    """The bare PKCS#1 base64 the official SDK expects (it adds the RSA PRIVATE KEY markers itself)."""
    rsa_key: Any = importlib.import_module("Cryptodome.PublicKey.RSA")
    pem: bytes = rsa_key.import_key(private_pem).export_key(format="PEM", pkcs=1)
    return "".join(pem.decode().strip().splitlines()[1:-1])


def bench_signing(sandbox: Sandbox, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    biz = {"template_id": TEMPLATE, "user_id": DEFAULT_USER_ID}
    with sandbox.client() as client:
        results["alipay_marketing_us"] = per_call_us(
            lambda n: client.prepare(VOUCHER, template_id=TEMPLATE, out_biz_no=f"sign-{n}", user_id=DEFAULT_USER_ID),
            2000,
            rounds,
        )
    try:
        config_mod: Any = importlib.import_module("alipay.aop.api.AlipayClientConfig")
        client_mod: Any = importlib.import_module("alipay.aop.api.DefaultAlipayClient")
        request_mod: Any = importlib.import_module("alipay.aop.api.request.AlipayMarketingVoucherSendRequest")
        model_mod: Any = importlib.import_module("alipay.aop.api.domain.AlipayMarketingVoucherSendModel")
        config = config_mod.AlipayClientConfig()
        config.server_url = sandbox.url
        config.app_id = sandbox.app_id
        config.app_private_key = pkcs1_body(sandbox.app_private_key)
        config.alipay_public_key = "".join(sandbox.alipay_public_key.strip().splitlines()[1:-1])
        official = client_mod.DefaultAlipayClient(alipay_client_config=config)

        def official_sign(n: int) -> object:
            model = model_mod.AlipayMarketingVoucherSendModel()
            model.template_id = TEMPLATE
            model.out_biz_no = f"sign-{n}"
            model.user_id = DEFAULT_USER_ID
            return official.sdk_execute(request_mod.AlipayMarketingVoucherSendRequest(biz_model=model))

        results["alipay_sdk_python_us"] = per_call_us(official_sign, 20, rounds)
        results["ratio_vs_alipay_sdk_python"] = results["alipay_sdk_python_us"] / results["alipay_marketing_us"]
    except ImportError as missing:
        results["alipay_sdk_python_us"] = f"not installed ({missing})"
    try:
        alipay_mod: Any = importlib.import_module("alipay")
        other = alipay_mod.AliPay(
            appid=sandbox.app_id,
            app_private_key_string=sandbox.app_private_key,
            alipay_public_key_string=sandbox.alipay_public_key,
            sign_type="RSA2",
        )
        results["python_alipay_sdk_us"] = per_call_us(
            lambda n: other.client_api(VOUCHER, biz_content={**biz, "out_biz_no": f"sign-{n}"}), 200, rounds
        )
        results["ratio_vs_python_alipay_sdk"] = results["python_alipay_sdk_us"] / results["alipay_marketing_us"]
    except (ImportError, AttributeError) as missing:
        results["python_alipay_sdk_us"] = f"not installed ({missing})"
    return results


def bench_import(runs: int) -> dict[str, float]:
    code = "import time; t = time.perf_counter(); import alipay_marketing; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        times.append(float(out) * 1e3)
    return {"import_ms": median(times), "import_ms_max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds (a smoke run)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 5
    scale = 4 if args.quick else 1

    report: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }
    with Sandbox() as sandbox:
        report["overhead"] = bench_overhead(sandbox, rounds, 2000 // scale)
        report["async_64"] = bench_async(sandbox, rounds, 4000 // scale, 64)
        report["threads_8"] = bench_threads(sandbox, rounds, 4000 // scale, 8)
        report["signing"] = bench_signing(sandbox, rounds)
    report["import"] = bench_import(15 if not args.quick else 5)

    out = Path("target/bench/python.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))

    o, a, t, s, i = report["overhead"], report["async_64"], report["threads_8"], report["signing"], report["import"]
    print(f"# Python face benchmarks ({report['python']}, {report['machine']}): medians of {rounds} rounds")
    print(
        f"per-call, sequential     rust {o['rust_us_per_call']:8.1f} µs   python {o['python_us_per_call']:8.1f} µs"
        f"   overhead {o['overhead_us_per_call']:6.1f} µs/call"
    )
    print(
        f"AsyncClient, 64 in flight rust {a['rust_calls_per_s']:8.0f}/s    python {a['python_calls_per_s']:8.0f}/s"
        f"    ratio {a['ratio']:.2f}"
    )
    print(
        f"Client, 8 threads        rust {t['rust_calls_per_s']:8.0f}/s    python {t['python_calls_per_s']:8.0f}/s"
        f"    ratio {t['ratio']:.2f}"
    )
    print(f"signing voucher.send     alipay_marketing {s['alipay_marketing_us']:8.1f} µs")
    for name, key, ratio in [
        ("alipay-sdk-python", "alipay_sdk_python_us", "ratio_vs_alipay_sdk_python"),
        ("python-alipay-sdk", "python_alipay_sdk_us", "ratio_vs_python_alipay_sdk"),
    ]:
        value = s[key]
        if isinstance(value, float):
            print(f"                         {name:17} {value:8.1f} µs  ({s[ratio]:.1f}x slower)")
        else:
            print(f"                         {name:17} {value}")
    print(f"import alipay_marketing  {i['import_ms']:.1f} ms (max {i['import_ms_max']:.1f} ms)")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
