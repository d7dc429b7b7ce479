"""Release freezes end to end: set through the slash command by admins, shown by `policy show`, and
an action on a frozen environment that runs nothing, whoever asks, with **Ask for an exception**: a
request with a reason that an admin other than the requester approves. `cancel` is never frozen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, update

from adapters.sql.tables import freezes
from tests.actions.test_actions import buttons, confirm, shown, sql
from tests.approvals.test_approvals import edit_of, press, requests
from tests.deliveries.test_deliveries import buttons as card_buttons
from tests.deliveries.test_deliveries import cards
from tests.deliveries.test_routing_live import ALICE
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, MEMBER, SlackCall
from tests.helpers import card_recorded, subscribe

OTHER_ADMIN = "U0ADMIN002"
NOW = 'policy freeze now 4h --reason "INC-42: the payments outage"'


@pytest.fixture
def frozen(acme_app: RunningApp) -> RunningApp:
    acme_app.slack.users[OTHER_ADMIN] = {"is_admin": True}
    assert "INC-42" in shown(acme_app.ask(NOW))
    return acme_app


def ask_exception(app: RunningApp, answer: dict[str, Any], reason: str, user_id: str = ADMIN) -> SlackCall:
    """Press the frozen answer's **Ask for an exception**, give the reason; the request in the channel."""
    button = buttons(answer)["Ask for an exception"]
    app.press(button["action_id"], button["value"], user_id=user_id)
    [opened] = app.slack.wait_for("views.open")
    assert app.submit(opened.view(), {"reason": reason}, user_id=user_id).status_code == 200
    return requests(app)[-1]


def test_freezes_are_changed_by_admins_listed_numbered_and_shown_with_the_next(acme_app: RunningApp) -> None:
    refused = acme_app.ask(NOW, user_id=MEMBER)
    assert "only workspace admins" in refused["text"].lower()
    assert "No freezes" in acme_app.ask("policy freeze list", user_id=MEMBER)["text"]
    acme_app.ask('policy freeze add "fri 16:00-mon 08:00 Europe/Paris" --reason "weekends are for rest"')
    acme_app.ask(NOW)
    listed = shown(acme_app.ask("policy freeze list", user_id=MEMBER))
    assert "1. `fri 16:00-mon 08:00 Europe/Paris` on PRODUCTION: _weekends are for rest_" in listed
    assert "2. " in listed
    assert "*in force* until" in listed
    policy = shown(acme_app.ask("policy show", user_id=MEMBER))
    assert ":snowflake: In force until" in policy
    assert "INC-42: the payments outage" in policy
    assert "Next freeze from" in policy
    assert "Removed:" in acme_app.ask("policy freeze remove 2")["text"]
    assert "no freeze number 2" in acme_app.ask("policy freeze remove 2")["text"]
    assert "In force" not in shown(acme_app.ask("policy show"))
    acme_app.ask("policy freeze now 1m --reason brief-outage")
    sql(acme_app, update(freezes).values(freeze=func.replace(freezes.c.freeze, "2026", "2025")))  # ended
    acme_app.ask("policy freeze now 1h --reason again")  # an ended span is let go as another is added
    assert "brief-outage" not in shown(acme_app.ask("policy freeze list"))
    assert "2 removed" in acme_app.ask("policy freeze off")["text"]
    assert "No freeze is in force or to come" in shown(acme_app.ask("policy show"))


def test_bad_windows_and_zones_are_answered_with_the_accepted_forms(acme_app: RunningApp) -> None:
    for words, wrong in (
        ('policy freeze add "fri 16:00-08:00" --reason x', "fri 16:00-08:00"),
        ('policy freeze add "22:00-08:00 Mars/Olympus" --reason x', "Mars/Olympus"),
        ('policy freeze add "fry 16:00-mon 08:00" --reason x', "fry 16:00-mon 08:00"),
        ("policy freeze now forever --reason x", "forever"),
        ('policy freeze add "22:00-08:00" prod --reason x', "prod"),
    ):
        answer = acme_app.command(words).json()
        assert f"`{wrong}`" in answer["text"], words
    accepted = acme_app.command('policy freeze add "fri 16:00" --reason x').json()
    assert "fri 16:00-mon 08:00 Europe/Paris" in str(accepted)
    assert "No freezes" in acme_app.ask("policy freeze list")["text"]


