"""Ingest: deliveries/s stored, driven by wrk, against a bare Starlette route served beside the bot
(SQLite and PostgreSQL, measured in turns); p50/p99 at 200/s."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg

from bench.load import open_loop, wrk
from bench.servers import (
    add_hooks,
    baseline_command,
    bot_command,
    bot_env,
    database,
    delivery,
    ms,
    peak_rss_mb,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack


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
            asyncio.run(open_loop(target, delivery, secret, rate, 2))  # warm up: connections, statements
        # The latency at a steady `rate` first: after the throughput runs, each database is still
        # writing out their burst (checkpoints, autovacuum) and a channel has a backlog of some 70,000;
        # measured then too, and shown, but not the figure of a steady 200/s.
        latency = {
            name: ms(asyncio.run(open_loop(target, delivery, secret, rate, 5)))
            for name, (target, secret, _) in targets.items()
        }
        for target, secret, _ in targets.values():
            wrk(target, secret, 2)  # warm up
        runs: dict[str, list[Any]] = defaultdict(list)
        for _ in range(rounds):
            for name, (target, secret, _) in targets.items():
                runs[name].append(wrk(target, secret, max(3.0, seconds / rounds)))
        after = {
            name: ms(asyncio.run(open_loop(target, delivery, secret, rate, 5)))
            for name, (target, secret, _) in targets.items()
        }
        if "postgresql" in targets:
            floor = asyncio.run(_commit_floor(str(stack.enter_context(database("postgresql", folder))), rate))
            latency["postgresql_floor"] = ms(floor)
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
        "bot_p99_after_ms": after["sqlite"][1],
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
        f"peak RSS {found['peak_rss_mb']:.0f} MB\n"
        f"  after the throughput runs: p99 {found['bot_p99_after_ms']:.1f} ms; bare route "
        f"{after['bare'][1]:.1f} ms"
    )
    if "postgresql" in rates:
        found |= {
            "pg_ratio": rates["postgresql"] / rates["bare"],
            "pg_p50_ms": latency["postgresql"][0],
            "pg_p99_ms": latency["postgresql"][1],
            "pg_p99_after_ms": after["postgresql"][1],
        }
        found["pg_floor_p99_ms"] = latency["postgresql_floor"][1]
        print(
            f"ingest (PostgreSQL): {rates['postgresql']:.0f} deliveries/s: ratio {found['pg_ratio']:.2f} "
            f"of the same bare route (target >= 0.5); at {rate:.0f}/s p50 {found['pg_p50_ms']:.1f} ms, "
            f"p99 {found['pg_p99_ms']:.1f} ms (target < 10 ms)\n  the database's own floor, a row committed "
            f"at a time at {rate:.0f}/s straight through asyncpg: p99 {found['pg_floor_p99_ms']:.1f} ms\n"
            f"  after the throughput runs: p99 {found['pg_p99_after_ms']:.1f} ms"
        )
    del found["round_ratios"]  # not a figure to take the median of across runs
    return found


async def _commit_floor(url: str, rate: float, seconds: float = 5) -> list[float]:
    """Seconds each single-row INSERT takes to commit at `rate` a second, straight through asyncpg: what
    the server and its disk alone give a delivery stored (its WAL flushed), the bot's floor."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute("CREATE TABLE floor (id serial PRIMARY KEY, body text NOT NULL)")
        body, took = delivery().decode(), []
        started = time.perf_counter()
        for number in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            before = time.perf_counter()
            await connection.execute("INSERT INTO floor (body) VALUES ($1)", body)
            took.append(time.perf_counter() - before)
        return took
    finally:
        await connection.close()
