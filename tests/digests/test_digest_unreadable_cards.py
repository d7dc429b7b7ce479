"""A digest over cards one of which the bot cannot read back (kept by an older bot, or damaged), on SQLite
and PostgreSQL: that card is left out, and the digest still goes out with every other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy import update

from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.tables import cards
from tests.conftest import QUICK_RETRIES
from tests.deliveries.test_deliveries import drained
from tests.digests.test_quiet_and_digests import messages_saying, queued_at, shown
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import subscribe


async def spoil_first_card(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(update(cards).where(cards.c.id == 1).values(deployment='{"status": "??"}'))
    await engine.dispose()


def test_a_card_the_bot_cannot_read_back_holds_up_no_digest(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    now = datetime.now(UTC)
    with serve(configured, slack, qovery_timeout=httpx.Timeout(2.0), pace=QUICK_RETRIES) as app:
        qovery.redirects[configured.public_url] = app.url
        hook = subscribe(app, qovery, '--kind standard --watch 0 --digest "daily@09:00 UTC"')
        for number in (10, 11):
            body = qovery.standard_body("DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id,
                                        deployment_id=f"{acme.environment_id}-{number}")  # fmt: skip
            qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id,
                           body=body)  # fmt: skip
        drained(app)
        asyncio.run(spoil_first_card(configured.database_url))
        assert queued_at(app, now + timedelta(minutes=2)) == 0  # the digest planned
        assert queued_at(app, now + timedelta(days=1, minutes=2)) == 1
        [digest] = messages_saying(app, "Daily digest")
        assert "1 deployment in 1 environment" in shown(digest.args)
