"""Faults: Slack down, Qovery down, PostgreSQL restarting, the server killed. Each ends with every
delivery the bot acknowledged posted exactly once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from adapters.crypto import SecretBox
from adapters.settings import Settings
from adapters.sql.engine import create_engine, migrate
from adapters.sql.hooks import SqlHooks
from bot.deliveries.courier import Pace
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import HookSettings
from tests.conftest import QUICK_RETRIES, SECRET_KEY, server_env
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, TEAM_ID, FakeSlack
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import free_port, subscribe, wait_until_up


def posted_texts(slack: FakeSlack) -> Counter[str]:
    """How many times Slack took each message."""
    return Counter(c.args["text"] for c in slack.calls_to("chat.postMessage") if c.answer.get("ok"))


def test_slack_down_then_back_loses_and_repeats_nothing(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings
) -> None:
    # A minute of outage at a tenth of the scale: production's retries (first after 2 s) at 0.2 s, and
    # Slack answering 500 for 6 s instead of 60. The next test shows the real schedule outlasts it.
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, pace=Pace(backoff_seconds=Pace().backoff_seconds / 10)) as app:
        urls = [subscribe(app, qovery, channel_id=channel).url for channel in ("C0ONE0001", "C0TWO0002")]
        slack.fail("chat.postMessage", status=500, times=None)
        sent = [f"message {n}" for n in range(6)]
        for number, text in enumerate(sent):
            assert httpx.post(urls[number % 2], content=json.dumps({"text": text})).text == "ok"
        time.sleep(6)
        slack.heal("chat.postMessage")
        slack.wait_until(
            lambda c: c.method == "chat.postMessage" and c.answer.get("ok") is True, 30, len(sent)
        )
        assert posted_texts(slack) == Counter(sent)  # each once


def test_production_retries_outlast_two_minutes_of_slack_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.deliveries.courier.random.uniform", lambda low, high: low)  # the shortest jitter
    pace = Pace()
    # Attempt n fails, the delivery waits backoff(n); only the last attempt's failure gives it up.
    waited = sum(pace.backoff(attempt) for attempt in range(1, pace.max_attempts))
    assert waited >= 120


@pytest.fixture
def qovery_behind_proxy(qovery: FakeQovery) -> Iterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", int(qovery.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def test_qovery_down_during_commands_and_deliveries(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings, qovery_behind_proxy: TcpProxy
) -> None:
    proxy = qovery_behind_proxy
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "qovery_api_url": f"http://127.0.0.1:{proxy.port}"}
    )
    with serve(configured, slack, pace=QUICK_RETRIES, qovery_timeout=httpx.Timeout(2.0)) as app:
        subscription = subscribe(app, qovery)
        proxy.down()
        assert "Qovery could not be reached" in app.ask("webhook list")["text"]
        assert "Qovery could not be reached" in app.ask("subscribe --events failure")["text"]
        assert len(qovery.webhooks) == 1  # nothing half-made
        # A delivery that names its environment only: the names cannot be looked up, the card goes out.
        body = {"text": "Deployment failure", "attachments": [{"text": console_link(acme)}]}
        secret = {"Qovery-Secret": subscription.secret}
        assert httpx.post(subscription.url, content=json.dumps(body), headers=secret).text == "ok"
        [card] = slack.wait_for("chat.postMessage")
        assert card.args["text"] == "Deployment failed: an environment"
        proxy.up()
        assert "Webhook created" in app.ask("subscribe --events failure")["text"]


def console_link(acme: Acme) -> str:
    return (
        f"<https://console.qovery.com/organization/{acme.organization_id}/project/{acme.project_id}"
        f"/environment/{acme.environment_id}/overview|Open>"
    )


def test_postgresql_restarting_while_deliveries_flow(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings, postgres_database_url: str
) -> None:
    database = make_url(postgres_database_url)
    proxy = TcpProxy(database.host or "127.0.0.1", database.port or 5432)
    through_proxy = database.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": through_proxy}
    )
    answers: dict[str, int] = {}
    try:
        with serve(configured, slack, pace=Pace(backoff_seconds=0.05, lease_seconds=3)) as app:
            url = subscribe(app, qovery).url

            def flow() -> None:
                # A dozen, since one channel takes a message a second once the database is back.
                for number in range(12):
                    text = f"delivery {number}"
                    answers[text] = httpx.post(
                        url, content=json.dumps({"text": text}), timeout=10
                    ).status_code
                    time.sleep(0.15)

            sender = threading.Thread(target=flow)
            sender.start()
            time.sleep(0.4)
            proxy.down()  # the server goes away: connections cut, new ones refused
            time.sleep(0.8)
            proxy.up()
            sender.join()
            accepted = {text for text, status in answers.items() if status == 200}
            assert set(answers.values()) <= {200, 503}  # refused while down, never a 500
            assert 503 in answers.values()
            deadline = time.monotonic() + 60
            while not accepted <= set(posted_texts(slack)) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            posted = posted_texts(slack)
            assert accepted <= set(posted)  # every acknowledged delivery was posted
            assert set(posted.values()) == {1}  # and none twice
            # A 503 can come after a commit whose answer the cut connection lost: such a delivery is
            # posted too, and Qovery's retry of it is a duplicate, posted nothing more.
            assert set(posted) <= set(answers)
    finally:
        proxy.close()


KILLABLE = """
import uvicorn
from adapters.bootstrap import create_app
from adapters.settings import load_settings
from bot.deliveries.courier import Pace
settings = load_settings()
# A short lease, so that a claim the kill leaves behind is taken again in seconds, not a minute.
pace = Pace(backoff_seconds=0.05, lease_seconds=2, max_attempts=1000)
uvicorn.run(create_app(settings, pace=pace), host=settings.host, port=settings.port, log_config=None)
"""


def test_killed_with_deliveries_queued_posts_them_after_a_restart(slack: FakeSlack, tmp_path: Path) -> None:
    database = tmp_path / "bot.db"

    async def add_hook() -> tuple[str, str]:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        try:
            await migrate(engine)
            hook = new_hook(TEAM_ID, "C0KILLED1", "killed", HookSettings(), ADMIN)
            await SqlHooks(engine, SecretBox(SECRET_KEY)).add(hook)
            return f"/qovery/hooks/{hook.id}", hook.secret
        finally:
            await engine.dispose()

    path, _ = asyncio.run(add_hook())
    port = free_port()
    env = server_env(slack, port, f"sqlite+aiosqlite:///{database}")

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", KILLABLE],
            env=env,
            cwd=Path(__file__).parents[2],
            stderr=subprocess.DEVNULL,
            text=True,
        )
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        return process

    slack.fail("chat.postMessage", status=503, times=None)  # Slack down: everything stays queued
    first = start()
    sent = [f"queued {number}" for number in range(4)]
    for text in sent:
        assert httpx.post(f"http://127.0.0.1:{port}{path}", content=json.dumps({"text": text})).text == "ok"
    slack.wait_for("chat.postMessage", count=len(sent))  # each tried at least once
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    slack.heal("chat.postMessage")
    second = start()
    try:
        slack.wait_until(
            lambda c: c.method == "chat.postMessage" and c.answer.get("ok") is True, 60, len(sent)
        )
        time.sleep(0.5)
        assert posted_texts(slack) == Counter(sent)
        more = ["after 1", "after 2"]  # stored by the second server, the first as a channel's first
        for text in more:
            assert (
                httpx.post(f"http://127.0.0.1:{port}{path}", content=json.dumps({"text": text})).text == "ok"
            )
        slack.wait_until(
            lambda c: c.method == "chat.postMessage" and c.answer.get("ok") is True, 60, len(sent + more)
        )
        second.terminate()
        assert second.wait(30) in (0, -signal.SIGTERM)  # and it stops when told
        assert posted_texts(slack) == Counter(sent + more)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(30)
