"""Sharing: threads share one sync client; asyncio calls run concurrently and can be cancelled."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from alipay_marketing import AsyncClient, Client, VoucherSendResult
from alipay_marketing.testing import Sandbox, latency
from conftest import USER


def test_threads_share_one_client(client: Client, alipay_sandbox: Sandbox) -> None:
    def send(n: int) -> str:
        return client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"thread-{n}", user_id=USER).voucher_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(send, range(64)))
    assert len(set(ids)) == 64
    assert alipay_sandbox.state()["calls"]["alipay.marketing.voucher.send"]["outcomes"] == {"10000": 64}


def test_a_waiting_sync_call_releases_the_gil(client: Client, alipay_sandbox: Sandbox) -> None:
    # The slow call waits 800 ms at the gateway. Another thread, started as it begins, makes a quick call of another
    # method: it can only finish first if the waiting call released the GIL.
    alipay_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(800)])
    finished: list[str] = []
    starting = threading.Event()

    def quick() -> None:
        starting.wait()
        client.receive_invite_award(user_id=USER, out_biz_no="gil-quick")
        finished.append("quick")

    other = threading.Thread(target=quick)
    other.start()
    starting.set()
    client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="gil-slow", user_id=USER)
    finished.append("slow")
    other.join()
    assert finished == ["quick", "slow"]


@pytest.mark.asyncio
async def test_async_calls_run_concurrently(alipay_sandbox: Sandbox) -> None:
    async with alipay_sandbox.async_client() as client:
        results = await asyncio.gather(
            *(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"async-{n}", user_id=USER) for n in range(32))
        )
    assert all(isinstance(r, VoucherSendResult) for r in results)
    assert len({r.voucher_id for r in results}) == 32


@pytest.mark.asyncio
async def test_cancelling_an_awaiting_call_raises_cancelled_error(own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(1500)])
    client = own_sandbox.async_client(timeout=60)
    task = asyncio.ensure_future(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="cancel-1", user_id=USER))
    while client.stats().in_flight == 0:
        await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The client is still usable after a cancelled call.
    result = await client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="cancel-2", user_id=USER)
    assert result.voucher_id
    await client.aclose()
    assert client.closed


@pytest.mark.asyncio
async def test_wait_for_timeout_cancels_the_call(own_sandbox: Sandbox) -> None:
    own_sandbox.arm_faults(method="alipay.marketing.voucher.send", script=[latency(1500)])
    async with own_sandbox.async_client(timeout=60) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="cancel-3", user_id=USER), 0.2
            )


def test_an_async_client_can_be_used_from_several_event_loops(alipay_sandbox: Sandbox) -> None:
    client: AsyncClient = alipay_sandbox.async_client()
    for n in range(3):
        result = asyncio.run(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"loop-{n}", user_id=USER))
        assert result.voucher_id
    client.close()


def test_loops_running_at_once_in_two_threads_each_get_their_own_answers(alipay_sandbox: Sandbox) -> None:
    client: AsyncClient = alipay_sandbox.async_client()

    async def batch(name: str) -> list[str]:
        results = await asyncio.gather(
            *(
                client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"{name}-{n}", user_id=USER)
                for n in range(16)
            )
        )
        return [r.voucher_id for r in results]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda name: asyncio.run(batch(name)), ["loop-a", "loop-b"])
    assert len(first) == len(second) == 16
    assert len(set(first) | set(second)) == 32
    client.close()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_closed_loops_do_not_keep_file_descriptors(alipay_sandbox: Sandbox) -> None:
    client: AsyncClient = alipay_sandbox.async_client()

    def one_loop(n: int) -> None:
        result = asyncio.run(client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"fds-{n}", user_id=USER))
        assert result.voucher_id

    for n in range(3):
        one_loop(n)
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    for n in range(3, 23):
        one_loop(n)
    gc.collect()
    # Each loop's wake-up socket pair is closed once the loop is: 20 loops that kept theirs would hold 40 more.
    assert len(os.listdir("/proc/self/fd")) - before < 10
    client.close()
