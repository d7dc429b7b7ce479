"""The helpers every test file shares: a free port, a bot's environment, a channel's subscription, a
card recorded."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from adapters.sql.engine import create_engine
from adapters.sql.tables import cards
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import CHANNEL

__all__ = ["Subscription", "bot_environment", "card_recorded", "free_port", "subscribe"]


def free_port() -> int:
    """A loopback port nothing listens on (the moment it is asked)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CHECKOUT = str(Path(__file__).resolve().parents[1])


def bot_environment(**variables: str) -> dict[str, str]:
    """The environment of a `qovery-slack` process: a valid minimal configuration, then `variables`
    (an empty value leaves that variable out)."""
    env = {
        "PATH": os.environ["PATH"],
        # The code under test, whatever the interpreter has installed (a worktree beside the install).
        "PYTHONPATH": CHECKOUT,
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "PUBLIC_URL": "https://bot.example.com",
        "SECRET_KEY": "k" * 40,
    }
    env |= variables
    return {name: value for name, value in env.items() if value}


@dataclass(frozen=True)
class Subscription:
    """A channel's webhook at Qovery and the bot's end of it, as Qovery would post to it."""

    webhook_id: str
    url: str  # the hook's URL on the running app
    secret: str  # what Qovery sends along


def subscribe(
    app: RunningApp, qovery: FakeQovery, options: str = "", *, channel_id: str = CHANNEL, **fields: str
) -> Subscription:
    """Subscribe a channel through the slash command, as an admin would."""
    before = set(qovery.webhooks)
    app.ask(f"subscribe --events all {options}".strip(), channel_id=channel_id, **fields)
    [webhook_id] = set(qovery.webhooks) - before
    webhook = qovery.webhooks[webhook_id]
    url = app.url + str(webhook["target_url"]).removeprefix(app.settings.public_url)
    return Subscription(webhook_id, url, str(webhook.get("target_secret") or ""))


def card_recorded(app: RunningApp, ts: str, timeout: float = 10.0) -> None:
    """Wait until the bot has recorded the card it posted as `ts` (just after Slack took it): a click on
    the card's buttons reads it from there."""

    async def recorded() -> bool:
        engine = create_engine(app.settings.database_url)
        try:
            async with engine.connect() as connection:
                query = select(cards.c.id).where(cards.c.message_ts == ts)
                return (await connection.execute(query)).first() is not None
        finally:
            await engine.dispose()

    deadline = time.monotonic() + timeout
    while not asyncio.run(recorded()):
        assert time.monotonic() < deadline, f"card {ts} was never recorded"
        time.sleep(0.05)


def wait_until_up(url: str, process: subprocess.Popen[str], timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")
