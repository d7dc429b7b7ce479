"""Fan-out: one delivery to each of 1,000 channels (a cluster upgrade redeploying 1,000 environments,
each telling its own channel), from the first delivery sent to the last card posted, Slack's fake
answering at once; against a bare httpx poster sending the same 1,000 cards with the courier's
concurrency (its 16 workers), and a bare aiohttp poster (the bot's own client, the cheaper of the two).
SQLite, and PostgreSQL when it answers.

The deliveries' sender and the bare poster each run in a process of their own, started beforehand: in
the process of the fake Slack they would share its interpreter lock, and slow its answers to the bot.
The sender writes raw HTTP/1.1 over kept-alive connections, so that it is never the limit; its share of
a core is printed beside each figure, and the bare poster's beside its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx

from bench.servers import bot_command, bot_env, delivery, server, subscribed
from bot.deliveries.cards import render_delivery
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack

WORKERS = 16  # the courier's (adapters/bootstrap.py)


async def _send(base: str, hooks: list[tuple[str, str]], bodies: list[bytes], connections: int = 32) -> None:
    """Every delivery, `connections` at a time over kept-alive connections, each request written whole
    beforehand: a sender that costs a tenth of what an HTTP client library would (httpx took as much CPU
    as the bot, and on two cores the load generator was the limit)."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    requests = [
        (
            f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
            f"Qovery-Secret: {secret}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for (path, secret), body in zip(hooks, bodies, strict=True)
    ]

    async def sender() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while requests:
                writer.write(requests.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                await reader.readexactly(int(length[1]) if length else 0)
                assert status == 200, status
        finally:
            writer.close()

    await asyncio.gather(*(sender() for _ in range(connections)))


async def _bare(api_url: str, messages: list[dict[str, Any]], channels: list[str]) -> float:
    """Seconds a bare httpx poster takes to send the messages, WORKERS at a time over one pool."""
    queue = list(zip(channels, messages, strict=True))
    headers = {"Authorization": "Bearer xoxb-test-token"}
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=headers) as client:

        async def poster() -> None:
            while queue:
                channel, message = queue.pop()
                answer = await client.post("chat.postMessage", json={"channel": channel, **message})
                assert answer.json()["ok"], answer.text

        started = time.monotonic()
        await asyncio.gather(*(poster() for _ in range(WORKERS)))
        return time.monotonic() - started


async def _bare_aiohttp(api_url: str, messages: list[dict[str, Any]], channels: list[str]) -> float:
    """The same with aiohttp, the client the bot posts with: httpx is bound by its own CPU (a whole core)
    before the fake Slack is, so this is the floor that leaves the bot's bookkeeping alone measured."""
    queue = list(zip(channels, messages, strict=True))
    headers = {"Authorization": "Bearer xoxb-test-token", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def poster() -> None:
            while queue:
                channel, message = queue.pop()
                body = json.dumps({"channel": channel, **message})
                async with session.post(api_url + "chat.postMessage", data=body, headers=headers) as answer:
                    assert (await answer.json(content_type=None))["ok"]

        started = time.monotonic()
        await asyncio.gather(*(poster() for _ in range(WORKERS)))
        return time.monotonic() - started


def _send_all(base: str, hooks: list[tuple[str, str]], bodies: list[bytes]) -> float:
    """Sends them all; the CPU seconds the sender took."""
    before = _cpu_seconds()
    asyncio.run(_send(base, hooks, bodies))
    return _cpu_seconds() - before


def _post_all(
    api_url: str, messages: list[dict[str, Any]], channels: list[str], client: str = "httpx"
) -> tuple[float, float]:
    """Posts them all: seconds, and the CPU seconds the poster took."""
    before = _cpu_seconds()
    took = asyncio.run((_bare if client == "httpx" else _bare_aiohttp)(api_url, messages, channels))
    return took, _cpu_seconds() - before


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def fanout(count: int = 1000) -> dict[str, Any]:
    """Slack's fake answering at once (the bot's own cost laid bare), then in 50 ms a post (nearer the
    real Slack's latency, over which the bot's bookkeeping overlaps)."""
    found = _fanout(count, 0.0)
    found |= {f"slow_{name}": value for name, value in _fanout(count, 0.05).items()}
    return found


def _fanout(count: int, slack_seconds: float) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    if slack_seconds:
        slack.delay("chat.postMessage", slack_seconds)
    names = [f"C{n:08d}" for n in range(count)]
    bodies = [delivery() for _ in names]
    found: dict[str, Any] = {}
    elsewhere = ProcessPoolExecutor(1)
    elsewhere.submit(time.sleep, 0).result()  # started before anything is timed
    for kind in ("sqlite", "postgresql"):
        with contextlib.ExitStack() as stack:
            made = stack.enter_context(subscribed(kind, names))
            if made is None:
                continue
            url, hooks = made
            base, _ = stack.enter_context(server(bot_command(), bot_env(slack, qovery, url)))
            before = len(slack.calls_to("chat.postMessage"))
            started = time.monotonic()
            sender_cpu = elsewhere.submit(_send_all, base, hooks, bodies).result()
            posted = slack.wait_until(
                lambda c: c.method == "chat.postMessage" and c.answer.get("ok") is True,
                timeout=300,
                count=before + count,
            )[before:]
            found[f"{kind}_s"] = max(c.at for c in posted) - started
            found[f"{kind}_sender_cpu"] = sender_cpu / found[f"{kind}_s"]  # of one core, while measured
    # The same cards, posted bare: what Slack's fake itself takes, at the same concurrency.
    messages = [render_delivery(json.loads(body)) or {} for body in bodies]
    found["bare_s"], bare_cpu = elsewhere.submit(_post_all, slack.api_url, messages, names).result()
    found["bare_cpu"] = bare_cpu / found["bare_s"]
    found["floor_s"], floor_cpu = elsewhere.submit(
        _post_all, slack.api_url, messages, names, "aiohttp"
    ).result()
    found["floor_cpu"] = floor_cpu / found["floor_s"]
    elsewhere.shutdown()
    slack.stop()
    qovery.stop()
    for kind in ("sqlite", "postgresql"):
        if f"{kind}_s" in found:
            found[f"{kind}_ratio"] = found[f"{kind}_s"] / found["bare_s"]
            found[f"{kind}_of_floor"] = found[f"{kind}_s"] / found["floor_s"]
    lines = [
        f"  {kind}: {found[f'{kind}_s']:.2f} s, ratio {found[f'{kind}_ratio']:.2f} (target <= 1.5);"
        f" {found[f'{kind}_of_floor']:.2f}x the aiohttp poster;"
        f" the deliveries' sender used {found[f'{kind}_sender_cpu']:.0%} of a core"
        for kind in ("sqlite", "postgresql")
        if f"{kind}_s" in found
    ]
    pace = f"in {slack_seconds * 1000:.0f} ms a post" if slack_seconds else "at once"
    bare = f"a bare httpx poster sends the same cards, {WORKERS} at a time, in {found['bare_s']:.2f} s"
    bare += f" ({found['bare_cpu']:.0%} of a core); a bare aiohttp poster in {found['floor_s']:.2f} s"
    bare += f" ({found['floor_cpu']:.0%} of a core)"
    print(f"fanout, Slack answering {pace}: {count} deliveries to {count} channels, first sent to last card")
    print(f"  posted; {bare}")
    print("\n".join(lines))
    return found
