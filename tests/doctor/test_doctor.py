"""The doctor and the App Home (SPEC §13), end to end against the fakes: each finding, its repair from
Slack and from the command line, the hourly check on one replica at a time, and the Home tab.
(Long: each finding with its repair, end to end, reads best in one file.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.cli import main
from adapters.core import Core, build_core
from adapters.crypto import SecretBox
from adapters.doctor_schedule import check_if_due
from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.hooks import SqlHooks
from bot.subscriptions.hooks import Hook, new_hook
from bot.subscriptions.options import HookSettings
from tests.conftest import QUICK_RETRIES, SECRET_KEY, SIGNING_SECRET, make_settings
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, TEAM_ID, FakeSlack
from tests.helpers import Subscription, subscribe

MOVED_URL = "http://bot-moved.test"


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every button of a message or view, by its words (sections' accessories included)."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks", []):
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        found |= {e["text"]["text"]: e for e in elements if e.get("type") == "button"}
    return found


def repair(app: RunningApp, report: dict[str, Any], words: str, user_id: str = ADMIN) -> dict[str, Any]:
    button = buttons(report)[words]
    return app.click(button["action_id"], button["value"], user_id=user_id)


def told(slack: FakeSlack, words: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if words in c.args.get("text", "")]


@pytest.fixture
def hook(acme_app: RunningApp, qovery: FakeQovery) -> Subscription:
    return subscribe(acme_app, qovery)


# -- each finding and its repair ---------------------------------------------------------------------------


def test_a_bot_that_moved_re_points_its_webhooks_and_keeps_their_secrets(
    settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    before = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(before, slack, pace=QUICK_RETRIES) as first:
        hook = subscribe(first, qovery)
        assert "nothing wrong" in shown(first.ask("doctor"))
    secret = qovery.webhooks[hook.webhook_id]["target_secret"]

    moved = before.model_copy(update={"public_url": MOVED_URL})  # the same database, a new address
    with serve(moved, slack, pace=QUICK_RETRIES) as app:
        qovery.redirects[MOVED_URL] = app.url
        report = app.ask("doctor")
        assert f"calls bot.test, not this bot at {MOVED_URL.removeprefix('http://')}" in shown(report)
        assert "Re-point" in buttons(report)
        done = repair(app, report, "Re-point")
        assert "re-pointed at this bot, its secret kept" in done["text"]
        webhook = qovery.webhooks[hook.webhook_id]
        assert webhook["target_url"].startswith(f"{MOVED_URL}/qovery/hooks/")
        assert webhook["target_secret"] == secret  # Qovery still signs as before
        assert "nothing to repair" in repair(app, report, "Re-point")["text"]  # once is enough
        response = qovery.deliver(hook.webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
        assert response.status_code == 200
        slack.wait_until(lambda c: c.method == "chat.postMessage" and "failed" in c.args.get("text", ""))
        assert "nothing wrong" in shown(app.ask("doctor"))
    assert qovery.spec_violations == []


def test_a_webhook_deleted_at_qovery_revokes_its_hook_and_tells_the_channel_once(
    acme_app: RunningApp, qovery: FakeQovery, hook: Subscription
) -> None:
    del qovery.webhooks[hook.webhook_id]  # someone deleted it in the console
    report = acme_app.ask("doctor")
    assert f"<#{CHANNEL}>'s webhook `{hook.webhook_id[:8]}` was deleted at Qovery" in shown(report)
    assert "hook revoked" in repair(acme_app, report, "Revoke")["text"]
    assert "nothing to repair" in repair(acme_app, report, "Revoke")["text"]
    [notice] = told(acme_app.slack, "was deleted at Qovery")
    assert notice.args["channel"] == CHANNEL
    assert httpx.post(hook.url, json={"text": "late"}).status_code == 404  # the hook is gone


def test_a_disabled_webhook_is_enabled_and_a_lost_secret_put_back(
    acme_app: RunningApp, qovery: FakeQovery, hook: Subscription
) -> None:
    webhook = qovery.webhooks[hook.webhook_id]
    webhook["enabled"] = False
    webhook.pop("target_secret")  # edited in the console, which sends no secret
    report = acme_app.ask("doctor")
    assert "is disabled at Qovery" in shown(report)
    assert "lost its secret" in shown(report)
    repair(acme_app, report, "Re-point")
    assert qovery.webhooks[hook.webhook_id]["target_secret"] == hook.secret
    report = acme_app.ask("doctor")
    assert "is enabled" not in shown(report)
    assert "enabled" in repair(acme_app, report, "Enable")["text"]
    assert qovery.webhooks[hook.webhook_id]["enabled"] is True
    assert qovery.webhooks[hook.webhook_id]["target_secret"] == hook.secret
    assert "nothing wrong" in shown(acme_app.ask("doctor"))


def test_a_webhook_calling_a_hook_the_bot_no_longer_has_is_deleted_and_foreign_ones_left_alone(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    orphan = qovery.add_webhook(acme.organization_id, target_url="http://bot.test/qovery/hooks/forgotten1")
    elsewhere = qovery.add_webhook(acme.organization_id, target_url="https://other.example/qovery/hooks/x")
    mine = qovery.add_webhook(acme.organization_id)  # another tool's
    report = acme_app.ask("doctor")
    assert f"`{orphan[:8]}` calls a hook this bot no longer has" in shown(report)
    assert elsewhere[:8] not in shown(report)
    assert mine[:8] not in shown(report)
    assert "deleted: it notified nobody" in repair(acme_app, report, "Delete webhook")["text"]
    assert orphan not in qovery.webhooks
    assert {elsewhere, mine} <= set(qovery.webhooks)


def test_failing_deliveries_a_channel_that_refuses_and_a_refused_token_are_reported_for_a_person(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, hook: Subscription
) -> None:
    acme_app.slack.fail("chat.postMessage", error="channel_not_found", times=None)
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while "channel_not_found" not in shown(acme_app.ask("deliveries")) and datetime.now(UTC) < deadline:
        pass
    now = datetime.now(UTC)
    qovery.webhook_events[hook.webhook_id] = [
        {
            "id": f"0e000000-0000-4000-8000-00000000000{n}",
            "created_at": (now - timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
            "kind": "SLACK",
            "matched_event": "DEPLOYMENT_FAILURE",
            "target_url_used": "http://bot.test/qovery/hooks/x",
            "request": {},
            "target_response_status_code": 503 if n < 4 else 200,
            "target_response_body": "",
        }
        for n in range(5)
    ]
    report = shown(acme_app.ask("doctor"))
    assert "4 of its last 5 deliveries failed in Qovery's log" in report
    assert f"Slack refuses the bot's messages in <#{CHANNEL}> (channel_not_found)" in report
    assert not {"Re-point", "Enable"} & set(buttons(acme_app.ask("doctor")))  # these need a person

    qovery.tokens[acme.token] = qovery.tokens[acme.token].__class__((acme.organization_id,), "VIEWER")
    assert "The VIEWER role may not manage webhooks" in shown(acme_app.ask("doctor"))


def test_everyone_sees_the_doctor_admins_repair(
    acme_app: RunningApp, qovery: FakeQovery, hook: Subscription
) -> None:
    del qovery.webhooks[hook.webhook_id]
    report = acme_app.ask("doctor", user_id=MEMBER)
    assert "was deleted at Qovery" in shown(report)
    assert "may repair subscriptions" in repair(acme_app, report, "Revoke", user_id=MEMBER)["text"]
    for forged in ("finding:gone:someone-elses-hook", "finding:" + "x" * 3000, "", "gone:" + hook.webhook_id):
        answer = acme_app.click("doctor_repair", forged)
        assert "no longer finds this" in answer["text"]
    assert not told(acme_app.slack, "was deleted at Qovery")


# -- the command line ---------------------------------------------------------------------------------------


def test_the_command_line_reports_then_repairs_a_moved_bot(
    settings: Settings,
    slack: FakeSlack,
    qovery: FakeQovery,
    acme: Acme,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, pace=QUICK_RETRIES) as app:
        hook = subscribe(app, qovery)
    secret = qovery.webhooks[hook.webhook_id]["target_secret"]
    for name, value in {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": slack.api_url,
        "SECRET_KEY": SECRET_KEY,
        "PUBLIC_URL": MOVED_URL,
        "DATABASE_URL": settings.database_url,
        "QOVERY_API_URL": qovery.url,
        "QOVERY_API_TOKEN": acme.token,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"{TEAM_ID}  moved" in out
    assert "(--repair: re-point)" in out
    assert f"#{CHANNEL}" in out
    assert main(["doctor", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "repaired  Webhook" in out
    assert "nothing wrong" in out
    assert qovery.webhooks[hook.webhook_id]["target_url"].startswith(MOVED_URL)
    assert qovery.webhooks[hook.webhook_id]["target_secret"] == secret


# -- two replicas -------------------------------------------------------------------------------------


@pytest.fixture
def replicated(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, database_url: str
) -> tuple[Settings, Subscription]:
    """Two replicas' settings (one database), and a channel's subscription made through one of them."""
    configured = make_settings(
        slack, database_url=database_url, qovery_api_url=qovery.url, qovery_api_token=SecretStr(acme.token)
    )
    with serve(configured, slack, pace=QUICK_RETRIES) as app:
        return configured, subscribe(app, qovery)


def on_two_replicas(settings: Settings, scenario: Callable[[Core, Core], Awaitable[None]]) -> None:
    """Run `scenario` with two replicas' cores, in one event loop (asyncpg's pools belong to theirs)."""

    async def run() -> None:
        one, two = build_core(settings), build_core(settings)
        try:
            await scenario(one, two)
        finally:
            await one.close()
            await two.close()

    asyncio.run(run())


def test_repairs_run_on_two_replicas_at_once_to_the_same_end(
    replicated: tuple[Settings, Subscription], qovery: FakeQovery, slack: FakeSlack, acme: Acme
) -> None:
    settings, hook = replicated
    del qovery.webhooks[hook.webhook_id]
    orphan = qovery.add_webhook(acme.organization_id, target_url="http://bot.test/qovery/hooks/forgotten1")

    async def scenario(one: Core, two: Core) -> None:
        first, second = await asyncio.gather(one.doctor.repair_all(TEAM_ID), two.doctor.repair_all(TEAM_ID))
        assert any("deleted" in line for line in first + second)
        assert await one.doctor.examine(TEAM_ID) == []

    on_two_replicas(settings, scenario)
    assert len(told(slack, "was deleted at Qovery")) == 1  # one replica revoked it, and told
    assert orphan not in qovery.webhooks


def test_the_hourly_check_runs_on_one_replica_and_tells_only_what_is_new(
    replicated: tuple[Settings, Subscription], qovery: FakeQovery, slack: FakeSlack
) -> None:
    settings, hook = replicated
    webhook = qovery.webhooks[hook.webhook_id]
    webhook["enabled"] = False
    now = datetime.now(UTC)

    async def scenario(one: Core, two: Core) -> None:
        async def at(moment: datetime) -> list[bool]:
            return list(
                await asyncio.gather(
                    check_if_due(one.engine, one.jobs, one.doctor, "replica-1", moment),
                    check_if_due(two.engine, two.jobs, two.doctor, "replica-2", moment),
                )
            )

        assert sorted(await at(now)) == [False, True]  # one of the two ran it
        [notice] = told(slack, "Deployment notifications here may have stopped")
        assert notice.args["channel"] == CHANNEL
        assert "is disabled at Qovery" in notice.args["text"]
        assert await at(now + timedelta(minutes=30)) == [False, False]  # not due yet
        assert sorted(await at(now + timedelta(hours=1, seconds=1))) == [False, True]
        assert len(told(slack, "may have stopped")) == 1  # the same finding: nothing new to tell
        webhook["enabled"] = True
        await at(now + timedelta(hours=2, seconds=2))
        webhook["enabled"] = False  # off again: new again
        await at(now + timedelta(hours=3, seconds=3))
        assert len(told(slack, "may have stopped")) == 2

    on_two_replicas(settings, scenario)


# -- the App Home ------------------------------------------------------------------------------------------


def open_home(app: RunningApp, user_id: str = ADMIN, tab: str = "home") -> dict[str, Any] | None:
    before = len(app.slack.calls_to("views.publish"))
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "api_app_id": "A0QOVERY1",
            "event_id": f"Ev{datetime.now(UTC).timestamp()}",
            "event_time": 1795774500,
            "event": {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": tab},
        }
    )
    headers = app.signer.headers(body, content_type="application/json")
    assert app.http.post("/slack/events", content=body, headers=headers).status_code == 200
    if tab != "home":
        return None
    [call] = app.slack.wait_for("views.publish", before + 1)[before:]
    assert call.args["user_id"] == user_id
    return call.view()


def test_the_home_tab_shows_the_connection_subscriptions_deliveries_and_findings_with_working_buttons(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, hook: Subscription
) -> None:
    other = subscribe(acme_app, qovery, "--mode thread", channel_id="C0OTHER01")
    acme_app.slack.fail("chat.postMessage", error="is_archived", times=1)
    qovery.deliver(other.webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "started" in c.args.get("text", "")
    )
    gone = subscribe(acme_app, qovery, channel_id="C0GONE001")
    del qovery.webhooks[gone.webhook_id]
    acme_app.ask("doctor")  # what it finds is kept for the tab

    home = open_home(acme_app)
    assert home is not None
    text = shown(home)
    assert "Connected to the Qovery organization *Acme*, with the bot's own token" in text
    assert f"<#{CHANNEL}>" in text
    assert "<#C0OTHER01>" in text
    assert "mode `thread`" in text  # the settings the bot keeps
    assert text.index(":x: failed") < text.index(":white_check_mark: posted")  # failures first
    assert "was deleted at Qovery" in text
    assert {"Run the doctor", "Revoke", "Replay", "Delete"} <= set(buttons(home))

    after = acme_app.press_in_home("doctor_repair", buttons(home)["Revoke"]["value"], home)
    assert "hook revoked" in shown(after["blocks"][1])  # what the click did, at the top
    assert "was deleted at Qovery" not in shown(after["blocks"][2:])
    assert open_home(acme_app, tab="messages") is None


def test_the_home_tab_pages_many_subscriptions_within_slacks_100_blocks(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hooks = [new_hook(TEAM_ID, f"C0MANY{n:04d}", f"many-{n:04d}", HookSettings(), ADMIN) for n in range(40)]
    for hook in hooks:
        webhook_id = qovery.add_webhook(
            acme.organization_id,
            kind="SLACK",
            target_url=hook.target_url("http://bot.test"),
            target_secret=hook.secret,
        )
        store_hook(acme_app, hook, webhook_id)
    home = open_home(acme_app)
    assert home is not None
    assert len(home["blocks"]) <= 100
    assert "Page 1 of 3" in shown(home)
    assert "C0MANY0000" in shown(home)
    assert "C0MANY0015" not in shown(home)
    page = acme_app.press_in_home(buttons(home)["Next"]["action_id"], buttons(home)["Next"]["value"], home)
    assert "Page 2 of 3" in shown(page)
    assert "C0MANY0015" in shown(page)
    assert {"Previous", "Next"} <= set(buttons(page))
    # A click elsewhere in the tab keeps its page.
    again = acme_app.press_in_home("home_doctor", "doctor", page)
    assert "Page 2 of 3" in shown(again)
    # Forged page numbers draw a page that exists.
    for forged, shown_page in (
        ("page:999999", "Page 3 of 3"),
        ("x" * 3000, "Page 1 of 3"),
        ("", "Page 1 of 3"),
    ):
        drawn = acme_app.press_in_home("home_page_next", forged, home)
        assert shown_page in shown(drawn)
        assert len(drawn["blocks"]) <= 100


def store_hook(app: RunningApp, hook: Hook, webhook_id: str) -> None:
    async def run() -> None:
        engine = create_engine(app.settings.database_url)
        try:
            await SqlHooks(engine, SecretBox(SECRET_KEY)).add(replace(hook, webhook_id=webhook_id))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_a_webhook_qovery_lists_in_a_shape_the_bot_cannot_read_is_not_said_deleted(
    acme_app: RunningApp, qovery: FakeQovery, hook: Subscription
) -> None:
    """A list leaves out what the bot cannot read; that is no verdict: the doctor asks Qovery for the
    webhook alone before it says it was deleted (and offers to revoke its hook)."""
    unreadable = {**qovery.webhooks[hook.webhook_id], "kind": {"not": "a kind"}}
    unreadable.pop("target_secret", None)
    qovery.fail("listOrganizationWebHooks", status=200, body={"results": [unreadable]}, times=None)
    report = acme_app.ask("doctor")
    assert "was deleted at Qovery" not in shown(report)
    assert "Revoke" not in buttons(report)
    del qovery.webhooks[hook.webhook_id]  # now gone for real: Qovery answers 404 for it alone
    assert "was deleted at Qovery" in shown(acme_app.ask("doctor"))
