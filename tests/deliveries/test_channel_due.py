"""A channel's `due_at` stays exact when a delivery to it is stored while its last post is recorded: the
post's record waits for the delivery's transaction and then sees it, so the delivery is claimed next
rather than stranded until another one comes (PostgreSQL, where the two can overlap)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from adapters.sql.delivery_writes import STORED_COLUMNS, new_delivery
from adapters.sql.queue import SqlDeliveryQueue
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.ports import DeliveryState
from bot.subscriptions.hooks import Hook
from tests.deliveries.test_untrusted_queue import with_queue

NOW = datetime.now(UTC)


async def _blocked_on_a_lock(connection: asyncpg.Connection) -> None:
    """Until another session of this database waits for a row lock (the post's record)."""
    for _ in range(200):
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the post's record never waited for the delivery being stored")


def test_a_delivery_stored_while_a_post_is_recorded_is_claimed_next(postgres_database_url: str) -> None:
    async def scenario(queue: SqlDeliveryQueue, hook: Hook) -> list[object]:
        await queue.add(hook, DeliveryKind.SLACK, '{"text": "first"}', "first", "first", NOW, verified=True)
        first = await queue.claim(NOW, 60)
        assert first is not None
        # Another request stores a second delivery to the channel, its transaction still open (its
        # trigger has locked the channel's row) while the courier records the first as posted.
        second = new_delivery(
            hook, DeliveryKind.SLACK, '{"text": "second"}', "second", "second", NOW, verified=True
        )
        columns = ", ".join(STORED_COLUMNS)
        values = ", ".join(f"${n}" for n in range(1, len(STORED_COLUMNS) + 1))
        url = postgres_database_url.replace("postgresql+asyncpg://", "postgresql://")
        storing = await asyncpg.connect(url)
        try:
            async with storing.transaction():
                await storing.execute(
                    f"INSERT INTO deliveries ({columns}) VALUES ({values})",  # noqa: S608
                    *[second[name] for name in STORED_COLUMNS],
                )
                posting = asyncio.create_task(
                    queue.posted(first.id, "1.0", DeliveryState.POSTED, None, NOW, NOW)
                )
                await _blocked_on_a_lock(storing)
            await posting
            due = await storing.fetchval("SELECT due_at FROM channels")
        finally:
            await storing.close()
        claimed = await queue.claim(NOW + timedelta(seconds=1), 60)
        return [due, claimed.body if claimed else None]

    due, claimed = asyncio.run(with_queue(postgres_database_url, scenario))
    assert due is not None  # was None: the record read the waiting deliveries before the second committed
    assert claimed == {"text": "second"}
