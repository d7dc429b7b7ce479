"""Benchmarks of qovery-slack, each against a baseline measured in the same run on the same machine.

    python bench/run.py ingest   # deliveries/s accepted, p50/p99 at 200/s, peak RSS; vs bare Starlette
    python bench/run.py ack      # slash-command ack latency, 50 in flight, Qovery 2 s slow; vs bare Bolt
    python bench/run.py drain    # 200 deliveries over 20 channels at Slack's 1/s/channel; vs the floor
    python bench/run.py all

Servers run as separate processes (uvicorn, one worker, the same settings for the bot and its baseline);
the load and the fakes of Slack and Qovery (tests/fakes/) run in this one. Machines here are shared and
noisy: read the ratios and the medians, not the absolute numbers.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.crypto import SecretBox
from adapters.sql_hooks import SqlHooks
from adapters.store import create_engine, migrate
from bot.subscriptions import HookSettings, new_hook
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, TEAM_ID, FakeSlack
from tests.helpers import free_port

SIGNING_SECRET = "bench-signing-secret"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"


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


def bot_env(slack: FakeSlack, qovery: FakeQovery, database: Path, **extra: str) -> dict[str, str]:
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.api_url,
        "QOVERY_API_URL": qovery.url,
        "PUBLIC_URL": "http://bot.bench",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        **extra,
    }


def add_hooks(database: Path, channels: list[str]) -> list[tuple[str, str]]:
    """Hooks straight in the database, as `/qovery subscribe` leaves them: (path, secret) each."""

    async def add() -> list[tuple[str, str]]:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        try:
            await migrate(engine)
            hooks = SqlHooks(engine, SecretBox(SECRET_KEY))
            made = []
            for channel in channels:
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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- ingest --------------------------------------------------------------------------------------------


def load_client(connections: int) -> aiohttp.ClientSession:
    # aiohttp, not httpx: its client costs a fraction of the CPU, so the load is not what is measured.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))


async def post(client: aiohttp.ClientSession, url: str, body: bytes, secret: str) -> None:
    async with client.post(url, data=body, headers={"Qovery-Secret": secret}) as answer:
        text = await answer.text()
        assert answer.status == 200, text


async def closed_loop(url: str, secret: str, seconds: float, connections: int) -> float:
    """Requests per second with `connections` clients sending back to back."""
    done = 0
    deadline = time.monotonic() + seconds
    async with load_client(connections) as client:

        async def one_client() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await post(client, url, delivery(), secret)
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(connections)))
        return done / (time.monotonic() - started)


async def open_loop(url: str, secret: str, rate: float, seconds: float) -> list[float]:
    """Latencies (s) of requests sent at a steady `rate`, whatever the answers' pace."""
    latencies: list[float] = []
    async with load_client(200) as client:

        async def one() -> None:
            body = delivery()
            started = time.monotonic()
            await post(client, url, body, secret)
            latencies.append(time.monotonic() - started)

        tasks = []
        begin = time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def ingest(seconds: float, connections: int, rate: float) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery().start()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        [(path, secret)] = add_hooks(database, ["C0BENCH01"])
        with server(baseline_command("ingest"), {}) as (url, _):
            asyncio.run(closed_loop(url + path, secret, 2, connections))  # warm up
            results["baseline_rate"] = asyncio.run(closed_loop(url + path, secret, seconds, connections))
            base_latency = asyncio.run(open_loop(url + path, secret, rate, seconds))
        with server(bot_command(), bot_env(slack, qovery, database)) as (url, process):
            asyncio.run(closed_loop(url + path, secret, 2, connections))
            results["bot_rate"] = asyncio.run(closed_loop(url + path, secret, seconds, connections))
            bot_latency = asyncio.run(open_loop(url + path, secret, rate, seconds))
            results["peak_rss_mb"] = peak_rss_mb(process)
    slack.stop()
    qovery.stop()
    results["ratio"] = results["bot_rate"] / results["baseline_rate"]
    for name, latencies in (("baseline", base_latency), ("bot", bot_latency)):
        results[f"{name}_p50_ms"] = statistics.median(latencies) * 1000
        results[f"{name}_p99_ms"] = percentile(latencies, 0.99) * 1000
    print(
        f"ingest: {results['bot_rate']:.0f} deliveries/s stored and acknowledged, "
        f"baseline {results['baseline_rate']:.0f}/s: ratio {results['ratio']:.2f} (target >= 0.5)\n"
        f"ingest at {rate:.0f}/s: p50 {results['bot_p50_ms']:.1f} ms, p99 {results['bot_p99_ms']:.1f} ms "
        f"(target p99 < 50 ms); baseline p50 {results['baseline_p50_ms']:.1f} ms, "
        f"p99 {results['baseline_p99_ms']:.1f} ms\n"
        f"memory: peak RSS of the server through the ingest run {results['peak_rss_mb']:.0f} MB "
        "(target < 150 MB)"
    )
    return results


