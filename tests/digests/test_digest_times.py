"""A digest counts each deployment in the window it finished in, whatever offset Qovery wrote its time
with, on SQLite and PostgreSQL: a success at 07:30 UTC written `+05:00` (12:30) or `-07:00` (00:30) is in
the digest due at 09:00 UTC, not in the one before or after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
from pydantic import SecretStr

from adapters.settings import Settings
from tests.conftest import QUICK_RETRIES
from tests.deliveries.test_deliveries import drained
from tests.digests.test_quiet_and_digests import deliveries_shown, messages_saying, queued_at, shown
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import subscribe

FIVE_EAST, SEVEN_WEST = timezone(timedelta(hours=5)), timezone(timedelta(hours=-7))


def test_a_digest_counts_deployments_whose_times_came_with_an_offset_in_their_window(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    now = datetime.now(UTC)
    due = now.replace(hour=9, minute=0, second=0, microsecond=0)
    due += timedelta(days=1) if due <= now else timedelta()
    with serve(configured, slack, qovery_timeout=httpx.Timeout(2.0), pace=QUICK_RETRIES) as app:
        qovery.redirects[configured.public_url] = app.url
        hook = subscribe(app, qovery, '--kind standard --watch 0 --digest "daily@09:00 UTC"')
        # Finished 1 h 30 before it is due, twice, each written with an offset; and one the day before.
        for number, finished in enumerate(
            ((due - timedelta(minutes=90)).astimezone(FIVE_EAST),
             (due - timedelta(minutes=80)).astimezone(SEVEN_WEST),
             (due - timedelta(days=1, minutes=10)).astimezone(SEVEN_WEST))
        ):  # fmt: skip
            body = qovery.standard_body("DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id,
                                        deployment_id=f"{acme.environment_id}-{number + 10}")  # fmt: skip
            body["created_at"] = finished.isoformat()
            qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id,
                           body=body)  # fmt: skip
        drained(app)
        # The first look (past the running bot's own, on the test's clock) plans the digest due next.
        assert queued_at(app, now + timedelta(minutes=2)) == 0
        assert queued_at(app, due + timedelta(seconds=20)) == 1
        [digest] = messages_saying(app, "Daily digest")
        assert "2 deployments in 1 environment" in shown(digest.args)
        assert "daily digest · 2 deployments" in deliveries_shown(app)
