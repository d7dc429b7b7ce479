"""Routing and mentions end to end (SPEC §11): the options through the slash command, stored, shown,
and acting on what the fake Slack receives; `--only changes` remembered across a restart."""

from __future__ import annotations

import json

from pydantic import SecretStr

from adapters.settings import Settings
from tests.conftest import QUICK_RETRIES
from tests.deliveries.test_deliveries import cards, drained
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import FakeSlack, SlackCall
from tests.helpers import subscribe

ALICE = "<@U0ALICE01|alice>"
ONCALL = "<!subteam^S0ONCALL1|@oncall>"


def shown(call: SlackCall | dict[str, object]) -> str:
    return json.dumps(call.args if isinstance(call, SlackCall) else call, ensure_ascii=False)


def test_the_routing_options_are_stored_and_shown(acme_app: RunningApp, qovery: FakeQovery) -> None:
    mention = f"--mention '{ALICE},{ONCALL},trigger,@bob'"
    options = f"--services 'api,worker*' --env-names 'prod*' --only changes {mention}"
    created = subscribe(acme_app, qovery, options)
    show = shown(acme_app.ask(f"webhook show {created.webhook_id[:8]}"))
    for said in ("services `api, worker*`", "env-names `prod*`", "only `changes`", "trigger"):
        assert said in show, said
    assert "not found in Slack, so never notified: `@bob`" in show
    edited = shown(acme_app.ask(f"webhook edit {created.webhook_id[:8]} --only all --mention trigger"))
    assert "only `" not in edited  # back to the default: not worth a word
    assert "mention `trigger`" in edited
    assert "services `api, worker*`" in edited  # what was not given stays
    assert "services `api, worker*`" in shown(acme_app.ask("webhook list"))
    wrong = acme_app.command(f"webhook edit {created.webhook_id[:8]} --only sometimes").json()
    assert "Accepted: `all`, `failures`, `changes`" in wrong["text"]


def test_a_failure_notifies_in_the_cards_thread_and_the_edit_carries_no_mention(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook = subscribe(acme_app, qovery, f"--kind standard --mention '{ALICE},{ONCALL}'").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d1")
    [card] = cards(acme_app.slack, 1)
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d1")
    [reply] = acme_app.slack.wait_until(lambda c: c.method == "chat.postMessage" and "thread_ts" in c.args)
    [edit] = acme_app.slack.calls_to("chat.update")
    assert reply.args["thread_ts"] == card.answer["ts"]
    assert reply.args["text"].startswith("<@U0ALICE01> <!subteam^S0ONCALL1>")
    assert "<@" not in shown(edit)
    assert "subteam" not in shown(edit)
    assert "<@" not in shown(card)


def test_trigger_notifies_whoever_triggered_the_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, slack: FakeSlack
) -> None:
    slack.members["alice@acme.com"] = "U0ALICE01"
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYMENT_ERROR", execution_id="d2", failing="api")
    ]
    webhook = subscribe(acme_app, qovery, "--kind standard --mode post --mention trigger").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d2")
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"].startswith("<@U0ALICE01>")  # in post mode, the message itself notifies
    [lookup] = slack.calls_to("users.lookupByEmail")
    assert lookup.args["email"] == "alice@acme.com"


def test_a_delivery_left_out_is_recorded_with_its_filter(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook = subscribe(acme_app, qovery, "--kind standard --only failures --services worker").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d3")
    qovery.deliver(webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id="d4")
    drained(acme_app)
    assert acme_app.slack.calls_to("chat.postMessage") == []
    listed = shown(acme_app.ask("deliveries"))
    assert "--services worker: none of its services" in listed  # Acme's deployments touch api and db
    assert listed.count("none of its services") == 2  # the filters are read first, then --only
    assert "not posted" in listed
    other = subscribe(
        acme_app, qovery, "--kind standard --env-names 'staging*'", channel_id="C0STAGING"
    ).webhook_id
    qovery.deliver(other, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d8")
    drained(acme_app)
    assert acme_app.slack.calls_to("chat.postMessage") == []
    assert "--env-names staging*: not this environment" in shown(
        acme_app.ask("deliveries", channel_id="C0STAGING")
    )


def test_only_changes_remembers_across_a_restart(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, pace=QUICK_RETRIES) as app:
        qovery.redirects[configured.public_url] = app.url
        webhook = subscribe(app, qovery, "--kind standard --only changes").webhook_id
        qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id="d5")
        cards(slack, 1)
        drained(app)
    with serve(configured, slack, pace=QUICK_RETRIES) as app:  # a new process, the same database
        qovery.redirects[configured.public_url] = app.url
        qovery.deliver(
            webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id="d6"
        )
        qovery.deliver(
            webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id="d7"
        )
        [_, back] = cards(slack, 2)
        drained(app)
    assert "Deployment successful" in back.args["text"]  # back to normal, though the failure was before
    assert len(slack.calls_to("chat.postMessage")) == 2  # and not the success after it


def test_names_given_to_the_options_are_shown_as_words(acme_app: RunningApp, qovery: FakeQovery) -> None:
    created = subscribe(acme_app, qovery, "--services '<!channel>,api' --env-names '<@U0EVE0001>'")
    show = shown(acme_app.ask(f"webhook show {created.webhook_id[:8]}"))
    assert "<!channel>" not in show
    assert "<@U0EVE0001>" not in show
    assert "&lt;!channel&gt;, api" in show
