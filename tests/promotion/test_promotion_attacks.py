"""Promotion attacked: names that match more than one service, plans whose reads fail halfway, and
what the user then reads, end to end against the fake Qovery and the fake Slack."""

from __future__ import annotations

from tests.actions.test_actions import buttons, shown
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.helpers import card_recorded, subscribe
from tests.promotion.test_promotion import plan_posts, press, ran, world  # noqa: F401 (world: a fixture)

__all__: list[str] = []


def test_a_name_two_services_share_in_the_target_deploys_neither_and_says_why(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Production has `worker` and `WORKER`: which one staging's worker is meant for is not for the bot
    to guess; both stay as they are, and the plan says why."""
    qovery.add_service(world["prod"], "WORKER", "CONTAINER")
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    text = shown(plan.args)
    assert "2 services of production are named worker: not promoted" in text
    press(acme_app, plan, "Promote")  # the api still goes
    [call] = qovery.wait_for("deployAllServices")
    assert "containers" not in call.body or call.body["containers"] == []


def test_a_name_two_services_share_in_the_source_is_never_deployed_twice(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Staging has `worker` and `Worker`, both deployed at other tags: production's one worker would be
    asked for twice, at two versions, in one call."""
    world["s_worker"] = qovery.add_service(world["staging"], "Worker", "CONTAINER")
    ran(qovery, world, "staging", world["new_sha"], "1.6.0", n=3)  # the second worker runs 1.6.0
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    text = shown(plan.args)
    assert "2 services of staging are named worker: not promoted" in text
    assert "→ `1.6.0`" not in text
    assert "→ `1.5.0`" not in text
    press(acme_app, plan, "Promote")
    [call] = qovery.wait_for("deployAllServices")
    assert "containers" not in call.body or call.body["containers"] == []
    assert set(buttons(plan.args)) == {"Promote", "Cancel"}


def test_a_stale_plan_whose_new_plan_qovery_fails_to_give_says_so_and_how_to_ask_again(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Stale, then Qovery fails while the new plan is read: the channel is never told that a new plan
    follows when none does, and the one who pressed reads why and how to ask again."""
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    ran(qovery, world, "staging", world["new_sha"], "1.6.0", n=10)
    qovery.fail("listProject", status=500, times=None)
    said = press(acme_app, plan, "Promote")
    assert "stale" in said["text"]
    assert "/qovery promote" in said["text"]
    [edit] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == plan.answer["ts"]
    )
    assert "a new plan follows" not in shown(edit.args)
    assert "/qovery promote" in shown(edit.args)
    qovery.heal("listProject")
    assert qovery.calls_to("deployAllServices") == []


def test_a_plan_of_300_services_is_made_and_promoted_whole(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """300 services on each side: 600 questions to Qovery for the plan, asked a few at a time, never all
    at once past their timeout ("Qovery did not answer in time" for a plan that only reads)."""
    names = [f"svc-{i:03d}" for i in range(300)]
    staging = {n: qovery.add_service(world["staging"], n, "CONTAINER") for n in names}
    production = {n: qovery.add_service(world["prod"], n, "CONTAINER") for n in names}
    for env, ids, tag in (("prod", production, "1.0.0"), ("staging", staging, "2.0.0")):
        entry = deployment(world[env], service_ids=ids, others=dict.fromkeys(ids, "CONTAINER"))
        for stage in entry["stages"]:
            for service in stage["services"]:
                if service["identifier"]["service_type"] == "CONTAINER":
                    service["details"] = {"image_name": "ghcr.io/acme/worker", "tag": tag, "arguments": []}
        qovery.history[world[env]].insert(0, entry)
    answer = acme_app.ask("promote billing/staging --to production")
    assert "anyone there may press Promote" in answer["text"]
    [plan] = plan_posts(acme_app)
    assert "300 services would be deployed on production" in shown(plan.args)
    press(acme_app, plan, "Promote")
    [call] = qovery.wait_for("deployAllServices")
    assert {c["id"]: c["image_tag"] for c in call.body["containers"]} == dict.fromkeys(
        production.values(), "2.0.0"
    )


def test_a_promotion_a_freeze_stops_says_so_on_the_plan_for_the_channel(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """The channel read "pressed Promote." and its buttons gone, as if production were being deployed,
    while a freeze had stopped it: the plan now says the freeze, its reason, and that nothing was done."""
    acme_app.ask('policy freeze now 4h --reason "INC-42: the payments outage"')
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    press(acme_app, plan, "Promote")
    edits = acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.update" and c.args["ts"] == plan.answer["ts"] and "freeze" in shown(c.args)
        )
    )
    said = shown(edits[-1].args)
    assert "A release freeze holds until" in said
    assert "INC-42: the payments outage" in said
    assert "Nothing was done" in said
    assert qovery.calls_to("deployAllServices") == []


def test_a_promotion_qovery_refuses_says_how_to_try_again_and_trying_again_works(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Qovery busy (409): "try again when it ends", while the plan was used up and its Promote answered
    "already promoted": the presser and the channel now read the command that makes a new plan."""
    acme_app.ask("promote billing/staging --to production --services api")
    [plan] = plan_posts(acme_app)
    qovery.fail("deployAllServices", status=409, body={"status": 409, "detail": "busy"})
    said = press(acme_app, plan, "Promote")
    again = "`/qovery promote billing/staging --to production --services api` makes a new plan"
    assert again in said["text"]
    edits = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == plan.answer["ts"] and again in shown(c.args)
    )
    assert "Nothing was done" in shown(edits[-1].args)
    acme_app.ask("promote billing/staging --to production --services api")
    [_, fresh] = plan_posts(acme_app, count=2)
    press(acme_app, fresh, "Promote")
    [call] = qovery.wait_for("deployAllServices", count=2)[1:]
    assert call.body["applications"] == [{"application_id": world["api"], "git_commit_id": world["new_sha"]}]


def test_a_plan_made_stale_while_its_approval_waited_runs_nothing_and_a_new_plan_follows(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Production deployed by hand while the request waited: Approve runs nothing, and, as for a stale
    plan's Promote, a new plan is posted under the request, showing what a promotion would do now."""
    acme_app.slack.groups["S0SRELEADS"] = ["U0LEAD0001"]
    acme_app.slack.users["U0LEAD0001"] = {"is_admin": True}
    acme_app.ask('policy approvals production --approvers "<!subteam^S0SRELEADS|sre-leads>"')
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    press(acme_app, plan, "Promote")
    [request] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "asks to" in c.args.get("text", "")
    )
    ran(qovery, world, "prod", world["old_sha"], "1.4.3", n=10)  # production deployed again meanwhile
    approve = buttons(request.args)["Approve"]
    acme_app.press(
        approve["action_id"], approve["value"], user_id="U0LEAD0001", message_ts=request.answer["ts"]
    )
    [_, fresh] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "proposes to promote" in c.args.get("text", ""), count=2
    )
    assert fresh.args.get("thread_ts") == request.answer["ts"]
    assert "`1.4.3` → `1.5.0`" in shown(fresh.args)
    assert set(buttons(fresh.args)) == {"Promote", "Cancel"}
    assert qovery.calls_to("deployAllServices") == []


