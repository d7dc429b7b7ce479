"""A channel's next delivery is found without reading its history or every delivery waiting in it: a
claim reads the channel's unfinished deliveries only (30 days of posted ones are kept), and the time its
next one is due is two index probes, however many wait. Counted in the database's own work (rows read on
PostgreSQL, steps of SQLite's engine), never in seconds; and the next due time stays right."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy
from sqlalchemy import insert, text

from adapters.crypto import SecretBox
from adapters.sql import queue as sql_queue
from adapters.sql import queue_statements as statements
from adapters.sql.engine import create_engine, migrate
from adapters.sql.hooks import SqlHooks
from adapters.sql.postgres_queue import CLAIM, POSTED_CARD, RECORD_POST
from adapters.sql.tables import deliveries
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.ports import DeliveryState
from bot.subscriptions.hooks import Hook, new_hook
from bot.subscriptions.options import HookSettings
from tests.conftest import SECRET_KEY
from tests.deliveries.test_untrusted_queue import with_queue

T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TEAM = "T0TEAM001"


def _rows(hook: Hook, state: str, count: int, start: int) -> list[dict[str, Any]]:
    return [
        {
            "hook_id": hook.id,
            "team_id": TEAM,
            "channel_id": hook.channel_id,
            "kind": "SLACK",
            "dedup_key": f"d{start + n}",
            "body": '{"text": "x"}',
            "summary": "x",
            "received_at": T,
            "state": state,
            "attempts": 0,
            "next_attempt_at": T,
            "verified": True,
        }
        for n in range(count)
    ]


async def _channels(url: str, **history: tuple[int, int]) -> None:
    """Channels (by id) whose history holds so many posted deliveries, then so many waiting ones."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        hooks = SqlHooks(engine, SecretBox(SECRET_KEY))
        for channel, (posted, queued) in history.items():
            hook = new_hook(TEAM, channel, channel.lower(), HookSettings(), "U0ADMIN01")
            await hooks.add(hook)
            async with engine.begin() as connection:
                for start in range(0, posted, 5000):
                    rows = _rows(hook, "posted", min(5000, posted - start), start)
                    await connection.execute(insert(deliveries), rows)
                await connection.execute(insert(deliveries), _rows(hook, "queued", queued, posted))
        if engine.dialect.name == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE deliveries"))
    finally:
        await engine.dispose()


def _sqlite_steps(url: str, statement: Any, values: dict[str, Any]) -> int:
    """The steps of SQLite's engine that running `statement` with `values` took (rolled back)."""
    engine = sqlalchemy.create_engine(url.replace("sqlite+aiosqlite", "sqlite"))
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.set_progress_handler(step, 1)
            connection.execute(statement, values)
            raw.set_progress_handler(None, 1)
            connection.rollback()
    finally:
        engine.dispose()
    return steps


async def _postgres_rows_read(url: str, statement: str, *args: object) -> int:
    """The rows of `deliveries` that PostgreSQL read (kept or filtered out) running `statement`, which
    is rolled back."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    transaction = connection.transaction()
    await transaction.start()
    try:
        lines = [row[0] for row in await connection.fetch(f"EXPLAIN ANALYZE {statement}", *args)]
    finally:
        await transaction.rollback()
        await connection.close()
    read = 0
    for n, line in enumerate(lines):
        if " on deliveries" in line:
            read += int(re.search(r"actual time=\S+ rows=(\d+)", line)[1])  # type: ignore[index]
            removed = re.search(r"Rows Removed by Filter: (\d+)", "\n".join(lines[n + 1 : n + 3]))
            read += int(removed[1]) if removed else 0
    return read


def _work(url: str, channel: str) -> tuple[int, int]:
    """The work of a claim in the channel, and of its post recorded (the channel's next due time)."""
    lease = T + timedelta(seconds=60)
    if url.startswith("sqlite"):
        where = {"team": TEAM, "channel": channel}
        claim = _sqlite_steps(url, statements.TAKE_OLDEST, where | {"now": T, "lease": lease})
        due = _sqlite_steps(url, statements.channel_update("sqlite", freed=True), where | {"free_at": T})
        return claim, due
    asyncio.run(_only_due(url, channel))
    claim = asyncio.run(_postgres_rows_read(url, _typed(CLAIM), T, lease))
    return claim, asyncio.run(_postgres_record_reads(url, lease))


async def _postgres_record_reads(url: str, lease: datetime) -> int:
    """The rows of `deliveries` that PostgreSQL read recording a post (the claim and the record are
    rolled back): its own count of the transaction's reads, the function's statements included."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    transaction = connection.transaction()
    await transaction.start()
    try:
        claimed = await connection.fetchrow(CLAIM, T, lease)
        assert claimed is not None
        assert claimed["id"] is not None
        before = await connection.fetchval(_READS)
        fate = (claimed["id"], "posted", "1.0", None, T, T, None)
        await connection.fetch(RECORD_POST, *fate, *[None] * len(POSTED_CARD))
        return int(await connection.fetchval(_READS)) - int(before)
    finally:
        await transaction.rollback()
        await connection.close()


# Rows read in this transaction so far: by sequential scans, and fetched through indexes.
_READS = (
    "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
    " WHERE relname = 'deliveries'"
)


async def _only_due(url: str, channel: str) -> None:
    """The channel the only one with work due: the one a claim takes."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(
            "UPDATE channels SET due_at = CASE WHEN channel_id = $2 THEN $1::timestamptz END,"
            " busy_until = NULL, next_post_at = NULL",
            T,
            channel,
        )
    finally:
        await connection.close()


