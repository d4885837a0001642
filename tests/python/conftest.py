"""Shared fixtures: the sandbox comes from the package's own pytest plugin (``alipay_sandbox``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from alipay_marketing import Client
from alipay_marketing.testing import Sandbox
from pg_server import PgServer

USER = "2088000000000001"
FROZEN_USER = "2088000000000002"
MOBILE = "13800000001"
STAMP_CARD = "STAMP-CARD-01"


def total_calls(sandbox: Sandbox) -> int:
    """How many calls reached the sandbox's gateway."""
    total: int = sandbox.state()["total_calls"]
    return total


class Calls:
    """Makes client calls by method name through the sync `Client` or the `AsyncClient` (run on asyncio), so one
    test body checks both faces."""

    def __init__(self, sandbox: Sandbox, mode: str, **options: Any) -> None:
        self.sandbox = sandbox
        self.mode = mode
        self.options = options

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            with self.sandbox.client(**self.options) as client:
                return getattr(client, name)(*args, **kwargs)

        async def run() -> Any:
            async with self.sandbox.async_client(**self.options) as client:
                return await getattr(client, name)(*args, **kwargs)

        return asyncio.run(run())

    def with_options(self, **options: Any) -> Calls:
        """The same face with other client options (e.g. ``retry=None``)."""
        return Calls(self.sandbox, self.mode, **{**self.options, **options})


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest, alipay_sandbox: Sandbox) -> Calls:
    """Each test using it runs twice: through `Client` and through `AsyncClient`."""
    mode: str = request.param
    return Calls(alipay_sandbox, mode)


@pytest.fixture
def own_sandbox() -> Iterator[Sandbox]:
    """A sandbox of this test's own, for tests that leave slow calls running in it (latency faults): stopping it
    waits for them, so they cannot reach the next test's shared sandbox."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(params=["sync", "async"])
def own_call(request: pytest.FixtureRequest, own_sandbox: Sandbox) -> Calls:
    """`call`, on this test's own sandbox."""
    mode: str = request.param
    return Calls(own_sandbox, mode)


@pytest.fixture
def client(alipay_sandbox: Sandbox) -> Iterator[Client]:
    """A sync client for the sandbox."""
    with alipay_sandbox.client() as c:
        yield c


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session (skipped when PostgreSQL is not installed, failed under CI)."""
    server = PgServer.start()
    yield server
    server.stop()


CallFactory = Callable[..., Any]
