"""Hostile and careless input: never a bare PanicException or UnicodeEncodeError, every error names its field."""

from __future__ import annotations

import asyncio

import pytest
from alipay_marketing import AlipayError, InternalError, _native


@pytest.mark.parametrize("at", ["build", "call"])
def test_a_panic_is_an_alipay_error_never_a_panic_exception(at: str) -> None:
    try:
        _native._panic_for_tests(at)
    except AlipayError as error:
        caught: AlipayError = error
    else:
        pytest.fail("the test hook did not panic")
    assert type(caught) is InternalError and caught.kind == "internal"
    assert "internal error in alipay-marketing" in str(caught) and "test panic" in str(caught)
    assert caught.outcome_unknown is (at == "call")


def test_a_panic_in_an_async_call_is_an_alipay_error() -> None:
    async def run() -> None:
        await _native._panic_for_tests("async")

    with pytest.raises(AlipayError) as caught:
        asyncio.run(run())
    assert type(caught.value) is InternalError
    assert caught.value.outcome_unknown and "send it again with the same idempotency key" in str(caught.value)


def test_the_panic_hook_is_not_part_of_the_package() -> None:
    import alipay_marketing

    assert not hasattr(alipay_marketing, "_panic_for_tests")
    assert "_panic_for_tests" not in alipay_marketing.__all__
