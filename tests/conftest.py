"""Fixtures shared by every test: the fake Slack, settings isolated from the host, databases, the app."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from adapters.settings import Settings
from adapters.web.logs import keep_secrets_out_of_logs
from bot.deliveries.courier import Pace
from tests.fakes import qovery_api, slack_api
from tests.fakes.app_server import RUNNING, RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import bot_environment, free_port, wait_until_up

# CI points this at the machine's PostgreSQL; on a laptop without one, the PostgreSQL cases skip.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
SIGNING_SECRET = "test-signing-secret-8f1c2b"
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
OAUTH_CLIENT_SECRET = "client-secret-value"
# Slack's pace of one message a second per channel, but retries after a 5xx come in tens of milliseconds.
QUICK_RETRIES = Pace(backoff_seconds=0.05)


def server_env(slack: FakeSlack, port: int, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot run in its own process: the tests' secrets, this fake Slack, this port."""
    return bot_environment(
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        PUBLIC_URL="http://bot.test",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        **extra,
    )


# Configured as in production: the SDKs' loggers never write request bodies.
keep_secrets_out_of_logs()


@pytest.fixture(autouse=True)
def no_secret_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After every test: no secret in any log line (at DEBUG), Slack message or view, or HTTP answer; and
    no block that slack-sdk's Block Kit models refuse in anything sent to the fake Slack."""
    caplog.set_level(logging.DEBUG)
    for started in (RUNNING, slack_api.STARTED, qovery_api.STARTED):
        started.clear()
    yield
    secrets = {SIGNING_SECRET, SECRET_KEY, OAUTH_CLIENT_SECRET}
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    seen = [record.getMessage() + (caplog.text if record.exc_info else "") for record in records]
    for slack in slack_api.STARTED:
        secrets |= set(slack.tokens)
        seen += [json.dumps(call.args) for call in slack.calls]
    for qovery in qovery_api.STARTED:
        secrets |= set(qovery.tokens)
        secrets |= {w["target_secret"] for w in qovery.webhooks.values() if w.get("target_secret")}
        secrets |= qovery.secret_values  # a variable's or a secret's value from the audit log
    seen += [answer for app in RUNNING for answer in app.answers]
    leaks = {secret for secret in secrets for text in seen if secret in text}
    assert not leaks, f"secrets shown to a user or a log: {leaks}"
    # Every message and view the bot sent was read back with slack-sdk's Block Kit models.
    refused = [violation for slack in slack_api.STARTED for violation in slack.block_violations]
    assert not refused, f"Block Kit that Slack would refuse: {refused}"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable or `.env` of the developer's machine leaks into a test."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def qovery() -> Iterator[FakeQovery]:
    """The fake Qovery API; a test fails if anything sent to it or answered by it broke the spec."""
    fake = FakeQovery().start()
    yield fake
    fake.stop()
    assert fake.spec_violations == [], "requests or answers that Qovery's OpenAPI description refuses"


@pytest.fixture
def acme(qovery: FakeQovery) -> Acme:
    """The organization Acme at the fake Qovery, with an admin and a viewer token."""
    return qovery.seed()


@pytest.fixture
def settings(slack: FakeSlack, qovery: FakeQovery, tmp_path: Path) -> Settings:
    """No Qovery token of its own: the workspace must `connect` first."""
    return make_settings(
        slack, qovery_api_url=qovery.url, database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    )


def make_settings(slack: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SIGNING_SECRET,
        "slack_bot_token": "xoxb-test-token",
        "slack_api_url": slack.api_url,
        "public_url": "http://bot.test",
        "secret_key": SECRET_KEY,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@pytest.fixture
def app(settings: Settings, slack: FakeSlack) -> Iterator[RunningApp]:
    with serve(settings, slack) as running:
        yield running


@pytest.fixture
def acme_app(settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme) -> Iterator[RunningApp]:
    """The bot with QOVERY_API_TOKEN set to Acme's admin token, answering Qovery's calls within 2 s."""
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, qovery_timeout=httpx.Timeout(2.0), pace=QUICK_RETRIES) as running:
        qovery.redirects[configured.public_url] = running.url
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind the bot supports, dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL case: set TEST_POSTGRES_URL=postgresql+asyncpg://user@host:5432/db to run it")
    yield from fresh_postgres_database(POSTGRES_URL)


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """An empty PostgreSQL database, for what only PostgreSQL supports (several replicas)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL only: set TEST_POSTGRES_URL=postgresql+asyncpg://user@host:5432/db to run it")
    yield from fresh_postgres_database(POSTGRES_URL)


def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    import asyncpg

    admin = make_url(admin_url)
    name = f"qovery_slack_test_{uuid.uuid4().hex[:12]}"
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(plain)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def replicas(
    tmp_path: Path, slack: FakeSlack, qovery: FakeQovery, acme: Acme, postgres_database_url: str
) -> Iterator[list[str]]:
    """Two `qovery-slack serve` processes on one PostgreSQL database, Acme's token configured."""
    command = shutil.which("qovery-slack", path=str(Path(sys.executable).parent))
    assert command
    processes, urls, logs = [], [], []
    for _ in range(2):
        port = free_port()
        env = server_env(
            slack, port, postgres_database_url, QOVERY_API_URL=qovery.url, QOVERY_API_TOKEN=acme.token
        )
        log = (tmp_path / f"replica-{port}.log").open("w")
        logs.append(log)
        processes.append(subprocess.Popen([command, "serve"], cwd=tmp_path, env=env, stderr=log, text=True))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(f"{url}/healthz", process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()
