"""Storage: migrations bring an empty or an older database to the latest revision, keeping its rows."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from subprocess import PIPE

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Connection

from adapters.sql.engine import (
    MIGRATIONS,
    create_engine,
    current_revision,
    downgrade,
    head_revision,
    migrate,
    ping,
)
from adapters.sql.tables import hooks, metadata, workspaces
from bot.subscriptions.options import HookSettings
from tests.helpers import bot_environment

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def test_empty_database_reaches_the_latest_revision(database_url: str) -> None:
    async def scenario() -> tuple[str | None, set[str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.connect() as connection:
                tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            return await current_revision(engine), tables
        finally:
            await engine.dispose()

    revision, tables = asyncio.run(scenario())
    assert revision == head_revision()
    assert {"workspaces", "hooks", "alembic_version"} <= tables


def test_older_database_is_upgraded_without_losing_rows(database_url: str) -> None:
    async def scenario() -> tuple[str | None, list[str], list[str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine, previous_revision())
            async with engine.begin() as connection:
                await connection.execute(
                    insert(workspaces).values(team_id="T1", qovery_token="v1.sealed", created_at=NOW)
                )
            await migrate(engine)
            async with engine.begin() as connection:
                await connection.execute(
                    insert(hooks).values(
                        id="h1", team_id="T1", channel_id="C1", secret="v1.sealed", created_at=NOW
                    )
                )
                teams = (await connection.execute(select(workspaces.c.qovery_token))).scalars().all()
                settings = (await connection.execute(select(hooks.c.settings))).scalars().all()
            modes = [HookSettings.from_json(stored).mode for stored in settings]
            return await current_revision(engine), list(teams), list(modes)
        finally:
            await engine.dispose()

    revision, tokens, modes = asyncio.run(scenario())
    assert revision == head_revision()
    assert tokens == ["v1.sealed"]
    assert modes == ["update"]  # the column default of the new table applies


def test_a_hooks_mode_moves_into_its_settings_and_back(database_url: str) -> None:
    async def scenario() -> tuple[list[object], list[object]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine, "0007")
            async with engine.begin() as connection:
                for hook_id, mode in (("h1", "thread"), ("h2", "post"), ("h3", "update")):
                    await connection.execute(
                        text(
                            "INSERT INTO hooks (id, team_id, channel_id, secret, mode, created_at) "
                            "VALUES (:id, 'T1', 'C1', 'v1.sealed', :mode, :now)"
                        ),
                        {"id": hook_id, "mode": mode, "now": NOW},
                    )
            await migrate(engine)
            async with engine.connect() as connection:
                rows = (await connection.execute(select(hooks.c.settings).order_by(hooks.c.id))).scalars()
                upgraded: list[object] = [HookSettings.from_json(stored).mode for stored in rows]
            await downgrade(engine, "0007")
            async with engine.connect() as connection:
                back = (await connection.execute(text("SELECT mode FROM hooks ORDER BY id"))).scalars()
                downgraded: list[object] = list(back)
            return upgraded, downgraded
        finally:
            await engine.dispose()

    upgraded, downgraded = asyncio.run(scenario())
    assert upgraded == ["thread", "post", "update"]
    assert downgraded == ["thread", "post", "update"]


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    async def scenario() -> str | None:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as connection:
                await connection.execute(insert(workspaces).values(team_id="T1", created_at=NOW))
            await migrate(engine)
            async with engine.connect() as connection:
                assert (await connection.execute(select(workspaces.c.team_id))).scalars().all() == ["T1"]
            return await current_revision(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == head_revision()


def test_replicas_migrating_at_once_both_succeed(postgres_database_url: str, tmp_path: Path) -> None:
    env = bot_environment(DATABASE_URL=postgres_database_url)
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=PIPE,
            stderr=PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(replica.wait(timeout=60), replica.communicate()) for replica in replicas]
    for code, (out, err) in results:
        assert code == 0, err
        assert out.strip() == f"database at revision {head_revision()} (latest)"


def test_table_definitions_match_the_migrations(database_url: str) -> None:
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    async def scenario() -> list[object]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.connect() as connection:
                return await connection.run_sync(differences)
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == []


def test_ping_answers_for_a_live_database(database_url: str) -> None:
    async def scenario() -> bool:
        engine = create_engine(database_url)
        try:
            return await ping(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(scenario())


def test_default_sqlite_file_is_created_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=bot_environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database at revision {head_revision()} (latest)"
    assert (tmp_path / "qovery-slack.db").exists()
