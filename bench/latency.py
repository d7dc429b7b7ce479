"""Latency: from Qovery's delivery to the card in Slack, under a light load and in a burst."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import percentile
from bench.servers import (
    add_hooks,
    bot_command,
    bot_env,
    database,
    delivery,
    ms,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack


def _cards(slack: FakeSlack, channel: str) -> list[float]:
    """When each new message (not a thread reply) reached the channel, in order."""
    calls = slack.calls_to("chat.postMessage")
    return [
        c.at
        for c in calls
        if c.args.get("channel") == channel and not c.args.get("thread_ts") and c.answer.get("ok") is True
    ]


async def _send(
    url: str, hooks: list[tuple[str, str]], plan: list[tuple[float, int]]
) -> dict[int, list[float]]:
    """Post a new deployment's delivery to hook `n` at each planned moment; when each was sent, by hook."""
    sent: dict[int, list[float]] = defaultdict(list)
    async with aiohttp.ClientSession() as client:

        async def one(n: int) -> None:
            path, secret = hooks[n]
            sent[n].append(time.monotonic())
            async with client.post(url + path, data=delivery(), headers={"Qovery-Secret": secret}) as answer:
                assert answer.status == 200, answer.status

        begin, tasks = time.monotonic(), []
        for at, n in sorted(plan):
            await asyncio.sleep(max(0.0, begin + at - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return sent


def _to_card(
    slack: FakeSlack, names: list[str], sent: dict[int, list[float]], before: dict[str, int]
) -> list[float]:
    total = sum(len(times) for times in sent.values())
    deadline = time.monotonic() + 120
    while sum(len(_cards(slack, name)) - before[name] for name in names) < total:
        assert time.monotonic() < deadline, "cards did not all arrive"
        time.sleep(0.05)
    waits = []
    for n, name in enumerate(names):
        cards = _cards(slack, name)[before[name] :]
        waits += [card - posted for posted, card in zip(sent[n], cards, strict=True)]
    return waits


def latency(seconds: float) -> dict[str, Any]:
    # Slack's own pace (a second between two messages in a channel) is on, as in Slack.
    slack, qovery = FakeSlack(channel_interval_seconds=1.0).start(), FakeQovery(check_spec=False).start()
    names = [f"C0LAT{n:04d}" for n in range(10)]
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        hooks = add_hooks(url, names)
        with server(bot_command(), bot_env(slack, qovery, url)) as (base, _):
            asyncio.run(_send(base, hooks, [(0.0, n) for n in range(10)]))  # warm up
            time.sleep(2)
            before = {name: len(_cards(slack, name)) for name in names}
            # Light: each channel a delivery every 2 s, the channels spread over those 2 s.
            plan = [(k * 2.0 + n * 0.2, n) for k in range(int(seconds / 2)) for n in range(10)]
            light = _to_card(slack, names, asyncio.run(_send(base, hooks, plan)), before)
            time.sleep(2)
            before = {name: len(_cards(slack, name)) for name in names}
            started = time.monotonic()
            # A burst: 20 deployments in each channel at once, 200 in all.
            burst = _to_card(
                slack, names, asyncio.run(_send(base, hooks, [(0.0, n) for n in range(10)] * 20)), before
            )
            drained = max(max(_cards(slack, name)) for name in names) - started
    limited = sum(1 for c in slack.calls_to("chat.postMessage") if c.answer.get("ok") is not True)
    slack.stop()
    qovery.stop()
    light_p50, light_p99 = ms(light)
    burst_p50, burst_p99 = ms(burst)
    print(
        "latency, delivery to card, light load (10 channels, a delivery each every 2 s, "
        f"{len(light)} in all): "
        f"p50 {light_p50:.0f} ms, p99 {light_p99:.0f} ms (target p99 <= 100 ms)\n"
        f"  burst of 200 (20 in each of 10 channels at once): first cards p99 "
        f"{percentile(sorted(burst)[:10], 0.99) * 1000:.0f} ms; all posted in {drained:.1f} s "
        f"(Slack's pace allows 19 s at best); p50 {burst_p50 / 1000:.1f} s, p99 {burst_p99 / 1000:.1f} s; "
        f"{limited} answers 429"
    )
    return {
        "light_p50_ms": light_p50,
        "light_p99_ms": light_p99,
        "burst_drain_s": drained,
        "rate_limited": limited,
    }
