"""SPEC §9 at the queue, on both databases: a row the database refuses fails alone, and the duplicate
window slides from each body's first arrival."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.crypto import SecretBox
from adapters.sql.engine import create_engine, migrate
from adapters.sql.hooks import SqlHooks
from adapters.sql.queue import SqlDeliveryQueue
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import HookSettings
from tests.conftest import SECRET_KEY

T0 = datetime(2026, 12, 1, 10, 9, 59, tzinfo=UTC)  # a second before a fixed 10-minute bucket would end


async def with_queue(database_url: str, scenario: object) -> list[object]:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        hooks = SqlHooks(engine, SecretBox(SECRET_KEY))
        hook = new_hook("T0TEAM001", "C0DEPLOYS", "deploys", HookSettings(), "U0ADMIN01")
        await hooks.add(hook)
        queue = SqlDeliveryQueue(engine, hooks)
        try:
            return await scenario(queue, hook)  # type: ignore[operator,no-any-return]
        finally:
            await queue.close()
    finally:
        await engine.dispose()


def test_a_row_the_database_refuses_fails_alone_in_its_batch(database_url: str) -> None:
    async def scenario(queue: SqlDeliveryQueue, hook: object) -> list[object]:
        def add(key: str, body: str) -> Awaitable[bool]:
            return queue.add(hook, "SLACK", body, key, "message", T0, verified=True)  # type: ignore[arg-type]

        # Added together: one group commit. A lone surrogate is no text any database stores.
        additions = [add("a", '{"text": "a"}'), add("bad", '{"text": "\ud800"}'), add("b", '{"text": "b"}')]
        answers = await asyncio.gather(*additions, return_exceptions=True)
        stored = await queue.recent("T0TEAM001", "C0DEPLOYS", 10)
        return [*answers, sorted(record.summary + str(record.id > 0) for record in stored)]

    first, bad, second, stored = asyncio.run(with_queue(database_url, scenario))
    assert (first, second) == (True, True)
    assert isinstance(bad, Exception)
    assert stored == ["messageTrue", "messageTrue"]


@pytest.mark.parametrize(
    ("after", "duplicate"),
    [
        (timedelta(seconds=2), True),  # across a fixed bucket's edge: still within 10 minutes of the first
        (timedelta(minutes=9, seconds=59), True),
        (timedelta(minutes=10, seconds=1), False),
    ],
)
def test_the_duplicate_window_slides_from_the_first(
    database_url: str, after: timedelta, duplicate: bool
) -> None:
    async def scenario(queue: SqlDeliveryQueue, hook: object) -> list[object]:
        async def add(at: datetime) -> bool:
            return await queue.add(hook, "SLACK", "{}", "body:same", "m", at, verified=True)  # type: ignore[arg-type]

        return [await add(T0), await add(T0 + after), await add(T0 + after + timedelta(minutes=5))]

    first, again, later = asyncio.run(with_queue(database_url, scenario))
    assert first is True
    assert again is (not duplicate)
    # The window runs from the copy that was stored: the first, or the second once the first had expired.
    stored_last = T0 if duplicate else T0 + after
    assert later is (T0 + after + timedelta(minutes=5) - stored_last >= timedelta(minutes=10))
