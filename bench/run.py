"""Benchmarks of qovery-slack, each against a baseline measured in the same run on the same machine.

    python bench/run.py ingest    # deliveries/s stored (wrk) vs bare Starlette; p50/p99 at 200/s; SQLite and
                                  # PostgreSQL (TEST_POSTGRES_URL, or the machine's at 127.0.0.1:5432/test)
    python bench/run.py latency   # delivery to card: 10 channels, a delivery each every 2 s; then a burst;
                                  # Qovery's history, commits and audit log looked up (--no-lookups: none)
    python bench/run.py ack       # slash-command ack latency, 50 in flight, Qovery 2 s slow; vs bare Bolt
    python bench/run.py drain     # 200 deliveries over 20 channels at Slack's 1/s/channel; vs the floor
    python bench/run.py memory    # peak RSS while 100,000 deliveries wait (Slack down)
    python bench/run.py claim     # a claim's time with 1,000 and 100,000 waiting; SQLite and PostgreSQL
    python bench/run.py fanout    # a delivery to each of 1,000 channels, to the last card; vs a bare poster
    python bench/run.py alerts    # doorbell to message, Qovery answering in 100 ms; reads in a burst
    python bench/run.py all --repeat 3

Servers run as separate processes (uvicorn, one worker, the same settings for the bot and its baseline);
throughput is driven by wrk (bench/load.py), the other loads and the fakes of Slack and Qovery
(tests/fakes/) run in this process. Machines here are shared and noisy: read the ratios and the medians
of `--repeat`, not the absolute numbers. One benchmark a module (bench/ingest.py ...); what they share
is in bench/servers.py.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ack import ack
from bench.alerts import alerts
from bench.claim import claim
from bench.drain import drain
from bench.fanout import fanout
from bench.ingest import ingest
from bench.latency import latency
from bench.load import summary
from bench.memory import memory


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what", choices=["ingest", "latency", "ack", "drain", "memory", "claim", "fanout", "alerts", "all"]
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each throughput and latency run"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians are quoted at the end")
    parser.add_argument("--deliveries", type=int, default=100_000, help="the backlog of `memory`")
    parser.add_argument("--no-lookups", action="store_true", help="`latency` with no Qovery lookup")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _ in range(args.repeat):
        if args.what in ("ingest", "all"):
            runs["ingest"].append(ingest(args.seconds))
        if args.what in ("latency", "all"):
            runs["latency"].append(latency(max(args.seconds, 20.0), lookups=not args.no_lookups))
        if args.what in ("ack", "all"):
            runs["ack"].append(ack(in_flight=50, rounds=4))
        if args.what in ("drain", "all"):
            runs["drain"].append(drain(channels_count=20, per_channel=10))
        if args.what in ("memory", "all"):
            runs["memory"].append(memory(args.deliveries))
        if args.what in ("claim", "all"):
            runs["claim"].append(claim())
        if args.what in ("fanout", "all"):
            runs["fanout"].append(fanout())
        if args.what in ("alerts", "all"):
            runs["alerts"].append(alerts())
    if args.repeat > 1:
        print(f"\nmedians (min-max) of {args.repeat} runs:")
        for name, results in runs.items():
            figures = ", ".join(f"{key} {summary([r[key] for r in results])}" for key in results[0])
            print(f"  {name}: {figures}")


if __name__ == "__main__":
    main()
