"""pytest fixtures for testing code that uses ``alipay_marketing``, offline.

Installed as a pytest plugin with the package (entry point ``pytest11``), so the fixtures are there in any test:

- ``alipay_sandbox_session``: one :class:`~alipay_marketing.testing.Sandbox` for the whole session;
- ``alipay_sandbox``: that sandbox, reset to its starting world with no faults before each test;
- ``alipay_client`` / ``alipay_async_client``: a client configured for it, closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._native import Client
from .async_client import AsyncClient
from .testing import Sandbox


@pytest.fixture(scope="session")
def alipay_sandbox_session() -> Iterator[Sandbox]:
    """One sandbox for the whole test session."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def alipay_sandbox(alipay_sandbox_session: Sandbox) -> Sandbox:
    """The session's sandbox, reset to its starting world with no faults armed."""
    alipay_sandbox_session.reset()
    return alipay_sandbox_session


@pytest.fixture
def alipay_client(alipay_sandbox: Sandbox) -> Iterator[Client]:
    """A sync client for the sandbox."""
    with alipay_sandbox.client() as client:
        yield client


@pytest.fixture
def alipay_async_client(alipay_sandbox: Sandbox) -> Iterator[AsyncClient]:
    """An asyncio client for the sandbox (closed after the test)."""
    client = alipay_sandbox.async_client()
    yield client
    client.close()
