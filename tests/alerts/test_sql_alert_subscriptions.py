"""A channel's alert subscription on both databases: one per channel, whatever runs at once; a row left
by a revoked hook holds no channel; a database that already holds two for a channel keeps the first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from adapters.sql.alerts import SqlAlertSubscriptions
from adapters.sql.engine import create_engine, migrate
from adapters.sql.tables import alert_subscriptions, hooks
from bot.alerts.filters import AlertFilters
from bot.alerts.ports import AlertSubscription

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def _hook(hook_id: str, channel_id: str, revoked: bool = False) -> dict[str, object]:
    return {
        "id": hook_id,
        "team_id": "T1",
        "channel_id": channel_id,
        "secret": "v1.sealed",
        "created_at": NOW,
        "revoked_at": NOW if revoked else None,
        "kind": "alerts",
    }


def _subscription(hook_id: str, channel_id: str = "C1") -> AlertSubscription:
    return AlertSubscription(hook_id, "T1", channel_id, AlertFilters(), None, "U1")


def test_ten_subscribes_at_once_keep_one_and_a_revoked_hooks_row_holds_no_channel(database_url: str) -> None:
    async def scenario() -> tuple[list[bool], list[str], bool, bool, bool]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            store = SqlAlertSubscriptions(engine)
            async with engine.begin() as connection:
                for n in range(10):
                    await connection.execute(insert(hooks).values(_hook(f"h{n}", "C1")))
                await connection.execute(insert(hooks).values(_hook("old", "C2")))
            added = await asyncio.gather(*(store.add(_subscription(f"h{n}"), NOW) for n in range(10)))
            kept = [s.hook_id for s in await store.of_team("T1")]
            # A hook revoked, its row still there (a stop between the two): the channel is free again.
            assert await store.add(_subscription("old", "C2"), NOW)
            async with engine.begin() as connection:
                await connection.execute(hooks.update().where(hooks.c.id == "old").values(revoked_at=NOW))
                await connection.execute(insert(hooks).values(_hook("new", "C2")))
            again = await store.add(_subscription("new", "C2"), NOW)
            # Unsubscribed while being subscribed: its receiver finds no row to join.
            removed = await store.remove("new")
            attached = await store.attach("new", "0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f")
            return list(added), kept, again, removed, attached
        finally:
            await engine.dispose()

    added, kept, again, removed, attached = asyncio.run(scenario())
    assert added.count(True) == 1
    assert kept == [f"h{added.index(True)}"]
    assert again is True
    assert removed is True
    assert attached is False


def test_a_channel_with_two_subscriptions_keeps_the_first_when_migrated(database_url: str) -> None:
    async def scenario() -> tuple[list[str], dict[str, bool]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine, "0018")
            async with engine.begin() as connection:
                for hook in (_hook("first", "C1"), _hook("second", "C1"), _hook("gone", "C2", revoked=True)):
                    await connection.execute(insert(hooks).values(hook))
                later = NOW + timedelta(minutes=1)  # "second" came after "first", stored before it
                for hook_id, channel_id, created in (
                    ("second", "C1", later),
                    ("first", "C1", NOW),
                    ("gone", "C2", NOW),
                ):
                    row = {"hook_id": hook_id, "team_id": "T1", "channel_id": channel_id, "filters": "{}"}
                    await connection.execute(
                        insert(alert_subscriptions).values({**row, "created_at": created})
                    )
            await migrate(engine)
            async with engine.connect() as connection:
                rows = (await connection.execute(select(alert_subscriptions.c.hook_id))).scalars().all()
                revoked = {
                    row.id: row.revoked_at is not None
                    for row in await connection.execute(select(hooks.c.id, hooks.c.revoked_at))
                }
            return list(rows), revoked
        finally:
            await engine.dispose()

    rows, revoked = asyncio.run(scenario())
    assert rows == ["first"]
    assert revoked == {"first": False, "second": True, "gone": True}
