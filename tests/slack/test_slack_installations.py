"""Slack's tokens at rest (multi-workspace mode): sealed in the database, opened only with SECRET_KEY."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Bot, Installation
from sqlalchemy import select, update

from adapters.crypto import SecretBox
from adapters.slack.installations import SealedInstallationStore, seal_stored_tokens
from adapters.sql.engine import create_engine, migrate
from adapters.sql.tables import slack_bots, slack_installations
from tests.conftest import SECRET_KEY

CLIENT_ID = "123.456"
BOT_TOKEN = "xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrStUvWx"
# Rotating refresh tokens are long: sealed, this one is well over slack-sdk's 200 characters.
REFRESH_TOKEN = "xoxe-1-" + "My0xLTEyMzQ1Njc4OTAxMi0" * 7


def installation(team_id: str = "T0ACME001") -> Installation:
    return Installation(
        app_id="A0QOVERY1",
        enterprise_id=None,
        team_id=team_id,
        user_id="U0ADMIN01",
        bot_token=BOT_TOKEN,
        bot_refresh_token=REFRESH_TOKEN,
        bot_token_expires_in=43200,
        bot_id="B0BOT0001",
        bot_user_id="U0BOT0001",
        incoming_webhook_url="https://hooks.slack.com/services/T0ACME001/B0HOOK001/secretpart",
        installed_at=datetime(2026, 11, 27, tzinfo=UTC).timestamp(),
    )


async def stored_rows(database_url: str) -> list[dict[str, object]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = []
            for table in (slack_installations, slack_bots):
                rows += [dict(row._mapping) for row in (await connection.execute(select(table))).all()]
            return rows
    finally:
        await engine.dispose()


def test_tokens_are_sealed_in_the_database_and_open_with_the_key(database_url: str) -> None:
    async def scenario() -> tuple[Bot | None, Installation | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            store = SealedInstallationStore(CLIENT_ID, engine, SecretBox(SECRET_KEY))
            await store.async_save(installation())
            bot = await store.async_find_bot(enterprise_id=None, team_id="T0ACME001")
            found = await store.async_find_installation(enterprise_id=None, team_id="T0ACME001")
            return bot, found
        finally:
            await engine.dispose()

    bot, found = asyncio.run(scenario())
    assert bot is not None
    assert found is not None
    assert (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH_TOKEN)
    assert (found.bot_token, found.incoming_webhook_url) == (BOT_TOKEN, installation().incoming_webhook_url)
    rows = asyncio.run(stored_rows(database_url))
    assert len(rows) == 2  # the installation and its bot
    everything = repr(rows)
    for secret in (BOT_TOKEN, REFRESH_TOKEN, "secretpart"):
        assert secret not in everything


def test_tokens_sealed_with_another_key_are_as_good_as_not_installed(
    tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"

    async def scenario() -> tuple[Bot | None, Installation | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            await SealedInstallationStore(CLIENT_ID, engine, SecretBox(SECRET_KEY)).async_save(installation())
            other = SealedInstallationStore(CLIENT_ID, engine, SecretBox("another-key-" + "k" * 32))
            return (
                await other.async_find_bot(enterprise_id=None, team_id="T0ACME001"),
                await other.async_find_installation(enterprise_id=None, team_id="T0ACME001"),
            )
        finally:
            await engine.dispose()

    with caplog.at_level(logging.ERROR):
        assert asyncio.run(scenario()) == (None, None)
    assert "workspace T0ACME001: the Slack tokens stored do not open with this SECRET_KEY" in caplog.text


def test_tokens_stored_in_the_clear_before_are_sealed_at_start_up(database_url: str) -> None:
    async def scenario() -> tuple[int, int, Bot | None]:
        engine = create_engine(database_url)
        box = SecretBox(SECRET_KEY)
        try:
            await migrate(engine)
            store = SealedInstallationStore(CLIENT_ID, engine, box)
            await store.async_save(installation())
            async with engine.begin() as connection:  # as a version before sealing left them
                for table in (slack_installations, slack_bots):
                    await connection.execute(update(table).values(bot_token=BOT_TOKEN))
            first, again = await seal_stored_tokens(engine, box), await seal_stored_tokens(engine, box)
            return first, again, await store.async_find_bot(enterprise_id=None, team_id="T0ACME001")
        finally:
            await engine.dispose()

    first, again, bot = asyncio.run(scenario())
    assert (first, again) == (2, 0)  # both rows sealed, and nothing left to seal
    assert bot is not None
    assert bot.bot_token == BOT_TOKEN
    assert BOT_TOKEN not in repr(asyncio.run(stored_rows(database_url)))