def test_qoverys_own_words_in_a_refusal_never_mention_the_channel(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """Qovery's detail is outside text: on the plan in the channel it is shown, never a mass mention."""
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    qovery.fail(
        "deployAllServices", status=409, body={"status": 409, "detail": "<!channel> <@U0ADMIN01> busy"}
    )
    said = press(acme_app, plan, "Promote")
    assert "&lt;!channel&gt;" in said["text"]
    edits = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == plan.answer["ts"] and "busy" in shown(c.args)
    )
    assert "<!channel>" not in shown(edits[-1].args)
    assert "<@U0ADMIN01> busy" not in shown(edits[-1].args)


def test_promote_to_another_projects_environment_of_the_same_name_is_offered_and_posts_its_plan(
    acme_app: RunningApp,
    qovery: FakeQovery,
    acme: Acme,
    world: dict[str, str],  # noqa: F811
) -> None:
    """`--promote-to web/production`: billing/production's success card offered no button, as if it
    were web/production itself; it is another environment, and the card now offers it."""
    web = qovery.add_project(acme.organization_id, "web")
    qovery.add_environment(web, "production")
    hook = subscribe(acme_app, qovery, "--kind standard --promote-to web/production")
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=world["prod"])
    [card] = acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.postMessage"
            and "production" in c.args.get("text", "")
            and "attachments" in c.args
        )
    )
    offered = buttons(card.args["attachments"][0])
    assert "Promote to web/production" in offered
    card_recorded(acme_app, card.answer["ts"])
    button = offered["Promote to web/production"]
    acme_app.press(button["action_id"], button["value"], message_ts=card.answer["ts"])
    [plan] = plan_posts(acme_app)
    assert plan.args["thread_ts"] == card.answer["ts"]
    assert "billing / production → web / production" in shown(plan.args)


def test_a_promotion_qovery_did_not_answer_in_time_is_never_said_undone(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """deployAllServices without an answer in time may have started production's deployment: the
    presser and the channel read that it may have, never "Nothing was done"."""
    acme_app.ask("promote billing/staging --to production")
    [plan] = plan_posts(acme_app)
    qovery.delay("deployAllServices", 3.0, times=1)
    said = press(acme_app, plan, "Promote")
    assert "Nothing was done" not in said["text"]
    assert "may have started" in said["text"]
    edits = acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.update" and c.args["ts"] == plan.answer["ts"] and "in time" in shown(c.args)
        )
    )
    assert "Nothing was done" not in shown(edits[-1].args)


def test_a_plan_too_long_to_show_whole_offers_no_promote_and_says_to_name_fewer(
    acme_app: RunningApp,
    qovery: FakeQovery,
    world: dict[str, str],  # noqa: F811
) -> None:
    """200 services built from other images (long names): the plan was cut ("… and N more services")
    with Promote under it, deploying what no one was shown, and its request for approval cut too."""
    for i in range(200):
        name = f"svc-{i:03d}"
        for env, letter in (("staging", "a"), ("prod", "b")):
            service_id = qovery.add_service(world[env], name, "CONTAINER")
            for service in qovery.services[world[env]]:
                if service["id"] == service_id:
                    service["image_name"] = f"ghcr.io/{letter * 280}/{name}"
    answer = acme_app.ask("promote billing/staging --to production")
    assert "more than one Slack message can show in full" in answer["text"]
    assert "--services" in answer["text"]
    assert plan_posts(acme_app, count=0) == []
    assert qovery.calls_to("deployAllServices") == []
