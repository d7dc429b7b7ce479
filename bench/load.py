"""The loads of the benchmarks: wrk for throughput (a C load generator, so that the load is not what is
measured), aiohttp for a steady rate and for bodies of our own, and the figures they give."""

from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

__all__ = ["Throughput", "ensure_wrk", "open_loop", "percentile", "summary", "wrk"]

WRK_SCRIPT = Path(__file__).with_name("wrk_post.lua")


def ensure_wrk() -> str:
    """wrk's path; installed from Debian's packages when missing (this machine's kind allows it)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it (apt-get install wrk)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    assert found, "wrk could not be installed: apt-get install wrk"
    return found


@dataclass(frozen=True)
class Throughput:
    rate: float  # requests answered per second
    failed: int  # answers other than 2xx, and socket errors
    load_cpu: float  # the load generator's CPU, as a share of one core: below 1, it was not the limit


def wrk(url: str, secret: str, seconds: float, connections: int = 32) -> Throughput:
    """Closed loop: `connections` clients posting new deliveries back to back, one wrk thread."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        [ensure_wrk(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(WRK_SCRIPT), url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "WRK_SECRET": secret},
    ).stdout
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = int(non_2xx.group(1)) if non_2xx else 0
    failed += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Throughput(float(rate.group(1)), failed, cpu / elapsed)


async def open_loop(
    url: str, body: Callable[[], bytes], secret: str, rate: float, seconds: float
) -> list[float]:
    """Latencies (s) of requests sent at a steady `rate`, whatever the answers' pace."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as client:

        async def one() -> None:
            data = body()
            started = time.monotonic()
            async with client.post(url, data=data, headers={"Qovery-Secret": secret}) as answer:
                await answer.read()
                assert answer.status == 200, answer.status
            latencies.append(time.monotonic() - started)

        tasks = []
        begin = time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> str:
    """`median (min-max)` of runs."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
