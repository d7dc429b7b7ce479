"""Drain: deliveries over many channels at Slack's pace, against the floor that pace sets."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.servers import (
    add_hooks,
    bot_command,
    bot_env,
    database,
    delivery,
    server,
)
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack


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
