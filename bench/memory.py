"""Memory: peak RSS while a large backlog waits (Slack down)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.servers import (
    add_hooks,
    bot_command,
    bot_env,
    database,
    delivery,
    peak_rss_mb,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack


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


def memory(count: int) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    slack.fail("chat.postMessage", status=503, times=None)  # Slack is down: everything waits
    names = [f"C0MEM{n:04d}" for n in range(50)]
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        hooks = add_hooks(url, names)
        with server(bot_command(), bot_env(slack, qovery, url)) as (base, process):
            started = time.monotonic()
            asyncio.run(_flood(base, hooks, count))
            took = time.monotonic() - started
            time.sleep(5)  # the courier goes on trying meanwhile
            rss = peak_rss_mb(process)
    slack.stop()
    qovery.stop()
    print(
        f"memory: {count} deliveries taken in {took:.0f} s with Slack down; peak RSS {rss:.0f} MB "
        "(target < 150 MB); a claim's time with such a backlog: bench/run.py claim"
    )
    return {"peak_rss_mb": rss}
