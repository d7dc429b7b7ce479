"""Memory: peak RSS while a large backlog waits (Slack down), and a claim's time with the backlog."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, insert, select

from adapters.crypto import SecretBox
from adapters.sql.engine import create_engine
from adapters.sql.hooks import SqlHooks
from adapters.sql.queue import SqlDeliveryQueue
from adapters.sql.tables import channels, deliveries
from bench.servers import (
    SECRET_KEY,
    add_hooks,
    bot_command,
    bot_env,
    database,
    delivery,
    peak_rss_mb,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import TEAM_ID, FakeSlack


async def _flood(url: str, hooks: list[tuple[str, str]], count: int, connections: int = 64) -> None:
    bodies = iter(range(count))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as client:

        async def sender() -> None:
            for n in bodies:
                path, secret = hooks[n % len(hooks)]
                async with client.post(
                    url + path, data=delivery(), headers={"Qovery-Secret": secret}
                ) as answer:
                    assert answer.status == 200, answer.status

        await asyncio.gather(*(sender() for _ in range(connections)))


async def _claims(database_url: str, samples: int = 50) -> tuple[int, float]:
    """(deliveries waiting, median seconds of a claim): each claimed one is put back for later, so that
    the backlog stays as it is while claims are timed."""
    engine = create_engine(database_url)
    queue = SqlDeliveryQueue(engine, SqlHooks(engine, SecretBox(SECRET_KEY)))
    try:
        async with engine.connect() as connection:
            waiting = (await connection.execute(select(func.count()).select_from(deliveries))).scalar_one()
        times = []
        now = datetime.now(UTC) + timedelta(hours=1)  # past every retry's time: all are due
        for _ in range(samples):
            started = time.perf_counter()
            claimed = await queue.claim(now, 60)
            times.append(time.perf_counter() - started)
            assert claimed is not None
            await queue.retry(claimed.id, "bench", now + timedelta(days=1), now, count_attempt=False)
        return waiting, statistics.median(times)
    finally:
        await queue.close()
        await engine.dispose()


async def _fill(database_url: str, hooks: list[tuple[str, str]], count: int) -> None:
    """`count` deliveries waiting, straight in the database, spread over the hooks' channels."""
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            for n in range(len(hooks)):
                await connection.execute(insert(channels).values(team_id=TEAM_ID, channel_id=f"C0MEM{n:04d}"))
            for start in range(0, count, 5000):
                rows = [
                    {
                        "hook_id": hooks[n % len(hooks)][0].rsplit("/", 1)[1],
                        "team_id": TEAM_ID,
                        "channel_id": f"C0MEM{n % len(hooks):04d}",
                        "kind": "STANDARD",
                        "dedup_key": f"payload:{n}",
                        "body": delivery().decode(),
                        "summary": "started · billing / production",
                        "received_at": now,
                        "state": "queued",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "verified": True,
                    }
                    for n in range(start, min(count, start + 5000))
                ]
                await connection.execute(insert(deliveries), rows)
    finally:
        await engine.dispose()


def memory(count: int) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    slack.fail("chat.postMessage", status=503, times=None)  # Slack is down: everything waits
    names = [f"C0MEM{n:04d}" for n in range(50)]
    with tempfile.TemporaryDirectory() as folder:
        with database("sqlite", Path(folder)) as url:
            assert url is not None
            hooks = add_hooks(url, names)
            with server(bot_command(), bot_env(slack, qovery, url)) as (base, process):
                started = time.monotonic()
                asyncio.run(_flood(base, hooks, count))
                took = time.monotonic() - started
                time.sleep(5)  # the courier goes on trying meanwhile
                rss = peak_rss_mb(process)
            waiting, at_full = asyncio.run(_claims(url))
        with database("sqlite", Path(folder)) as url:
            assert url is not None
            small = add_hooks(url, names)
            asyncio.run(_fill(url, small, 1000))
            small_waiting, at_small = asyncio.run(_claims(url))
    slack.stop()
    qovery.stop()
    print(
        f"memory: {count} deliveries taken in {took:.0f} s with Slack down; peak RSS {rss:.0f} MB "
        f"(target < 150 MB)\n"
        f"  a claim with {small_waiting} waiting: {at_small * 1000:.2f} ms; with {waiting} waiting: "
        f"{at_full * 1000:.2f} ms (ratio {at_full / at_small:.2f}: it should not grow with the backlog)"
    )
    return {"peak_rss_mb": rss, "claim_small_ms": at_small * 1000, "claim_full_ms": at_full * 1000}
