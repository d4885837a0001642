"""After fork, the runtime started by the parent is unusable in the child: calls say so instead of hanging."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os
    from alipay_marketing import ConfigError
    from alipay_marketing.testing import Sandbox

    with Sandbox() as sandbox, sandbox.client() as client:
        client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="parent-1", user_id="2088000000000001")
        pid = os.fork()
        if pid == 0:
            try:
                client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="child-1", user_id="2088000000000001")
            except ConfigError as error:
                os._exit(0 if "fork" in str(error) else 2)
            os._exit(1)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    """
)


def _child_exits_ok(script: str) -> None:
    """Runs `script` in a fresh interpreter and checks that it says its forked child exited with 0."""
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "child exit 0", done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_a_client_used_in_a_forked_child_raises_config_error() -> None:
    _child_exits_ok(SCRIPT)


NEW_CLIENT_SCRIPT = textwrap.dedent(
    """
    import os
    from alipay_marketing.testing import Sandbox

    with Sandbox() as sandbox:
        with sandbox.client() as client:
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="parent-2", user_id="2088000000000001")
        pid = os.fork()
        if pid == 0:
            # A pre-forking server: a client created in the child works.
            try:
                with sandbox.client() as child:
                    result = child.send_voucher(
                        template_id="TPL-FIXED-10", out_biz_no="child-2", user_id="2088000000000001"
                    )
                os._exit(0 if result.voucher_id else 1)
            except BaseException:
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_a_client_created_in_a_forked_child_works() -> None:
    _child_exits_ok(NEW_CLIENT_SCRIPT)


ASYNC_CHILD_SCRIPT = textwrap.dedent(
    """
    import asyncio
    import os
    from alipay_marketing.testing import Sandbox

    async def send(sandbox, out_biz_no):
        async with sandbox.async_client() as client:
            result = await client.send_voucher(
                template_id="TPL-FIXED-10", out_biz_no=out_biz_no, user_id="2088000000000001"
            )
        return result.voucher_id

    with Sandbox() as sandbox:
        # The parent's loop has completed async calls before the fork and is still open: the child's loop must not
        # be given its state (the child gets copies of the parent's descriptors, not its runtime threads).
        parent_loop = asyncio.new_event_loop()
        assert parent_loop.run_until_complete(send(sandbox, "parent-3"))
        pid = os.fork()
        if pid == 0:
            try:
                first = asyncio.run(send(sandbox, "child-3"))
                second = asyncio.run(send(sandbox, "child-4"))
                os._exit(0 if first and second else 1)
            except BaseException:
                import traceback
                traceback.print_exc()
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        assert parent_loop.run_until_complete(send(sandbox, "parent-4"))
        parent_loop.close()
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_async_calls_in_a_forked_child_work_on_its_own_loops() -> None:
    _child_exits_ok(ASYNC_CHILD_SCRIPT)


BUSY_THREAD_SCRIPT = textwrap.dedent(
    """
    import os
    from alipay_marketing import ConfigError
    from alipay_marketing.testing import Sandbox

    def send_many(client, prefix, n):
        return [
            client.send_voucher(template_id="TPL-FIXED-10", out_biz_no=f"{prefix}-{i}", user_id="2088000000000001")
            .voucher_id
            for i in range(n)
        ]

    with Sandbox() as sandbox, sandbox.client() as client:
        # Past its first few calls a thread drives its calls on a runtime and connection pool of its own: the
        # child inherits a copy of both and must not use either.
        assert all(send_many(client, "busy-parent", 6))
        pid = os.fork()
        if pid == 0:
            try:
                try:
                    client.send_voucher(template_id="TPL-FIXED-10", out_biz_no="busy-x", user_id="2088000000000001")
                    os._exit(3)
                except ConfigError as error:
                    if "fork" not in str(error):
                        os._exit(4)
                with sandbox.client() as child:
                    os._exit(0 if all(send_many(child, "busy-child", 6)) else 1)
            except BaseException:
                import traceback
                traceback.print_exc()
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        assert all(send_many(client, "busy-parent-after", 3))
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_a_busy_thread_forks_and_the_child_calls_on_fresh_state() -> None:
    _child_exits_ok(BUSY_THREAD_SCRIPT)