# -- ack -----------------------------------------------------------------------------------------------


async def acks(url: str, slack: FakeSlack, in_flight: int, rounds: int) -> list[float]:
    signer = SlackSigner(SIGNING_SECRET)
    latencies: list[float] = []
    async with load_client(in_flight) as client:

        async def one(number: int) -> None:
            body = slash_command_body(
                "webhook list", response_url=slack.response_url(f"b{number}"), user_id=ADMIN
            )
            headers = signer.headers(body)
            started = time.monotonic()
            async with client.post(f"{url}/slack/events", data=body, headers=headers) as answer:
                text = await answer.text()
            latencies.append(time.monotonic() - started)
            assert answer.status == 200, text

        for round_number in range(rounds):
            await asyncio.gather(*(one(round_number * in_flight + n) for n in range(in_flight)))
    return latencies


def ack(in_flight: int, rounds: int) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    acme = qovery.seed()
    qovery.delay("listOrganizationWebHooks", 2.0)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        env = bot_env(slack, qovery, Path(folder) / "bench.db", QOVERY_API_TOKEN=acme.token)
        with server(baseline_command("ack"), {"SLACK_SIGNING_SECRET": SIGNING_SECRET}) as (url, _):
            asyncio.run(acks(url, slack, in_flight, 1))
            base = asyncio.run(acks(url, slack, in_flight, rounds))
        with server(bot_command(), env) as (url, _):
            asyncio.run(acks(url, slack, in_flight, 1))
            # The warm-up's work is done (its first calls to Slack and Qovery, its first imports) before
            # measuring; the measured rounds' own 2-s calls to Qovery are all in flight while they ack.
            slack.wait_for("response_url", count=in_flight, timeout=60)
            bot = asyncio.run(acks(url, slack, in_flight, rounds))
            # Every answer still arrives, after Qovery's 2 s.
            slack.wait_for("response_url", count=in_flight * (rounds + 1), timeout=60)
    slack.stop()
    qovery.stop()
    for name, latencies in (("baseline", base), ("bot", bot)):
        results[f"{name}_p50_ms"] = statistics.median(latencies) * 1000
        results[f"{name}_p99_ms"] = percentile(latencies, 0.99) * 1000
    print(
        f"ack: {in_flight} slash commands in flight, Qovery taking 2 s each: "
        f"p50 {results['bot_p50_ms']:.1f} ms, "
        f"p99 {results['bot_p99_ms']:.1f} ms (target p99 < 100 ms); bare Bolt app p50 "
        f"{results['baseline_p50_ms']:.1f} ms, p99 {results['baseline_p99_ms']:.1f} ms: "
        f"ratio of p99 {results['bot_p99_ms'] / results['baseline_p99_ms']:.2f}"
    )
    return results


# -- drain ---------------------------------------------------------------------------------------------


def drain(channels: int, per_channel: int) -> dict[str, Any]:
    slack, qovery = FakeSlack(channel_interval_seconds=1.0).start(), FakeQovery().start()
    names = [f"C0DRAIN{n:02d}" for n in range(channels)]
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        hooks = add_hooks(database, names)
        with server(bot_command(), bot_env(slack, qovery, database)) as (url, _):
            started = time.monotonic()
            with httpx.Client(timeout=30) as client:
                for _ in range(per_channel):
                    for path, secret in hooks:
                        answer = client.post(
                            url + path, content=delivery(), headers={"Qovery-Secret": secret}
                        )
                        assert answer.status_code == 200
            total = channels * per_channel
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
        f"drain: {total} deliveries over {channels} channels posted in {elapsed:.2f} s; the floor Slack's "
        f"1/s/channel allows is {floor} s: ratio {elapsed / floor:.2f} (target <= 1.2); "
        f"429s: {len(limited)} in all, at most {worst} in a channel (target <= 1)"
    )
    return {"elapsed": elapsed, "floor": floor, "ratio": elapsed / floor, "rate_limited": len(limited)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["ingest", "ack", "drain", "all"])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each ingest measurement")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, to quote medians")
    args = parser.parse_args()
    for _ in range(args.repeat):
        if args.what in ("ingest", "all"):
            ingest(args.seconds, connections=32, rate=200)
        if args.what in ("ack", "all"):
            ack(in_flight=50, rounds=4)
        if args.what in ("drain", "all"):
            drain(channels=20, per_channel=10)


if __name__ == "__main__":
    main()
