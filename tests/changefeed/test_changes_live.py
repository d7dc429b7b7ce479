"""The change feed through the real app: `/qovery changes ...` typed in Slack, the fake Qovery serving
its audit log in pages (spec-checked), and what the bot then answers. The bursts' timing, restarts and
replicas are in tests/sql/test_change_feed.py, with a clock the test moves."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.sql.changefeed import SqlChanges
from adapters.sql.engine import create_engine
from adapters.sql.jobs import SqlJobs
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import MEMBER, TEAM_ID

SECRET_VALUE = "s3cr3t-Value-that-must-never-show"
OTHER_PROJECT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def said(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def read_now(app: RunningApp) -> None:
    """Ask for the feed's read at once, as a subscribe does, rather than wait for its minute."""

    async def ring() -> None:
        engine = create_engine(app.settings.database_url)
        try:
            await SqlJobs(engine).ring(f"changes:{TEAM_ID}", datetime.now(UTC))
        finally:
            await engine.dispose()

    asyncio.run(ring())


def kept(app: RunningApp) -> int:
    async def count() -> int:
        engine = create_engine(app.settings.database_url)
        try:
            return len(
                await SqlChanges(engine).recent(TEAM_ID, datetime(2000, 1, 1, tzinfo=UTC), None, 10_000)
            )
        finally:
            await engine.dispose()

    return asyncio.run(count())


def until(app: RunningApp, words: str, found: Callable[[str], bool], tries: int = 60) -> str:
    for _ in range(tries):
        text = said(app.ask(words))
        if found(text):
            return text
        time.sleep(0.5)  # a moment for the read (it runs every few seconds)
    raise AssertionError(f"`{words}` never answered as expected: {text}")


def test_subscribe_then_changes_lists_what_was_read_names_only_escaped_and_only_this_organization(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    answer = said(acme_app.ask("changes subscribe --envs production"))
    assert "now gets the organization's changes" in answer
    assert "envs `PRODUCTION`" in answer
    at = datetime.now(UTC) + timedelta(milliseconds=1)
    for n, key in enumerate((*(f"V{i}" for i in range(110)), "DATABASE_URL", "<!channel>")):
        kind = "SECRET" if key == "DATABASE_URL" else "VARIABLE"
        qovery.add_audit_event(
            acme.organization_id, at=at + timedelta(microseconds=n), sub_target_type=kind,
            change={"key": key, "value": SECRET_VALUE},
            original_change={"key": key, "value": "x" + SECRET_VALUE},
            project_id=acme.project_id, environment_id=acme.environment_id,
        )  # fmt: skip
    qovery.add_audit_event(acme.organization_id, at=at, sub_target_type="VARIABLE", project_id=OTHER_PROJECT,
                           change={"key": "ELSEWHERE"}, triggered_by="eve@other.org")  # fmt: skip
    read_now(acme_app)
    text = until(acme_app, "changes billing/production --since 1h", lambda t: "DATABASE_URL" in t)
    assert "`DATABASE_URL` (secret, changed)" in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "ELSEWHERE" not in text
    assert SECRET_VALUE not in text
    assert text.count("alice@acme.com") == 20  # the last 20
    older = said(acme_app.ask("changes --since 1h --user alice@acme.com"))
    assert older.count("*alice@acme.com*") == 20
    # 112 events: the reads follow Qovery's pages (100 each) to the end; nothing missing, none twice.
    assert kept(acme_app) == 112
    assert said(acme_app.ask("changes --user bob@acme.com")).count("alice@acme.com") == 0
    assert "channels that get the organization" in said(acme_app.ask("changes list")).lower()
    assert qovery.spec_violations == []


def test_refusals_are_said_in_words(acme_app: RunningApp, qovery: FakeQovery) -> None:
    access = acme_app.command("changes subscribe --projects billing --kinds access,variables").json()
    assert "only for a channel that filters no project or environment" in access["text"]
    assert "Unknown kind `secrets`" in acme_app.command("changes subscribe --kinds secrets").json()["text"]
    assert "not a time" in acme_app.command("changes --since forever").json()["text"]
    member = said(acme_app.ask("changes subscribe", user_id=MEMBER))
    assert "subscribe channels to the change feed" in member
    qovery.fail("getOrganizationEvents", status=403, body={"status": 403, "error": "Forbidden"}, times=None)
    refused = said(acme_app.ask("changes subscribe"))
    assert "may not read the organization's audit log" in refused
    assert "does not get the change feed" in said(acme_app.ask("changes unsubscribe"))


def test_an_event_type_qovery_spells_with_a_mention_mentions_nobody(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    said(acme_app.ask("changes subscribe --kinds all"))
    qovery.off_spec |= {"getOrganizationEvents"}  # words no enum of Qovery's holds
    at = datetime.now(UTC) + timedelta(milliseconds=1)
    qovery.add_audit_event(
        acme.organization_id, at=at, event_type="TRIGGER_<!CHANNEL>", target_type="ENVIRONMENT",
        target_name="production", project_id=acme.project_id, environment_id=acme.environment_id,
    )  # fmt: skip
    qovery.add_audit_event(
        acme.organization_id, at=at + timedelta(microseconds=1), event_type="CREATE",
        target_type="<!HERE>", target_name="x", project_id=acme.project_id,
    )  # fmt: skip
    qovery.add_audit_event(
        acme.organization_id, at=at + timedelta(microseconds=2), sub_target_type="VARIABLE",
        change={"key": "READY"}, project_id=acme.project_id, environment_id=acme.environment_id,
    )  # fmt: skip
    read_now(acme_app)
    text = until(acme_app, "changes --since 1h", lambda t: "READY" in t)
    assert "<!channel>" not in text.lower()
    assert "<!here>" not in text.lower()
