"""Ack: the slash command's acknowledgement while Qovery is slow, against a bare Bolt app."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.servers import (
    SIGNING_SECRET,
    baseline_command,
    bot_command,
    bot_env,
    database,
    ms,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, FakeSlack


async def acks(url: str, slack: FakeSlack, in_flight: int, rounds: int) -> list[float]:
    signer = SlackSigner(SIGNING_SECRET)
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight)) as client:

        async def one(number: int) -> None:
            body = slash_command_body(
                "webhook list", response_url=slack.response_url(f"b{number}"), user_id=ADMIN
            )
            headers = signer.headers(body)
            started = time.monotonic()
            async with client.post(f"{url}/slack/events", data=body, headers=headers) as answer:
                answered = await answer.text()
            latencies.append(time.monotonic() - started)
            assert answer.status == 200, answered

        for round_number in range(rounds):
            await asyncio.gather(*(one(round_number * in_flight + n) for n in range(in_flight)))
    return latencies


def ack(in_flight: int, rounds: int) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    acme = qovery.seed()
    qovery.delay("listOrganizationWebHooks", 2.0)
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        env = bot_env(slack, qovery, url, QOVERY_API_TOKEN=acme.token)
        with server(baseline_command("ack"), {"SLACK_SIGNING_SECRET": SIGNING_SECRET}) as (base_url, _):
            asyncio.run(acks(base_url, slack, in_flight, 1))
            base = asyncio.run(acks(base_url, slack, in_flight, rounds))
        with server(bot_command(), env) as (bot_url, _):
            asyncio.run(acks(bot_url, slack, in_flight, 1))
            # The warm-up's work is done (its first calls to Slack and Qovery, its first imports) before
            # measuring; the measured rounds' own 2-s calls to Qovery are all in flight while they ack.
            slack.wait_for("response_url", count=in_flight, timeout=60)
            bot = asyncio.run(acks(bot_url, slack, in_flight, rounds))
            # Every answer still arrives, after Qovery's 2 s.
            slack.wait_for("response_url", count=in_flight * (rounds + 1), timeout=60)
    slack.stop()
    qovery.stop()
    (bot_p50, bot_p99), (base_p50, base_p99) = ms(bot), ms(base)
    print(
        f"ack: {in_flight} slash commands in flight, Qovery taking 2 s each: p50 {bot_p50:.1f} ms, "
        f"p99 {bot_p99:.1f} ms; bare Bolt app p50 {base_p50:.1f} ms, p99 {base_p99:.1f} ms: "
        f"ratio of p99 {bot_p99 / base_p99:.2f} (target <= 1.5)"
    )
    return {"bot_p99_ms": bot_p99, "baseline_p99_ms": base_p99, "ratio": bot_p99 / base_p99}
