"""Promotion, end to end against the fake Qovery (every request and answer checked against its OpenAPI
description): the plan in the channel, Promote run once with exactly the plan's versions, the approval
gate, a stale or expired plan running nothing, forged and second clicks doing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from adapters.sql.tables import actions
from tests.actions.test_actions import audit_posts, buttons, log_in, shown, sql
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, SlackCall
from tests.helpers import card_recorded, subscribe

PROD_SHA = "b" * 40


@pytest.fixture
def world(qovery: FakeQovery, acme: Acme) -> dict[str, str]:
    """billing/staging runs api 5 commits ahead of production, worker 1.5.0 against 1.4.2; db the same;
    `cron` only in staging, `legacy` only in production."""
    prod = acme.environment_id
    staging = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    ids = {
        "prod": prod,
        "staging": staging,
        "api": acme.service_ids[0],
        "db": acme.service_ids[1],
        "worker": qovery.add_service(prod, "worker", "CONTAINER"),
        "legacy": qovery.add_service(prod, "legacy", "CONTAINER"),
        "s_api": qovery.add_service(staging, "API"),  # names match in any case
        "s_db": qovery.add_service(staging, "db", "DATABASE"),
        "s_worker": qovery.add_service(staging, "worker", "CONTAINER"),
        "s_cron": qovery.add_service(staging, "cron", "CONTAINER"),
    }
    shas = qovery.add_commits(ids["s_api"], 6)  # newest first: production runs the 6th
    ids["new_sha"], ids["old_sha"] = shas[0], shas[5]
    ran(qovery, ids, "prod", ids["old_sha"], "1.4.2")
    ran(qovery, ids, "staging", ids["new_sha"], "1.5.0")
    return ids


def ran(qovery: FakeQovery, ids: dict[str, str], env: str, sha: str, tag: str, n: int = 0) -> None:
    """A newer successful deployment of `env` (its services by their ids at the fake)."""
    prefix = "s_" if env == "staging" else ""
    service_ids = {name: ids[prefix + name] for name in ("api", "db", "worker")}
    entry = deployment(
        ids[env],
        created_at=datetime.now(UTC) - timedelta(hours=2) + timedelta(minutes=n),
        commit=(sha, "A change", "Alice"),
        image=("ghcr.io/acme/worker", tag),
        service_ids=service_ids,
        execution_id=f"{ids[env]}-{n}",
    )
    qovery.history.setdefault(ids[env], []).insert(0, entry)


def plan_posts(app: RunningApp, count: int = 1) -> list[SlackCall]:
    return app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "promot" in c.args.get("text", ""), count=count
    )


def press(app: RunningApp, plan: SlackCall, name: str, user_id: str = ADMIN) -> dict[str, Any]:
    button = buttons(plan.args)[name]
    return app.click(button["action_id"], button["value"], user_id=user_id, message_ts=plan.answer["ts"])


def test_the_plan_names_every_service_then_promote_deploys_exactly_what_changes(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    answer = acme_app.ask("promote Billing/Staging --to production", user_id=MEMBER)  # anyone may ask
    assert "The plan is in the channel" in answer["text"]
    [plan] = plan_posts(acme_app)
    assert plan.args["channel"] == CHANNEL
    text = shown(plan.args)
    assert f"<@{MEMBER}> proposes to promote *billing staging → production*" in text
    assert f"*api* (application): `{world['old_sha'][:7]}` → `{world['new_sha'][:7]}`, 5 commits" in text
    assert "*worker* (container): `1.4.2` → `1.5.0`" in text
    assert "*db* (database): the bot cannot pin its version" in text
    assert "*cron* (container): only in staging: skipped" in text
    assert "*legacy* (container): only in production, left as it is" in text
    assert set(buttons(plan.args)) == {"Promote", "Cancel"}
    assert qovery.calls_to("deployAllServices") == []  # nothing before Promote

    press(acme_app, plan, "Promote")
    [call] = qovery.calls_to("deployAllServices")
    assert call.path == f"/environment/{world['prod']}/service/deploy"
    assert call.body == {
        "applications": [{"application_id": world["api"], "git_commit_id": world["new_sha"]}],
        "containers": [{"id": world["worker"], "image_tag": "1.5.0"}],
    }
    [audit] = audit_posts(acme_app)
    said = shown(audit.args)
    assert f"<@{ADMIN}> promoted *billing staging → production* from Slack" in said
    assert "`1.4.2` → `1.5.0`" in said
    # The plan is used: a second press (or a second replica) runs nothing more.
    again = press(acme_app, plan, "Promote")
    assert "already" in again["text"]
    assert len(qovery.calls_to("deployAllServices")) == 1
    audit_text = shown(acme_app.ask("audit billing"))
    assert "promote" in audit_text.lower()


def test_nothing_to_promote_says_so_without_a_button(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    ran(qovery, world, "prod", world["new_sha"], "1.5.0", n=5)
    acme_app.ask("promote billing/staging --to production --services api,work*")
    [plan] = plan_posts(acme_app)
    text = shown(plan.args)
    assert "production already runs staging's versions" in text
    assert "already the same" in text
    assert "cron" not in text  # --services keeps only those services
    assert buttons(plan.args) == {}


def test_a_stale_plan_runs_nothing_and_a_new_plan_follows(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    ran(qovery, world, "staging", world["new_sha"], "1.6.0", n=10)  # staging deployed again since
    said = press(acme_app, plan, "Promote")
    assert "stale" in said["text"]
    assert qovery.calls_to("deployAllServices") == []
    [_, fresh] = plan_posts(acme_app, count=2)
    assert fresh.args.get("thread_ts") == plan.answer["ts"]  # under the stale one
    assert "`1.4.2` → `1.6.0`" in shown(fresh.args)


def test_an_expired_a_forged_or_another_workspaces_plan_runs_nothing(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    promote = buttons(plan.args)["Promote"]
    for forged in ("promotion:999999", "promotion:-1", "action:1", "x" * 5000, promote["value"] + "0"):
        said = acme_app.click(promote["action_id"], forged)
        assert "does not belong to a promotion plan" in said["text"]
    sql(acme_app, update(actions).values(team_id="T0OTHER000"))  # a plan of another workspace
    assert "does not belong" in press(acme_app, plan, "Promote")["text"]
    sql(acme_app, update(actions).values(team_id="T0TEAM001"))
    old = datetime.now(UTC) - timedelta(minutes=31)
    sql(acme_app, update(actions).values(created_at=old))
    said = press(acme_app, plan, "Promote")
    assert "expired" in said["text"]
    assert qovery.calls_to("deployAllServices") == []


def test_a_member_may_not_promote_to_production_and_the_plan_stays_good(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    refused = press(acme_app, plan, "Promote", user_id=MEMBER)
    assert "Nothing was done" in refused["text"] or "admin" in refused["text"].lower()
    assert qovery.calls_to("deployAllServices") == []
    press(acme_app, plan, "Promote")  # an admin still may: the member's press used nothing
    assert len(qovery.calls_to("deployAllServices")) == 1


def test_another_repository_or_image_is_named_and_not_promoted(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    qovery.repositories[world["s_api"]] = "https://github.com/acme/fork"
    for service in qovery.services[world["staging"]]:
        if service["id"] == world["s_worker"]:
            service["image_name"] = "ghcr.io/acme/other-worker"
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    text = shown(plan.args)
    assert "built from another git repository" in text
    assert "https://github.com/acme/fork" in text
    assert "built from another image" in text
    assert "already runs staging's versions" in text  # nothing left to promote
    assert buttons(plan.args) == {}


def test_a_success_card_offers_promote_to_and_posts_the_plan_in_its_thread(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard --promote-to production")
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=world["staging"])
    [card] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "staging" in c.args.get("text", "")
    )
    offered = buttons(card.args["attachments"][0])["Promote to production"]
    card_recorded(acme_app, card.answer["ts"])
    acme_app.press(offered["action_id"], offered["value"], message_ts=card.answer["ts"])
    [plan] = plan_posts(acme_app)
    assert plan.args["thread_ts"] == card.answer["ts"]
    assert "`1.4.2` → `1.5.0`" in shown(plan.args)
    # A forged card, or one of an environment the button was not drawn for: nothing posted.
    forged = offered["value"].replace("card:", "card:9")
    assert "does not belong" in acme_app.click(offered["action_id"], forged)["text"]
    # production's own success card offers no promotion to itself.
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=world["prod"])
    [prod_card] = acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.postMessage"
            and "production" in c.args.get("text", "")
            and "attachments" in c.args
        )
    )
    assert "Promote to production" not in buttons(prod_card.args["attachments"][0])


def test_the_approval_policy_holds_a_promotion_back_until_an_approver_approves(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    acme_app.slack.groups["S0SRELEADS"] = ["U0LEAD0001"]
    acme_app.slack.users["U0LEAD0001"] = {"is_admin": True}
    acme_app.ask('policy approvals production --approvers "<!subteam^S0SRELEADS|sre-leads>"')
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    held = press(acme_app, plan, "Promote")  # an admin, not an approver
    assert "your request is in the channel" in held["text"]
    assert qovery.calls_to("deployAllServices") == []
    [request] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "asks to" in c.args.get("text", "")
    )
    assert "asks to promote *billing staging → production*" in shown(request.args)
    approve = buttons(request.args)["Approve"]
    acme_app.press(
        approve["action_id"], approve["value"], user_id="U0LEAD0001", message_ts=request.answer["ts"]
    )
    [call] = qovery.wait_for("deployAllServices")
    assert call.body["containers"] == [{"id": world["worker"], "image_tag": "1.5.0"}]
    assert "promote" in shown(acme_app.ask("audit"))


@pytest.mark.parametrize(
    ("status", "words"), [(409, "busy"), (403, "role"), (503, "Qovery")], ids=["busy", "forbidden", "down"]
)
def test_qoverys_refusal_of_a_promotion_is_said_in_words(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str], status: int, words: str
) -> None:
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    qovery.fail("deployAllServices", status=status, body={"status": status, "detail": "Busy deploying"})
    said = press(acme_app, plan, "Promote")
    assert said["text"].startswith("Nothing was done")
    assert words.lower() in said["text"].lower()
    assert "Traceback" not in said["text"]
    edits = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and "Nothing was done" in c.args.get("text", "")
    )
    assert edits[-1].args["ts"] == plan.answer["ts"]  # the channel reads it on the plan, too


def test_cancel_calls_the_plan_off_for_everyone(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    acme_app.ask("promote billing/staging --to production", user_id=MEMBER)
    [plan] = plan_posts(acme_app)
    press(acme_app, plan, "Cancel", user_id=MEMBER)
    [edit] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == plan.answer["ts"]
    )
    assert f"called off by <@{MEMBER}>" in shown(edit.args)
    assert "already" in press(acme_app, plan, "Promote")["text"]
    assert qovery.calls_to("deployAllServices") == []


def test_a_promotion_into_a_frozen_environment_runs_nothing_and_offers_an_exception(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    """A release freeze holds for a promotion as for every action from Slack, whoever presses."""
    assert "INC-42" in shown(acme_app.ask('policy freeze now 4h --reason "INC-42: the payments outage"'))
    acme_app.ask("promote billing/staging --to production", user_id=MEMBER)
    [plan] = plan_posts(acme_app)
    answer = press(acme_app, plan, "Promote")  # an admin: nothing either
    text = shown(answer)
    assert ":snowflake: A release freeze holds until" in text
    assert "INC-42: the payments outage" in text
    assert "Ask for an exception" in buttons(answer)
    assert qovery.calls_to("deployAllServices") == []


def test_promote_pressed_by_one_logged_in_runs_with_their_own_token(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, world: dict[str, str]
) -> None:
    """Promote is the presser's confirmation: whoever made the plan, it runs as the one who pressed."""
    own = qovery.add_token(acme.organization_id, role="ADMIN")
    assert log_in(acme_app, own, user_id=ADMIN).status_code == 200
    acme_app.reply("login")
    acme_app.ask("promote billing/staging --to production", user_id=MEMBER)
    [plan] = plan_posts(acme_app)
    press(acme_app, plan, "Promote")
    [call] = qovery.calls_to("deployAllServices")
    assert call.token == own  # Qovery's audit names the presser


def test_a_frozen_promotion_says_so_on_its_plan_for_the_channel(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    """The plan in the channel does not read as promoted when the freeze stopped it: it says the freeze
    and that nothing was done."""
    acme_app.ask('policy freeze now 4h --reason "INC-42: the payments outage"')
    acme_app.ask("promote billing/staging --to production", user_id=MEMBER)
    [plan] = plan_posts(acme_app)
    press(acme_app, plan, "Promote")  # answered once the plan reads what became of it
    edits = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == plan.answer["ts"]
    )
    text = shown(edits[-1].args)
    assert "A release freeze holds until" in text
    assert "INC-42: the payments outage" in text
    assert "Nothing was done" in text