def _typed(statement: str) -> str:
    return statement.replace("$1", "$1::timestamptz").replace("$2", "$2::timestamptz")


def test_a_claim_does_not_read_the_channels_history(database_url: str) -> None:
    asyncio.run(_channels(database_url, C0NEW=(0, 3), C0BUSY=(12_000, 3), C0OTHER=(0, 12_000)))
    new, _ = _work(database_url, "C0NEW")
    busy, _ = _work(database_url, "C0BUSY")
    # Walking the 12,000 posted deliveries first: 96,511 steps of SQLite's against 511 in a new channel;
    # PostgreSQL walked its primary key through every channel's (or read every waiting delivery).
    assert busy <= new + 10, (new, busy)


def test_the_next_due_time_does_not_read_every_waiting_delivery(database_url: str) -> None:
    asyncio.run(_channels(database_url, C0FEW=(0, 3), C0MANY=(0, 12_000)))
    _, few = _work(database_url, "C0FEW")
    _, many = _work(database_url, "C0MANY")
    # PostgreSQL read the 12,000 (a min over `state IN (...)`); SQLite's probes did not grow already.
    assert many <= few + 10, (few, many)


def test_the_next_due_is_the_earlier_of_the_queued_and_the_retrying(database_url: str) -> None:
    async def scenario(queue: sql_queue.SqlDeliveryQueue, hook: Hook) -> list[object]:
        seen: list[object] = []

        async def add(key: str, at: datetime) -> None:
            await queue.add(hook, DeliveryKind.SLACK, f'{{"text": "{key}"}}', key, key, at, verified=True)

        async def claim(at: datetime) -> tuple[int, Any] | None:
            found = await queue.claim(at, 60)
            seen.append(None if found is None else found.body["text"])
            return None if found is None else (found.id, found.body["text"])

        await add("a", T)
        await add("b", T + timedelta(seconds=20))  # queued, due at T+20
        a = await claim(T)
        assert a is not None
        await queue.retry(a[0], "slack down", T + timedelta(seconds=5), T, count_attempt=True)
        await claim(T + timedelta(seconds=4))  # nothing: a retries at T+5, b is due at T+20
        await claim(T + timedelta(seconds=6))  # a: retrying, earlier than the queued b
        await queue.retry(a[0], "slack down", T + timedelta(seconds=30), T, count_attempt=True)
        b = await claim(T + timedelta(seconds=21))  # b: queued, earlier than the retrying a
        assert b is not None
        await queue.posted(b[0], "1.0", DeliveryState.POSTED, None, T, T + timedelta(seconds=21))
        await claim(T + timedelta(seconds=29))  # nothing: only a waits, until T+30
        await claim(T + timedelta(seconds=31))  # a
        await queue.failed(a[0], "gave up", T)
        await claim(T + timedelta(days=1))  # nothing waits
        return seen

    seen = asyncio.run(with_queue(database_url, scenario))
    assert seen == ["a", None, "a", "b", None, "a", None]
