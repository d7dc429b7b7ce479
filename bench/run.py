"""Benchmarks of qovery-slack, each against a baseline measured in the same run on the same machine.

    python bench/run.py ingest    # deliveries/s stored (wrk) vs bare Starlette; p50/p99 at 200/s; SQLite and
                                  # PostgreSQL (TEST_POSTGRES_URL, or the machine's at 127.0.0.1:5432/test)
    python bench/run.py latency   # delivery to card: 10 channels, a delivery each every 2 s; then a burst
    python bench/run.py ack       # slash-command ack latency, 50 in flight, Qovery 2 s slow; vs bare Bolt
    python bench/run.py drain     # 200 deliveries over 20 channels at Slack's 1/s/channel; vs the floor
    python bench/run.py memory    # peak RSS while 100,000 deliveries wait (Slack down); a claim at 1k, 100k
    python bench/run.py all --repeat 3

Servers run as separate processes (uvicorn, one worker, the same settings for the bot and its baseline);
throughput is driven by wrk (bench/load.py), the other loads and the fakes of Slack and Qovery
(tests/fakes/) run in this process. Machines here are shared and noisy: read the ratios and the medians
of `--repeat`, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.crypto import SecretBox
from adapters.queue import SqlDeliveryQueue
from adapters.sql_hooks import SqlHooks
from adapters.store import create_engine, migrate
from adapters.tables import channels, deliveries
from bench.load import open_loop, percentile, summary, wrk
from bot.subscriptions import HookSettings, new_hook
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, TEAM_ID, FakeSlack
from tests.helpers import free_port

SIGNING_SECRET = "bench-signing-secret"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def server(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    full_env = {
        "PATH": os.environ["PATH"],
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    command = [*args, "--port", str(port)] if "uvicorn" in args[0] else args  # the bot reads PORT
    process = subprocess.Popen(command, env=full_env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"{args} did not start") from None
            time.sleep(0.1)
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(30)


def bot_command() -> list[str]:
    found = shutil.which("qovery-slack", path=str(Path(sys.executable).parent))
    assert found, "install the project first: pip install -e '.[test]'"
    return [found, "serve"]


def baseline_command(app: str) -> list[str]:
    uvicorn = shutil.which("uvicorn", path=str(Path(sys.executable).parent))
    assert uvicorn
    return [
        uvicorn,
        f"bench.baselines:{app}",
        "--host",
        "127.0.0.1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def bot_env(slack: FakeSlack, qovery: FakeQovery, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.api_url,
        "QOVERY_API_URL": qovery.url,
        "PUBLIC_URL": "http://bot.bench",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        **extra,
    }


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str | None]:
    """A new database's URL: a SQLite file, or a PostgreSQL database made for the run and dropped after
    (None when PostgreSQL does not answer)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"bench_{uuid.uuid4().hex[:8]}"

    async def run(statement: str) -> None:
        engine = create_engine(POSTGRES)
        try:
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    try:
        asyncio.run(run(f"CREATE DATABASE {name}"))
    except Exception as error:  # no PostgreSQL here: said, and skipped
        print(f"(PostgreSQL at {POSTGRES} did not answer: {type(error).__name__}; its figures are skipped)")
        yield None
        return
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def add_hooks(database_url: str, names: list[str]) -> list[tuple[str, str]]:
    """Hooks straight in the database, as `/qovery subscribe` leaves them: (path, secret) each."""

    async def add() -> list[tuple[str, str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            hooks = SqlHooks(engine, SecretBox(SECRET_KEY))
            made = []
            for channel in names:
                hook = new_hook(TEAM_ID, channel, channel.lower(), HookSettings(), ADMIN)
                await hooks.add(hook)
                made.append((f"/qovery/hooks/{hook.id}", hook.secret))
            return made
        finally:
            await engine.dispose()

    return asyncio.run(add())


def delivery(event: str = "DEPLOYMENT_STARTED", deployment: str | None = None) -> bytes:
    return json.dumps(
        {
            "created_at": "2026-11-27T10:15:00Z",
            "event_type": event,
            "payload_type": "DEPLOYMENT",
            "payload_id": uuid.uuid4().hex,
            "payload": {
                "deployment_id": deployment or uuid.uuid4().hex,
                "organization": {"id": "o1", "name": "Acme"},
                "project": {"id": "p1", "name": "billing"},
                "environment": {"id": "e1", "name": "production", "mode": "PRODUCTION"},
                "applications": [{"id": "a1", "name": "api"}],
            },
        }
    ).encode()


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, percentile(values, 0.99) * 1000


# -- ingest --------------------------------------------------------------------------------------------


def ingest(seconds: float, rate: float = 200, rounds: int = 3) -> dict[str, Any]:
    """The bare route and the bot (SQLite, and PostgreSQL when it answers) all served at once and measured
    in turns, `rounds` times each: the machine's ups and downs fall on every one alike."""
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    found: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: dict[str, tuple[str, str, subprocess.Popen[bytes]]] = {}  # name -> (url, secret, process)
        for kind in ("sqlite", "postgresql"):
            url = stack.enter_context(database(kind, folder))
            if url is None:
                continue
            [(path, secret)] = add_hooks(url, ["C0BENCH01"])
            if not targets:  # the bare route takes the same path and secret; it stores nothing
                base, process = stack.enter_context(server(baseline_command("ingest"), {}))
                targets["bare"] = (base + path, secret, process)
            bot, process = stack.enter_context(server(bot_command(), bot_env(slack, qovery, url)))
            targets[kind] = (bot + path, secret, process)
        for target, secret, _ in targets.values():
            wrk(target, secret, 2)  # warm up
        runs: dict[str, list[Any]] = defaultdict(list)
        for _ in range(rounds):
            for name, (target, secret, _) in targets.items():
                runs[name].append(wrk(target, secret, max(3.0, seconds / rounds)))
        latency = {
            name: ms(asyncio.run(open_loop(target, delivery, secret, rate, 5)))
            for name, (target, secret, _) in targets.items()
        }
        found["peak_rss_mb"] = peak_rss_mb(targets["sqlite"][2])
    slack.stop()
    qovery.stop()
    rates = {name: statistics.median(t.rate for t in results) for name, results in runs.items()}
    found |= {
        "baseline_rate": rates["bare"],
        "bot_rate": rates["sqlite"],
        "ratio": rates["sqlite"] / rates["bare"],
        "round_ratios": [b.rate / a.rate for a, b in zip(runs["bare"], runs["sqlite"], strict=True)],
        "load_cpu": max(t.load_cpu for t in runs["bare"]),
        "failed": sum(t.failed for results in runs.values() for t in results),
        "bot_p50_ms": latency["sqlite"][0],
        "bot_p99_ms": latency["sqlite"][1],
        "baseline_p99_ms": latency["bare"][1],
    }
    in_turn = ", ".join(f"{r:.2f}" for r in found["round_ratios"])
    print(
        f"ingest (SQLite): {found['bot_rate']:.0f} deliveries/s stored and acknowledged, bare route "
        f"{found['baseline_rate']:.0f}/s (medians of {rounds} turns each): ratio {found['ratio']:.2f} "
        f"(target >= 0.5; turn by turn {in_turn}); {found['failed']} failed answers\n"
        f"  the load (wrk, 1 thread, 32 connections) used at most {found['load_cpu']:.0%} of a core against "
        "the bare route: below 100%, the load generator was not the limit\n"
        f"  at {rate:.0f}/s: p50 {found['bot_p50_ms']:.1f} ms, p99 {found['bot_p99_ms']:.1f} ms "
        f"(target p99 < 50 ms); bare route p99 {found['baseline_p99_ms']:.1f} ms; "
        f"peak RSS {found['peak_rss_mb']:.0f} MB"
    )
    if "postgresql" in rates:
        found |= {"pg_ratio": rates["postgresql"] / rates["bare"], "pg_p99_ms": latency["postgresql"][1]}
        print(
            f"ingest (PostgreSQL): {rates['postgresql']:.0f} deliveries/s: ratio {found['pg_ratio']:.2f} "
            f"of the same bare route; at {rate:.0f}/s p99 {found['pg_p99_ms']:.1f} ms"
        )
    del found["round_ratios"]  # not a figure to take the median of across runs
    return found


# -- latency: from Qovery's delivery to the card in Slack ------------------------------------------------


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


# -- ack -----------------------------------------------------------------------------------------------


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


# -- drain ---------------------------------------------------------------------------------------------


def drain(channels_count: int, per_channel: int) -> dict[str, Any]:
    slack, qovery = FakeSlack(channel_interval_seconds=1.0).start(), FakeQovery(check_spec=False).start()
    names = [f"C0DRAIN{n:02d}" for n in range(channels_count)]
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        hooks = add_hooks(url, names)
        with server(bot_command(), bot_env(slack, qovery, url)) as (base, _):
            started = time.monotonic()
            with httpx.Client(timeout=30) as client:
                for _ in range(per_channel):
                    for path, secret in hooks:
                        answer = client.post(
                            base + path, content=delivery(), headers={"Qovery-Secret": secret}
                        )
                        assert answer.status_code == 200
            total = channels_count * per_channel
            posted = slack.wait_until(
                lambda c: c.method == "chat.postMessage" and c.answer.get("ok") is True,
                timeout=120,
                count=total,
            )
            elapsed = max(c.at for c in posted) - started
    limited = [c for c in slack.calls_to("chat.postMessage") if c.answer.get("ok") is not True]
    slack.stop()
    qovery.stop()
    floor = per_channel - 1  # Slack's pace: the first at once, then one a second per channel
    worst = max((sum(1 for c in limited if c.args.get("channel") == n) for n in names), default=0)
    print(
        f"drain: {total} deliveries over {channels_count} channels posted in {elapsed:.2f} s; "
        "the floor Slack's "
        f"1/s/channel allows is {floor} s: ratio {elapsed / floor:.2f} (target <= 1.2); "
        f"429s: {len(limited)} in all, at most {worst} in a channel (target <= 1)"
    )
    return {"ratio": elapsed / floor, "rate_limited": len(limited), "worst_channel_429s": worst}


# -- memory, and a claim's time with the backlog -----------------------------------------------------------


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["ingest", "latency", "ack", "drain", "memory", "all"])
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each throughput and latency run"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians are quoted at the end")
    parser.add_argument("--deliveries", type=int, default=100_000, help="the backlog of `memory`")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _ in range(args.repeat):
        if args.what in ("ingest", "all"):
            runs["ingest"].append(ingest(args.seconds))
        if args.what in ("latency", "all"):
            runs["latency"].append(latency(max(args.seconds, 20.0)))
        if args.what in ("ack", "all"):
            runs["ack"].append(ack(in_flight=50, rounds=4))
        if args.what in ("drain", "all"):
            runs["drain"].append(drain(channels_count=20, per_channel=10))
        if args.what in ("memory", "all"):
            runs["memory"].append(memory(args.deliveries))
    if args.repeat > 1:
        print(f"\nmedians (min-max) of {args.repeat} runs:")
        for name, results in runs.items():
            figures = ", ".join(f"{key} {summary([r[key] for r in results])}" for key in results[0])
            print(f"  {name}: {figures}")


if __name__ == "__main__":
    main()
