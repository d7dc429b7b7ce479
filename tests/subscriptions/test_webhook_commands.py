"""The webhook subcommands, end to end: signed slash commands and clicks into the real app, the fake Qovery
(checked against Qovery's OpenAPI description) behind it, and what the user reads through the fake Slack.
(Long: each webhook subcommand with its refusals, end to end.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.crypto import SecretBox
from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.hooks import SqlHooks
from bot.subscriptions.hooks import Hook
from tests.conftest import SECRET_KEY
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, TEAM_ID, FakeSlack

ALL_EVENTS = ["DEPLOYMENT_STARTED", "DEPLOYMENT_SUCCESSFUL", "DEPLOYMENT_FAILURE", "DEPLOYMENT_CANCELLED"]


def shown(message: dict[str, Any]) -> str:
    """All a user reads of a message: its text and its blocks."""
    return str(message.get("text", "")) + "\n" + json.dumps(message.get("blocks", []), ensure_ascii=False)


def stored_hooks(app: RunningApp) -> list[Hook]:
    async def read() -> list[Hook]:
        engine = create_engine(app.settings.database_url)
        try:
            return await SqlHooks(engine, SecretBox(SECRET_KEY)).of_team(TEAM_ID)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def create(app: RunningApp, options: str = "", **fields: str) -> dict[str, Any]:
    return app.ask(f"webhook create {options}".strip() + " --description 'made by a test'", **fields)


def only_webhook(qovery: FakeQovery) -> dict[str, Any]:
    [webhook] = qovery.webhooks.values()
    return webhook


# -- create ----------------------------------------------------------------------------------------------


def test_create_makes_a_slack_webhook_for_this_channel(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    answer = acme_app.ask("webhook create --events failure,cancelled --envs production --projects 'billing*'")
    [hook] = stored_hooks(acme_app)
    [sent] = qovery.calls_to("createOrganizationWebhook")
    assert sent.path == f"/organization/{acme.organization_id}/webhook"
    assert sent.body == {
        "kind": "SLACK",
        "target_url": f"http://bot.test/qovery/hooks/{hook.id}",
        "target_secret": hook.secret,
        "description": "Slack #deploys",
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_CANCELLED"],
        "project_names_filter": ["billing*"],
        "environment_types_filter": ["PRODUCTION"],
    }
    assert len(hook.id) >= 32  # at least 128 random bits, urlsafe
    assert len(hook.secret) >= 43
    assert (hook.channel_id, hook.created_by, hook.mode, hook.webhook_id) == (
        CHANNEL,
        ADMIN,
        "update",
        only_webhook(qovery)["id"],
    )
    assert answer["response_type"] == "ephemeral"
    text = shown(answer)
    assert "Webhook created" in text
    assert f"notifies <#{CHANNEL}>" in text
    assert "failure, cancelled" in text
    assert hook.secret not in text


def test_create_defaults_to_every_event_enabled(acme_app: RunningApp, qovery: FakeQovery) -> None:
    acme_app.ask("subscribe --mode thread")
    [sent] = qovery.calls_to("createOrganizationWebhook")
    assert (sent.body["events"], sent.body["enabled"]) == (ALL_EVENTS, True)
    assert (sent.body["project_names_filter"], sent.body["environment_types_filter"]) == ([], [])
    assert stored_hooks(acme_app)[0].mode == "thread"


def test_create_standard_kind(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app, "--kind standard --enabled false")
    [sent] = qovery.calls_to("createOrganizationWebhook")
    assert (sent.body["kind"], sent.body["enabled"], sent.body["description"]) == (
        "STANDARD",
        False,
        "made by a test",
    )


def test_slack_kind_refused_by_qovery_is_made_standard(acme_app: RunningApp, qovery: FakeQovery) -> None:
    qovery.slack_kind_needs_slack_host = True
    answer = create(acme_app)
    assert [c.body["kind"] for c in qovery.calls_to("createOrganizationWebhook")] == ["SLACK", "STANDARD"]
    assert only_webhook(qovery)["kind"] == "STANDARD"
    assert "so it was made a standard one" in shown(answer)
    assert len(stored_hooks(acme_app)) == 1


def test_create_failing_at_qovery_keeps_no_hook(acme_app: RunningApp, qovery: FakeQovery) -> None:
    qovery.fail("createOrganizationWebhook", status=503, body={"detail": "maintenance"})
    answer = create(acme_app)
    assert "Qovery answered HTTP 503" in shown(answer)
    assert "maintenance" in shown(answer)
    assert stored_hooks(acme_app) == []


def test_create_with_no_options_opens_the_form(acme_app: RunningApp, qovery: FakeQovery) -> None:
    ack = acme_app.command("webhook create", response_url="form", user_id=ADMIN)
    assert (ack.status_code, ack.content) == (200, b"")
    [opened] = acme_app.slack.wait_for("views.open")
    view = opened.view()
    assert view["callback_id"] == "webhook_form"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert set(blocks) == {"events", "envs", "projects", "description", "mode", "kind", "enabled",
                           "services", "env_names", "only", "mention", "watch", "quiet", "quiet_failures",
                           "digest", "changes", "promote_to"}  # fmt: skip
    assert len(blocks["events"]["element"]["initial_options"]) == 4  # every event ticked by default
    assert qovery.calls_to("createOrganizationWebhook") == []  # nothing happens before the form is sent

    submitted = acme_app.submit(
        view,
        {
            "events": ["DEPLOYMENT_FAILURE"],
            "envs": ["PRODUCTION", "STAGING"],
            "projects": "billing*, web",
            "description": "",
            "mode": "post",
            "kind": "SLACK",
            "enabled": ["true"],
        },
    )
    assert (submitted.status_code, submitted.content) == (200, b"")  # the modal closes
    answer = acme_app.reply("form")
    assert "Webhook created" in shown(answer)
    [sent] = qovery.calls_to("createOrganizationWebhook")
    assert sent.body["events"] == ["DEPLOYMENT_FAILURE"]
    assert sent.body["environment_types_filter"] == ["PRODUCTION", "STAGING"]
    assert sent.body["project_names_filter"] == ["billing*", "web"]
    assert sent.body["description"] == "Slack #deploys"
    assert stored_hooks(acme_app)[0].mode == "post"


def test_form_without_an_event_is_refused_under_the_field(acme_app: RunningApp) -> None:
    acme_app.command("webhook create", user_id=ADMIN)
    [opened] = acme_app.slack.wait_for("views.open")
    view = opened.view()
    refused = acme_app.submit(view, {"events": [], "mode": "update", "kind": "SLACK"})
    assert refused.json() == {"response_action": "errors", "errors": {"events": "Tick at least one event."}}


# -- list and show ---------------------------------------------------------------------------------------


def test_list_shows_every_webhook_and_hides_foreign_urls(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    create(acme_app, "--events started --envs staging")
    qovery.add_webhook(
        acme.organization_id,
        kind="SLACK",
        target_url="https://hooks.slack.com/services/T000/B000/SECRETPATH",
        enabled=False,
        project_names_filter=["web"],
    )
    answer = acme_app.ask("webhook list", user_id=MEMBER)  # anyone may list
    text = shown(answer)
    assert "2 webhooks" in text
    for webhook in qovery.webhooks.values():
        assert f"`{webhook['id'][:8]}`" in text
    assert f"notifies <#{CHANNEL}>" in text
    assert "targets `hooks.slack.com`" in text
    assert "SECRETPATH" not in text
    assert "enabled" in text
    assert "disabled" in text
    assert "Environments: staging" in text
    assert "Projects: web" in text


def test_long_list_stays_within_slacks_block_limit(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    for number in range(60):
        qovery.add_webhook(acme.organization_id, description=f"hook {number}")
    answer = acme_app.ask("webhook list")
    assert len(answer["blocks"]) <= 50
    assert "… and 12 more, not shown." in shown(answer)


def test_show_lists_the_last_ten_deliveries(acme_app: RunningApp, qovery: FakeQovery, acme: Acme) -> None:
    create(acme_app)
    webhook_id = only_webhook(qovery)["id"]
    qovery.webhooks[webhook_id]["target_url"] = acme_app.slack.response_url("catcher")  # answers 200
    for event in ["DEPLOYMENT_STARTED"] * 11 + ["DEPLOYMENT_FAILURE"]:
        qovery.deliver(webhook_id, event, environment_id=acme.environment_id)
    answer = acme_app.ask(f"webhook show {webhook_id[:6]}", user_id=MEMBER)
    text = shown(answer)
    assert webhook_id in text
    assert text.count("HTTP 200") == 10
    assert text.index("failure  HTTP 200") < text.index("started  HTTP 200")  # newest first


def test_prefix_that_matches_several_webhooks_lists_them(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    first, second = (qovery.add_webhook(acme.organization_id) for _ in range(2))
    qovery.webhooks["abcdef01-0000-4000-8000-000000000001"] = qovery.webhooks.pop(first) | {
        "id": "abcdef01-0000-4000-8000-000000000001"
    }
    qovery.webhooks["abcdef02-0000-4000-8000-000000000002"] = qovery.webhooks.pop(second) | {
        "id": "abcdef02-0000-4000-8000-000000000002"
    }
    text = shown(acme_app.ask("webhook show abcdef"))
    assert "`abcdef` starts the ids of several webhooks" in text
    assert "abcdef01-0000-4000-8000-000000000001" in text
    assert "abcdef02-0000-4000-8000-000000000002" in text
    assert "abcdef01-0000" in shown(acme_app.ask("webhook show abcdef01"))
    assert "No webhook of the organization has an id starting with `fedcba`" in shown(
        acme_app.ask("webhook show fedcba")
    )


def test_show_by_full_id_that_does_not_exist(acme_app: RunningApp) -> None:
    missing = "11111111-2222-4333-8444-555555555555"
    assert f"The organization has no webhook `{missing}`" in shown(acme_app.ask(f"webhook show {missing}"))


# -- edit, enable, disable -------------------------------------------------------------------------------


def test_edit_changes_only_what_is_given_and_keeps_the_secret(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    create(acme_app, "--events failure --envs production --projects billing")
    webhook_id = only_webhook(qovery)["id"]
    answer = acme_app.ask(f"webhook edit {webhook_id[:8]} --events started,failure --mode thread")
    assert "Webhook updated" in shown(answer)
    [put] = qovery.calls_to("editOrganizationWebhook")
    [hook] = stored_hooks(acme_app)
    assert put.body == {
        "kind": "SLACK",
        "target_url": f"http://bot.test/qovery/hooks/{hook.id}",
        "target_secret": hook.secret,  # sent again, so Qovery keeps it
        "description": "made by a test",
        "enabled": True,
        "events": ["DEPLOYMENT_STARTED", "DEPLOYMENT_FAILURE"],
        "project_names_filter": ["billing"],
        "environment_types_filter": ["PRODUCTION"],
    }
    assert only_webhook(qovery)["target_secret"] == hook.secret
    assert hook.mode == "thread"


def test_disable_then_enable(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app)
    webhook_id = only_webhook(qovery)["id"]
    assert "disabled" in shown(acme_app.ask(f"webhook disable {webhook_id[:6]}"))
    assert only_webhook(qovery)["enabled"] is False
    acme_app.ask(f"webhook enable {webhook_id[:6]}")
    assert only_webhook(qovery)["enabled"] is True
    assert [c.body["enabled"] for c in qovery.calls_to("editOrganizationWebhook")] == [False, True]


def test_foreign_webhook_with_a_secret_is_not_edited(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook_id = qovery.add_webhook(acme.organization_id, target_secret="theirs")
    answer = acme_app.ask(f"webhook disable {webhook_id[:8]}")
    assert "has a secret the bot does not know" in shown(answer)
    assert qovery.calls_to("editOrganizationWebhook") == []


def test_edit_with_no_options_opens_the_form_filled_in(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app, "--events failure --envs staging --mode post")
    webhook_id = only_webhook(qovery)["id"]
    acme_app.command(f"webhook edit {webhook_id[:8]}", response_url="edit", user_id=ADMIN)
    [update] = acme_app.slack.wait_for("views.update")
    view = update.view()
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert [o["value"] for o in blocks["events"]["element"]["initial_options"]] == ["DEPLOYMENT_FAILURE"]
    assert [o["value"] for o in blocks["envs"]["element"]["initial_options"]] == ["STAGING"]
    assert blocks["mode"]["element"]["initial_option"]["value"] == "post"
    assert blocks["description"]["element"]["initial_value"] == "made by a test"
    acme_app.submit(
        view,
        {
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_SUCCESSFUL"],
            "envs": ["STAGING"],
            "projects": "",
            "description": "made by a test",
            "mode": "update",
            "kind": "SLACK",
            "enabled": ["true"],
        },
    )
    assert "Webhook updated" in shown(acme_app.reply("edit"))
    [put] = qovery.calls_to("editOrganizationWebhook")
    assert put.body["events"] == ["DEPLOYMENT_FAILURE", "DEPLOYMENT_SUCCESSFUL"]
    assert put.body["target_secret"] == stored_hooks(acme_app)[0].secret


# -- delete and unsubscribe ------------------------------------------------------------------------------


def test_delete_asks_then_deletes_and_revokes_the_hook(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app)
    webhook_id = only_webhook(qovery)["id"]
    question = acme_app.ask(f"webhook delete {webhook_id[:8]}")
    assert "Delete this webhook?" in shown(question)
    assert qovery.calls_to("deleteOrganizationWebhook") == []
    [actions] = [b for b in question["blocks"] if b["type"] == "actions"]
    delete = next(e for e in actions["elements"] if e["text"]["text"] == "Delete")
    outcome = acme_app.click(delete["action_id"], delete["value"])
    assert outcome["replace_original"] is True
    assert f"Webhook `{webhook_id[:8]}` deleted" in shown(outcome)
    assert qovery.webhooks == {}
    assert stored_hooks(acme_app) == []  # revoked: no longer live


def test_keep_deletes_nothing(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app)
    webhook_id = only_webhook(qovery)["id"]
    acme_app.ask(f"webhook delete {webhook_id[:8]}")
    outcome = acme_app.click("webhook_keep", webhook_id)
    assert "Nothing was deleted" in shown(outcome)
    assert webhook_id in qovery.webhooks


def test_unsubscribe_lists_this_channels_webhooks_with_delete_buttons(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    create(acme_app)
    create(acme_app, channel_id="C0OTHER01", channel_name="elsewhere")
    qovery.add_webhook(acme.organization_id)  # foreign: not this channel's
    mine = next(h for h in stored_hooks(acme_app) if h.channel_id == CHANNEL).webhook_id
    assert mine is not None
    answer = acme_app.ask("unsubscribe")
    buttons = [b["accessory"] for b in answer["blocks"] if "accessory" in b]
    assert [b["value"] for b in buttons] == [mine]
    assert buttons[0]["confirm"]["confirm"]["text"] == "Delete"
    outcome = acme_app.click(buttons[0]["action_id"], buttons[0]["value"])
    assert outcome["replace_original"] is False  # the list stays; the outcome comes below it
    assert mine not in qovery.webhooks
    assert len(qovery.webhooks) == 2


# -- permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "webhook create --events failure",
        "subscribe --events all",
        "webhook edit abcdef --mode post",
        "webhook enable abcdef",
        "webhook disable abcdef",
        "webhook delete abcdef",
        "unsubscribe",
        "disconnect",
    ],
)
def test_members_may_not_change_anything(acme_app: RunningApp, qovery: FakeQovery, command: str) -> None:
    answer = acme_app.ask(command, user_id=MEMBER)
    assert "Sorry, only workspace admins and owners" in shown(answer)
    writes = ("createOrganizationWebhook", "editOrganizationWebhook", "deleteOrganizationWebhook")
    assert all(qovery.calls_to(write) == [] for write in writes)


def test_refused_click_deletes_nothing(acme_app: RunningApp, qovery: FakeQovery) -> None:
    create(acme_app)
    webhook_id = only_webhook(qovery)["id"]
    outcome = acme_app.click("webhook_delete", webhook_id, user_id=MEMBER)
    assert "Sorry, only" in shown(outcome)
    assert webhook_id in qovery.webhooks


def test_admin_user_ids_may_change(slack: FakeSlack, acme: Acme, settings: Settings) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "admin_user_ids": [MEMBER]}
    )
    with serve(configured, slack) as app:
        assert "Webhook created" in shown(create(app, user_id=MEMBER))
        refused = shown(app.ask("subscribe --events failure", user_id="U0SOMEONE"))
        assert f"workspace admins and owners and <@{MEMBER}>" in refused


def test_roles_are_asked_of_slack_once_a_minute(acme_app: RunningApp) -> None:
    create(acme_app)
    create(acme_app)
    assert [c.args["user"] for c in acme_app.slack.calls_to("users.info")] == [ADMIN]


def test_the_tokens_organization_is_asked_of_qovery_once_not_at_every_command(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    for _ in range(3):
        assert "The organization has no webhooks yet" in shown(acme_app.ask("webhook list"))
    assert len(qovery.calls_to("listOrganizationWebHooks")) == 3
    assert len(qovery.calls_to("listOrganization")) == 1


# -- acknowledgement and errors --------------------------------------------------------------------------


def test_acknowledged_at_once_while_qovery_is_slow(acme_app: RunningApp, qovery: FakeQovery) -> None:
    qovery.delay("listOrganizationWebHooks", 1.5, times=1)
    ack = acme_app.command("webhook list", response_url="slow", user_id=ADMIN)
    assert (ack.status_code, ack.content) == (200, b"")
    assert acme_app.slack.calls_to("response_url") == []  # the answer is still on its way
    assert "The organization has no webhooks yet" in shown(acme_app.reply("slow"))


def test_a_command_being_answered_when_the_bot_stops_is_still_answered(
    settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, caplog: pytest.LogCaptureFixture
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    qovery.delay("listOrganizationWebHooks", 1.0, times=1)
    with serve(configured, slack) as app:
        ack = app.command("webhook list", response_url="restart", user_id=ADMIN)
        assert (ack.status_code, ack.content) == (200, b"")
    # Stopped (a deploy, say) while Qovery was still answering: the answer went out all the same.
    [answered] = slack.calls_to("response_url")
    assert "The organization has no webhooks yet" in shown(answered.args)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "The Qovery token was refused"),
        (403, "the id may not exist, or the token's role may not see it"),
        (404, "Qovery has no such thing"),
        (400, "Qovery refused the request as invalid. Qovery said: bad filter"),
        (422, "Qovery refused the request as invalid. Qovery said: bad filter"),
        (409, "another operation is running"),
        (500, "Qovery answered HTTP 500"),
        (503, "Qovery answered HTTP 503"),
    ],
)
def test_qovery_failures_are_told_in_words(
    acme_app: RunningApp, qovery: FakeQovery, status: int, says: str
) -> None:
    qovery.fail(
        "listOrganizationWebHooks", status=status, body={"status": status, "detail": "bad filter"}, times=3
    )
    answer = shown(acme_app.ask("webhook list"))
    assert says in answer
    assert "Traceback" not in answer


def test_qovery_timeout_is_told_in_words(acme_app: RunningApp, qovery: FakeQovery) -> None:
    qovery.delay("listOrganizationWebHooks", 3.0, times=1)  # the app waits 2 s for Qovery in these tests
    assert "Qovery did not answer in time" in shown(acme_app.ask("webhook list"))


def test_without_a_token_the_answer_says_how_to_connect(app: RunningApp) -> None:
    answer = shown(app.ask("webhook list"))
    assert "This workspace has no Qovery token yet: an admin can connect one with `/qovery connect`" in answer


def test_a_role_slack_cannot_tell_is_refused_not_broken(acme_app: RunningApp, qovery: FakeQovery) -> None:
    acme_app.slack.fail("users.info", error="user_not_found")
    answer = acme_app.ask("subscribe --events failure")
    assert "Sorry, only workspace admins and owners" in shown(answer)
    assert qovery.calls_to("createOrganizationWebhook") == []