def test_during_a_freeze_a_confirmed_action_runs_nothing_whoever_asks_and_cancel_still_runs(
    frozen: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    answer = confirm(frozen, frozen.ask("redeploy billing/production"))  # an admin: nothing either
    text = shown(answer)
    assert ":snowflake: A release freeze holds until" in text
    assert "INC-42: the payments outage" in text
    assert "Nothing was done on *billing / production*" in text
    assert "Ask for an exception" in buttons(answer)
    assert qovery.calls_to("redeployEnvironment") == []
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    cancel = confirm(frozen, frozen.ask("cancel billing/production"))
    assert "done, and said in the channel" in cancel["text"]
    staging = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    qovery.add_service(staging, "api")
    done = confirm(frozen, frozen.ask("redeploy billing/staging"))  # a freeze on PRODUCTION only
    assert "done, and said in the channel" in done["text"]


def test_an_exception_with_a_reason_runs_once_when_another_admin_approves(
    frozen: RunningApp, qovery: FakeQovery
) -> None:
    answer = confirm(frozen, frozen.ask("redeploy billing/production"))
    request = ask_exception(frozen, answer, "hotfix for <!channel> INC-42")
    text = shown(request.args)
    assert f"<@{ADMIN}> asks to redeploy *billing / production*" in text
    assert (
        "An exception to a freeze, because: _hotfix for &lt;!channel&gt; INC-42_" in text
    )  # no mass mention
    mine = press(frozen, request, "Approve", ADMIN)
    assert mine is not None
    assert "You asked for it" in mine["text"]
    member = press(frozen, request, "Approve", MEMBER)
    assert member is not None
    assert "Only a workspace admin may approve this" in member["text"]
    assert qovery.calls_to("redeployEnvironment") == []
    assert press(frozen, request, "Approve", OTHER_ADMIN) is None
    qovery.wait_for("redeployEnvironment")
    assert f"Approved by <@{OTHER_ADMIN}>" in edit_of(frozen, request)
    again = press(frozen, request, "Approve", OTHER_ADMIN)
    assert again is not None
    assert "nothing more was done" in again["text"]
    assert len(qovery.calls_to("redeployEnvironment")) == 1


def test_a_forged_or_foreign_exception_click_does_nothing_and_a_second_ask_asks_once(
    frozen: RunningApp, qovery: FakeQovery
) -> None:
    answer = confirm(frozen, frozen.ask("redeploy billing/production"))
    button = buttons(answer)["Ask for an exception"]
    for forged in ("exception:999999", "exception:1; DROP TABLE", "action:1", "x" * 3000):
        said = frozen.click(button["action_id"], forged)
        assert "does not belong to an action of yours" in said["text"]
    someone_else = frozen.click(button["action_id"], button["value"], user_id=OTHER_ADMIN)
    assert "does not belong to an action of yours" in someone_else["text"]
    elsewhere = frozen.click(button["action_id"], button["value"], team_id="T0OTHER01")
    assert "does not belong to an action of yours" in elsewhere["text"]
    assert frozen.slack.calls_to("views.open") == []
    ask_exception(frozen, answer, "hotfix")
    again = frozen.click(button["action_id"], button["value"])
    assert "already confirmed or called off" in again["text"]
    assert len(requests(frozen)) == 1
    assert qovery.calls_to("redeployEnvironment") == []


def test_a_cards_redeploy_during_a_freeze_runs_nothing_and_says_the_freeze(
    frozen: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook = subscribe(frozen, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(frozen.slack, 1)
    redeploy = card_buttons(card)["Redeploy"]
    card_recorded(frozen, card.answer["ts"])
    said = frozen.click(str(redeploy["action_id"]), str(redeploy["value"]), message_ts=card.answer["ts"])
    assert "A release freeze holds until" in said["text"]
    assert "Ask for an exception" in buttons(said)
    assert qovery.calls_to("redeployEnvironment") == []


def test_a_deployment_started_elsewhere_during_a_freeze_is_marked_and_its_mentions_told(
    frozen: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook = subscribe(frozen, qovery, f"--kind standard --mention '{ALICE}'").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d1")
    [card] = cards(frozen.slack, 1)
    assert ":snowflake: During the freeze (_INC-42: the payments outage_)" in shown(card.args)
    [reply] = frozen.slack.wait_until(lambda c: c.method == "chat.postMessage" and "thread_ts" in c.args)
    assert reply.args["thread_ts"] == card.answer["ts"]
    assert reply.args["text"].startswith("<@U0ALICE01> :snowflake: During the freeze")
    frozen.ask("policy freeze off")
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d2")
    later = cards(frozen.slack, 2)[-1]
    assert "During the freeze" not in shown(later.args)  # no freeze holds now


def test_a_request_made_before_a_freeze_is_not_run_by_its_approval_during_it(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    acme_app.slack.users[OTHER_ADMIN] = {"is_admin": True}
    acme_app.ask(f'policy approvals production --approvers "<@{OTHER_ADMIN}>"')
    answer = confirm(acme_app, acme_app.ask("redeploy billing/production"))
    assert "your request is in the channel" in answer["text"]
    [request] = requests(acme_app)
    acme_app.ask(NOW)
    refused = press(acme_app, request, "Approve", OTHER_ADMIN)
    assert refused is not None
    assert "A release freeze holds until" in refused["text"]
    assert "ask for an exception" in refused["text"]
    assert qovery.calls_to("redeployEnvironment") == []


def test_the_home_tab_shows_the_freezes_and_reasons_never_mention_anyone(acme_app: RunningApp) -> None:
    acme_app.ask('policy freeze now 2h --reason "<!channel> launch day <@U0ALICE01>"')
    listed = shown(acme_app.ask("policy freeze list"))
    assert "&lt;!channel&gt; launch day &lt;@U0ALICE01&gt;" in listed
    assert "<!channel>" not in listed
    from tests.slack.test_workspaces import event

    event(acme_app, "T0TEAM001", {"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    [published] = acme_app.slack.wait_for("views.publish")
    home = json.dumps(published.view())
    assert "Release freezes" in home
    assert ":snowflake: In force until" in home
    assert "<!channel>" not in home


def test_a_freeze_removed_by_its_number_is_that_one_whatever_another_admin_changed_since(
    acme_app: RunningApp,
) -> None:
    """Two admins read the same list; one removes the first freeze; the other then removes the number
    they read for "launch": "launch" goes, "holidays" stays."""
    acme_app.slack.users[OTHER_ADMIN] = {"is_admin": True}
    for reason in ("weekend", "launch", "holidays"):
        acme_app.ask(f'policy freeze add "sat 00:00-sun 23:59" --reason {reason}')
    listed = acme_app.ask("policy freeze list")
    lines = [b["text"]["text"] for b in listed["blocks"][1:]]
    lines = [line for block in lines for line in block.splitlines()]
    number = next(line.split(".")[0] for line in lines if "_launch_" in line)
    first = next(line.split(".")[0] for line in lines if "_weekend_" in line)
    assert "weekend" in acme_app.ask(f"policy freeze remove {first}", user_id=OTHER_ADMIN)["text"]
    removed = acme_app.ask(f"policy freeze remove {number}")["text"]
    assert "launch" in removed
    left = shown(acme_app.ask("policy freeze list"))
    assert "holidays" in left
    assert "launch" not in left
    assert "no freeze number" in acme_app.ask(f"policy freeze remove {number}")["text"]


def test_a_failure_only_hooks_card_of_a_deployment_started_during_a_freeze_is_marked(
    frozen: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    """`--only failures` shows no card at the start; the failure's card still says the deployment
    started during the freeze, and the hook's mention hears of it."""
    webhook = subscribe(frozen, qovery, f"--kind standard --only failures --mention '{ALICE}'").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d1")
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d1")
    [card] = cards(frozen.slack, 1)
    assert ":snowflake: During the freeze (_INC-42: the payments outage_)" in shown(card.args)


def test_an_exception_asked_for_one_freeze_does_not_pass_a_freeze_begun_since(
    frozen: RunningApp, qovery: FakeQovery
) -> None:
    """Asked during the incident's freeze; before it is approved, the launch freeze begins too: the
    approval runs nothing (nobody excepted it from the launch), and says which freeze holds."""
    answer = confirm(frozen, frozen.ask("redeploy billing/production"))
    request = ask_exception(frozen, answer, "hotfix for INC-42")
    frozen.ask('policy freeze now 1h --reason "launch day"')
    refused = press(frozen, request, "Approve", OTHER_ADMIN)
    assert refused is not None
    assert "launch day" in refused["text"]
    assert qovery.calls_to("redeployEnvironment") == []


def test_a_deployment_an_approved_exception_started_is_not_marked_in_another_channels_card(
    frozen: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    """The exception is asked and approved in #deploys; the environment's cards go to #prod-cards: the
    deployment it started is explained, so no freeze mark there and nobody is told it slipped through."""
    webhook = subscribe(frozen, qovery, f"--kind standard --mention '{ALICE}'", channel_id="C0PRODCARDS")
    answer = confirm(frozen, frozen.ask("redeploy billing/production"))
    request = ask_exception(frozen, answer, "hotfix for INC-42")
    assert press(frozen, request, "Approve", OTHER_ADMIN) is None
    qovery.wait_for("redeployEnvironment")
    qovery.deliver(
        webhook.webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d1"
    )
    [card] = frozen.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args.get("channel") == "C0PRODCARDS"
    )
    assert "During the freeze" not in shown(card.args)
