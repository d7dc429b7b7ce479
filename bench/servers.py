"""What every benchmark stands on: the bot and its baselines as processes, their settings, a database,
hooks, a delivery's body, and the figures' arithmetic."""

from __future__ import annotations

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

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.crypto import SecretBox
from adapters.sql.engine import create_engine, migrate
from adapters.sql.hooks import SqlHooks
from bench.load import percentile
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import HookSettings
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import ADMIN, TEAM_ID, FakeSlack
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def server(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    full_env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),  # this checkout's code, whichever one the environment has installed
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
    assert found, "install the project first: the README's test command"
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
    """Hooks straight in the database, as `/qovery subscribe` and a first delivery leave them: (path,
    secret) each."""

    async def add() -> list[tuple[str, str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            hooks = SqlHooks(engine, SecretBox(SECRET_KEY))
            made = []
            for channel in names:
                hook = new_hook(TEAM_ID, channel, channel.lower(), HookSettings(), ADMIN)
                await hooks.add(hook)
                await hooks.secret_seen(hook)  # as after its first delivery: the steady state measured
                made.append((f"/qovery/hooks/{hook.id}", hook.secret))
            return made
        finally:
            await engine.dispose()

    return asyncio.run(add())


@contextlib.contextmanager
def subscribed(kind: str, names: list[str]) -> Iterator[tuple[str, list[tuple[str, str]]] | None]:
    """A new database of `kind` (in a folder of its own) with a hook for each channel of `names`: its URL
    and the hooks; None when PostgreSQL does not answer."""
    with tempfile.TemporaryDirectory() as folder, database(kind, Path(folder)) as url:
        yield None if url is None else (url, add_hooks(url, names))


def delivery(
    event: str = "DEPLOYMENT_STARTED",
    deployment: str | None = None,
    environment_id: str = "e1",
    created_at: str = "2026-11-27T10:15:00Z",
) -> bytes:
    return json.dumps(
        {
            "created_at": created_at,
            "event_type": event,
            "payload_type": "DEPLOYMENT",
            "payload_id": uuid.uuid4().hex,
            "payload": {
                "deployment_id": deployment or uuid.uuid4().hex,
                "organization": {"id": "o1", "name": "Acme"},
                "project": {"id": "p1", "name": "billing"},
                "environment": {"id": environment_id, "name": "production", "mode": "PRODUCTION"},
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
