"""Latency: from Qovery's delivery to the card in Slack, under a light load and in a burst.

With `lookups` (the default), the bot has a Qovery token and the fake Qovery a world to answer from: the
environment's history (a deployment under way, the previous one a day ago), its application's commits
and its audit log, so that every card is completed and carries what its deployment carried, in the
background, while the next deliveries are measured. Without, no lookup is made (as before #36).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
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
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import FakeSlack


def _cards(slack: FakeSlack, channel: str) -> list[float]:
    """When each new message (not a thread reply) reached the channel, in order."""
    calls = slack.calls_to("chat.postMessage")
    return [
        c.at
        for c in calls
        if c.args.get("channel") == channel and not c.args.get("thread_ts") and c.answer.get("ok") is True
    ]


_HISTORY = "listEnvironmentDeploymentHistoryV2"


def _world(qovery: FakeQovery) -> tuple[str, str]:
    """An environment whose deployment under way moved its api 3 commits, with 3 changes in its audit
    log since the previous one: the Qovery token, and the environment's id."""
    org = qovery.add_organization("Acme")
    env = qovery.add_environment(qovery.add_project(org, "billing"), "production")
    api = qovery.add_service(env, "api")
    shas = qovery.add_commits(api, 10)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    qovery.history[env] = [
        deployment(env, status="DEPLOYING", service_ids={"api": api}, commit=(shas[0], "New", "Alice"),
                   created_at=datetime.now(UTC) - timedelta(minutes=1)),
        deployment(env, service_ids={"api": api}, commit=(shas[3], "Old", "Bob"), created_at=yesterday),
    ]  # fmt: skip
    for n in range(3):
        qovery.add_audit_event(org, at=yesterday + timedelta(hours=n + 1), environment_id=env,
                               sub_target_type="VARIABLE", change={"key": f"VAR_{n}"})  # fmt: skip
    return qovery.add_token(org), env


async def _deliver(
    url: str, hooks: list[tuple[str, str]], plan: list[tuple[float, int]], environment_id: str = "e1"
) -> dict[int, list[float]]:
    """Post a new deployment's delivery to hook `n` at each planned moment; when each was sent, by hook."""
    sent: dict[int, list[float]] = defaultdict(list)
    async with aiohttp.ClientSession() as client:

        async def one(n: int) -> None:
            path, secret = hooks[n]
            sent[n].append(time.monotonic())
            now = datetime.now(UTC).isoformat()  # the history's deployment under way is found by its time
            body = delivery(environment_id=environment_id, created_at=now)
            async with client.post(url + path, data=body, headers={"Qovery-Secret": secret}) as answer:
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


def latency(seconds: float, lookups: bool = True) -> dict[str, Any]:
    # Slack's own pace (a second between two messages in a channel) is on, as in Slack.
    slack, qovery = FakeSlack(channel_interval_seconds=1.0).start(), FakeQovery(check_spec=False).start()
    names = [f"C0LAT{n:04d}" for n in range(10)]
    token, env = _world(qovery) if lookups else ("", "e1")
    extra = {"QOVERY_API_TOKEN": token} if lookups else {}
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        hooks = add_hooks(url, names)
        with server(bot_command(), bot_env(slack, qovery, url, **extra)) as (base, _):
            asyncio.run(_deliver(base, hooks, [(0.0, n) for n in range(10)], env))  # warm up
            time.sleep(2)
            before = {name: len(_cards(slack, name)) for name in names}
            # Light: each channel a delivery every 2 s, the channels spread over those 2 s.
            plan = [(k * 2.0 + n * 0.2, n) for k in range(int(seconds / 2)) for n in range(10)]
            light = _to_card(slack, names, asyncio.run(_deliver(base, hooks, plan, env)), before)
            time.sleep(2)
            before = {name: len(_cards(slack, name)) for name in names}
            started = time.monotonic()
            # A burst: 20 deployments in each channel at once, 200 in all.
            burst = _to_card(
                slack,
                names,
                asyncio.run(_deliver(base, hooks, [(0.0, n) for n in range(10)] * 20, env)),
                before,
            )
            drained = max(max(_cards(slack, name)) for name in names) - started
    limited = sum(1 for c in slack.calls_to("chat.postMessage") if c.answer.get("ok") is not True)
    carried = sum(1 for c in slack.calls_to("chat.postMessage") if "What's in this deployment" in str(c.args))
    reads = [
        len(qovery.calls_to(name)) for name in (_HISTORY, "listApplicationCommit", "getOrganizationEvents")
    ]
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
        f"{limited} answers 429\n"
        f"  lookups {'on' if lookups else 'off'}: {reads[0]} history reads, {reads[1]} commit lists, "
        f"{reads[2]} audit log reads, {carried} replies of what a deployment carried"
    )
    return {
        "light_p50_ms": light_p50,
        "light_p99_ms": light_p99,
        "burst_drain_s": drained,
        "rate_limited": limited,
    }
