"""Claim: how long the courier takes to claim the next delivery, with 1,000 and with 100,000 waiting over
1,000 channels, behind a history of 100,000 posted (the bot keeps 30 days of them), on SQLite and on
PostgreSQL (TEST_POSTGRES_URL, or the machine's). Each claimed delivery is put back for later, so that the
backlog stays as it is while claims are timed."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from adapters.crypto import SecretBox
from adapters.sql.engine import create_engine
from adapters.sql.hooks import SqlHooks
from adapters.sql.queue import SqlDeliveryQueue
from adapters.sql.tables import channels, deliveries
from bench.servers import SECRET_KEY, delivery, subscribed
from tests.fakes.slack_api import TEAM_ID

CHANNELS = 1000
HISTORY = 100_000  # deliveries posted before: a claim must not read them


async def fill(
    database_url: str, hooks: list[tuple[str, str]], names: list[str], count: int, history: int = HISTORY
) -> None:
    """`history` deliveries posted, then `count` waiting, straight in the database, spread over the hooks
    (of the channels `names`, in order)."""
    engine = create_engine(database_url)
    body = delivery().decode()
    try:
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            await connection.execute(
                insert(channels), [{"team_id": TEAM_ID, "channel_id": name} for name in names]
            )
            for start in range(0, history + count, 5000):
                rows = [
                    {
                        "hook_id": hooks[n % len(hooks)][0].rsplit("/", 1)[1],
                        "team_id": TEAM_ID,
                        "channel_id": names[n % len(hooks)],
                        "kind": "STANDARD",
                        "dedup_key": f"payload:{n}",
                        "body": body,
                        "summary": "started · billing / production",
                        "received_at": now,
                        "state": "posted" if n < history else "queued",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "verified": True,
                    }
                    for n in range(start, min(history + count, start + 5000))
                ]
                await connection.execute(insert(deliveries), rows)
        if engine.dialect.name == "postgresql":  # as autovacuum has by the time such a history is kept
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def timed_claims(database_url: str, hooks: list[tuple[str, str]], samples: int = 200) -> float:
    """The median seconds of a claim (the database's plan caches warmed by a few first). The hooks are
    read first, as in the bot, whose intake has just read the hook of each delivery."""
    engine = create_engine(database_url)
    known = SqlHooks(engine, SecretBox(SECRET_KEY))
    queue = SqlDeliveryQueue(engine, known)
    try:
        for path, _ in hooks:
            await known.get(path.rsplit("/", 1)[1])
        times = []
        now = datetime.now(UTC) + timedelta(hours=1)  # past every delivery's time: all are due
        for n in range(samples + 10):
            started = time.perf_counter()
            claimed = await queue.claim(now, 60)
            if n >= 10:
                times.append(time.perf_counter() - started)
            assert claimed is not None
            await queue.retry(claimed.id, "bench", now + timedelta(days=1), now, count_attempt=False)
        return statistics.median(times)
    finally:
        await queue.close()
        await engine.dispose()


def claim(small: int = 1000, large: int = 100_000) -> dict[str, Any]:
    found: dict[str, Any] = {}
    names = [f"C{n:08d}" for n in range(CHANNELS)]
    for kind in ("sqlite", "postgresql"):
        for waiting in (small, large):
            with subscribed(kind, names) as made:
                if made is None:
                    continue
                url, hooks = made
                asyncio.run(fill(url, hooks, names, waiting))
                found[f"{kind}_{waiting}_ms"] = asyncio.run(timed_claims(url, hooks)) * 1000
    lines = [
        f"  {kind}: {found[f'{kind}_{small}_ms']:.2f} ms with {small:,} waiting, "
        f"{found[f'{kind}_{large}_ms']:.2f} ms with {large:,} (target <= 1 ms)"
        for kind in ("sqlite", "postgresql")
        if f"{kind}_{small}_ms" in found
    ]
    print(
        f"claim: the median of 200 claims, {CHANNELS:,} channels, {HISTORY:,} posted before\n"
        + "\n".join(lines)
    )
    return found
