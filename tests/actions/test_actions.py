"""Acting from Slack (SPEC §12): deploy, redeploy, cancel, stop, rollback, login and logout, end to end
against the fake Qovery (every request and answer checked against its OpenAPI description).
(Long: each action with each refusal, end to end, reads best in one file.)"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from adapters.sql.engine import create_engine
from adapters.sql.tables import actions, personal_tokens
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, SlackCall
from tests.helpers import card_recorded, subscribe
from tests.slack.test_workspaces import event

SHA_NOW = "c" * 40  # what runs now (the failed deployment)
SHA_GOOD = "b" * 40  # the last good deployment
SHA_OLD = "a" * 40


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["text"]["text"]: e
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for e in block["elements"]
    }


def confirm(app: RunningApp, confirmation: dict[str, Any], user_id: str = ADMIN) -> dict[str, Any]:
    """Press the confirmation's first button; what replaces the confirmation."""
    [(_, yes), _] = buttons(confirmation).items()
    return app.click(yes["action_id"], yes["value"], user_id=user_id)


def audit_posts(app: RunningApp, count: int = 1) -> list[SlackCall]:
    """The bot's messages in the channel that say who did what from Slack."""
    return app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "from Slack" in c.args.get("text", ""), count=count
    )


def sql(app: RunningApp, statement: Any) -> Any:
    async def run() -> Any:
        engine = create_engine(app.settings.database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(statement)
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture
def worker(qovery: FakeQovery, acme: Acme) -> str:
    return qovery.add_service(acme.environment_id, "worker", "CONTAINER")


@pytest.fixture
def ids(acme: Acme, worker: str) -> dict[str, str]:
    return {"api": acme.service_ids[0], "db": acme.service_ids[1], "worker": worker}


def history(qovery: FakeQovery, acme: Acme, ids: dict[str, str], *entries: tuple[str, str, str]) -> None:
    """The environment's deployments, newest first: (status, api's commit, worker's tag)."""
    now = datetime.now(UTC)
    qovery.history[acme.environment_id] = [
        deployment(
            acme.environment_id,
            status=status,
            created_at=now - timedelta(hours=n),
            commit=(sha, "A change", "Alice"),
            image=("ghcr.io/acme/worker", tag),
            failing="api" if status == "DEPLOYMENT_ERROR" else None,
            service_ids=ids,
            execution_id=f"{acme.environment_id}-{n}",
        )
        for n, (status, sha, tag) in enumerate(entries)
    ]


# -- deploy ------------------------------------------------------------------------------------------------


def test_deploy_confirms_then_deploys_and_says_who_in_the_channel_with_the_card_in_its_thread(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    history(qovery, acme, ids, ("DEPLOYED", SHA_GOOD, "1.4.2"))
    confirmation = acme_app.ask("deploy Billing/PRODUCTION")  # names in any case
    text = shown(confirmation)
    assert "Deploy *billing / production*?" in text
    assert f"environment `{acme.environment_id}`" in text
    assert "*api* (application): `bbbbbbb` → its latest version" in text
    assert "*worker* (container): `1.4.2` → its latest version" in text
    assert "*db* (database): deployed as set in Qovery" in text
    assert qovery.calls_to("deployEnvironment") == []  # nothing before the confirmation

    done = confirm(acme_app, confirmation)
    assert "done, and said in the channel" in done["text"]
    [call] = qovery.calls_to("deployEnvironment")
    assert (call.path, call.token) == (f"/environment/{acme.environment_id}/deploy", acme.token)
    [audit] = audit_posts(acme_app)
    assert audit.args["channel"] == CHANNEL
    assert "thread_ts" not in audit.args  # in the channel, for everyone
    assert f"<@{ADMIN}> deployed *billing / production* from Slack" in audit.args["text"]
    assert "with the workspace's Qovery token" in audit.args["text"]

    # The deployment it started: its card goes in that message's thread.
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    [card] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "Deployment started" in c.args.get("text", "")
    )
    assert card.args["thread_ts"] == audit.answer["ts"]
    # Its later events edit that card; a later deployment, not started from Slack, is in the channel.
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    acme_app.slack.wait_until(lambda c: c.method == "chat.update" and c.args["ts"] == card.answer["ts"])
    qovery.deliver(
        hook.webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="d-2"
    )
    [_, later] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "Deployment started" in c.args.get("text", ""), count=2
    )
    assert "thread_ts" not in later.args


def test_a_deploy_of_every_service_runs_only_on_the_services_it_showed(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    confirmation = acme_app.ask("deploy billing/production")
    qovery.add_service(acme.environment_id, "billing-export", "CONTAINER")  # added since it was shown
    done = confirm(acme_app, confirmation)
    assert "The environment's services changed since this was shown: nothing was done" in done["text"]
    assert qovery.calls_to("deployEnvironment") == []
    again = acme_app.ask("deploy billing/production")
    assert "*billing-export*" in shown(again)
    assert "done, and said in the channel" in confirm(acme_app, again)["text"]
    assert len(qovery.calls_to("deployEnvironment")) == 1


def test_deploy_one_service_at_a_commit_or_a_tag(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    history(qovery, acme, ids, ("DEPLOYED", SHA_GOOD, "1.4.2"))
    confirmation = acme_app.ask(f"deploy billing/production --service API --commit {SHA_OLD.upper()}")
    assert "*api* (application): `bbbbbbb` → `aaaaaaa`" in shown(confirmation)
    confirm(acme_app, confirmation)
    [call] = qovery.calls_to("deployAllServices")
    assert call.body == {"applications": [{"application_id": ids["api"], "git_commit_id": SHA_OLD}]}

    qovery.statuses[acme.environment_id]["state"] = "DEPLOYED"
    confirmation = acme_app.ask("deploy billing/production --service worker --tag=1.5.0-rc.1")
    assert "*worker* (container): `1.4.2` → `1.5.0-rc.1`" in shown(confirmation)
    confirm(acme_app, confirmation)
    [_, call] = qovery.wait_for("deployAllServices", 2)
    assert call.body == {"containers": [{"id": ids["worker"], "image_tag": "1.5.0-rc.1"}]}
    assert qovery.spec_violations == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("deploy billing/production --service db --commit " + SHA_OLD, "the bot cannot pin its version"),
        ("deploy billing/production --service worker --commit " + SHA_OLD, "give it an image tag"),
        ("deploy billing/production --service api --tag 1.2", "give it a commit with `--commit`"),
        ("deploy billing/production --service web --tag 1.2", "No service is named `web`"),
        ("deploy billing/prod", "No environment is named `prod`. The environments: `production`."),
        ("deploy payments/production", "No project is named `payments`. The projects: `billing`."),
    ],
)
def test_a_deploy_of_what_cannot_be_is_answered_and_nothing_is_proposed(
    acme_app: RunningApp, qovery: FakeQovery, worker: str, text: str, said: str
) -> None:
    assert said in shown(acme_app.ask(text))
    assert sql(acme_app, select(func.count()).select_from(actions)) == 0
    assert not [c for c in qovery.calls if c.method == "POST"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("deploy", "`deploy` needs the environment first"),
        ("deploy --service api billing/production", "`deploy` needs the environment first"),
        ("deploy billing/production --commit " + SHA_OLD, "Give `--service` with exactly one"),
        ("deploy billing/production --service api", "Give `--service` with exactly one"),
        ("deploy billing/production --service api --commit 3f2a9c1", "is not a full commit id"),
        ("deploy billing/production --service api --commit x --tag y", "Give `--service` with exactly one"),
        ("deploy billing/production --service worker --tag '1.2; rm -rf'", "is not an image tag"),
        ("deploy billing/production --force", "Unexpected word `--force`"),
        ("rollback", "`rollback` needs the environment"),
        ("stop billing/production staging", "takes one name at most"),
    ],
)
def test_a_malformed_action_is_refused_before_anything_is_asked(
    acme_app: RunningApp, qovery: FakeQovery, text: str, said: str
) -> None:
    answer = acme_app.command(text).json()
    assert said in answer["text"]
    assert qovery.calls == []


# -- rollback ----------------------------------------------------------------------------------------------


def test_rollback_deploys_each_service_at_its_version_in_the_last_good_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    history(
        qovery,
        acme,
        ids,
        ("DEPLOYMENT_ERROR", SHA_NOW, "2.0.0"),
        ("CANCELED", "d" * 40, "1.9.0"),
        ("DEPLOYED", SHA_GOOD, "1.4.2"),
        ("DEPLOYMENT_ERROR", "e" * 40, "1.3.0"),
        ("DEPLOYED", SHA_OLD, "1.0.0"),
    )
    confirmation = acme_app.ask("rollback billing/production")
    text = shown(confirmation)
    assert "Roll back *billing / production*?" in text
    assert "*api* (application): `ccccccc` → `bbbbbbb`" in text
    assert "*worker* (container): `2.0.0` → `1.4.2`" in text
    confirm(acme_app, confirmation)
    [call] = qovery.calls_to("deployAllServices")
    assert call.body == {
        "applications": [{"application_id": ids["api"], "git_commit_id": SHA_GOOD}],
        "containers": [{"id": ids["worker"], "image_tag": "1.4.2"}],
    }
    [audit] = audit_posts(acme_app)
    assert f"<@{ADMIN}> rolled back *billing / production* from Slack" in audit.args["text"]
    assert "`ccccccc` → `bbbbbbb`" in shown(audit.args)


def test_rollback_without_an_earlier_success_says_so_and_does_nothing(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "2.0.0"), ("DEPLOYMENT_ERROR", SHA_OLD, "1.0"))
    answer = shown(acme_app.ask("rollback billing/production"))
    assert "no successful deployment before this one" in answer
    qovery.history[acme.environment_id] = []
    assert "nothing to roll back" in shown(acme_app.ask("rollback billing/production"))
    assert qovery.calls_to("deployAllServices") == []
    assert sql(acme_app, select(func.count()).select_from(actions)) == 0


def test_a_failure_cards_rollback_goes_back_from_that_cards_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    # The card's deployment is the second newest: a later one failed too since.
    history(
        qovery,
        acme,
        ids,
        ("DEPLOYMENT_ERROR", "f" * 40, "3.0.0"),
        ("DEPLOYMENT_ERROR", SHA_NOW, "2.0.0"),
        ("DEPLOYED", SHA_GOOD, "1.4.2"),
    )
    card_deployment = f"{acme.environment_id}-1"
    qovery.deliver(
        hook.webhook_id,
        "DEPLOYMENT_FAILURE",
        environment_id=acme.environment_id,
        deployment_id=card_deployment,
    )
    [card] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "Deployment failed" in c.args.get("text", "")
    )
    [attachment] = card.args["attachments"]
    rollback = buttons(attachment)["Rollback"]
    card_recorded(acme_app, card.answer["ts"])
    name = acme_app.press(rollback["action_id"], rollback["value"], message_ts=card.answer["ts"])
    confirmation = acme_app.reply(name)
    assert "*api* (application): `ccccccc` → `bbbbbbb`" in shown(confirmation)
    sent = acme_app.slack.calls_to("response_url")
    assert not any(c.args.get("replace_original") for c in sent)  # the card stays as it was
    confirm(acme_app, confirmation)
    [call] = qovery.wait_for("deployAllServices")
    assert call.body["applications"] == [{"application_id": ids["api"], "git_commit_id": SHA_GOOD}]
    [audit] = audit_posts(acme_app)
    assert audit.args["thread_ts"] == card.answer["ts"]  # in the card's thread


# -- redeploy, cancel, stop ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "state", "operation", "verb"),
    [
        ("redeploy", "DEPLOYED", "redeployEnvironment", "redeployed"),
        ("stop", "DEPLOYED", "stopEnvironment", "stopped"),
        ("cancel", "DEPLOYING", "cancelEnvironmentDeployment", "cancelled the deployment of"),
    ],
)
def test_each_action_reaches_qovery_after_its_confirmation(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, command: str, state: str, operation: str, verb: str
) -> None:
    qovery.statuses[acme.environment_id]["state"] = state
    confirmation = acme_app.ask(f"{command} billing/production")
    assert "*billing / production*?" in shown(confirmation)
    confirm(acme_app, confirmation)
    [call] = qovery.calls_to(operation)
    assert call.path.startswith(f"/environment/{acme.environment_id}/")
    [audit] = audit_posts(acme_app)
    assert f"<@{ADMIN}> {verb} *billing / production* from Slack" in audit.args["text"]
    assert qovery.spec_violations == []


def test_another_operation_running_is_answered_in_words_and_not_posted(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"  # a deployment queues; a stop is refused
    done = confirm(acme_app, acme_app.ask("stop billing/production"))
    assert (
        "Nothing was done: Qovery refused: another operation is running on this environment" in done["text"]
    )
    assert "Operation is in progress" in done["text"]  # Qovery's own words
    assert not [c for c in acme_app.slack.calls_to("chat.postMessage") if "from Slack" in c.args["text"]]
    state = sql(acme_app, select(actions.c.state))
    assert state == "refused"


# -- the confirmation's button acts on the stored action only ---------------------------------------------


def test_a_confirmation_runs_once_for_the_one_who_asked_while_it_is_fresh(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    confirmation = acme_app.ask("redeploy billing/production")
    yes = buttons(confirmation)["Redeploy"]
    assert yes["value"].startswith("action:")
    # Someone else presses it (a forged click: the confirmation is only the asker's to see).
    assert "nothing was done" in acme_app.click(yes["action_id"], yes["value"], user_id=MEMBER)["text"]
    for forged in ("action:999999", "card:1:" + acme.environment_id, "action:1 OR 1=1", "", "x" * 3000):
        assert "nothing was done" in acme_app.click(yes["action_id"], forged)["text"]
    assert "done" in acme_app.click(yes["action_id"], yes["value"])["text"]
    again = acme_app.click(yes["action_id"], yes["value"])["text"]
    assert "already confirmed or called off" in again
    assert len(qovery.calls_to("redeployEnvironment")) == 1

    qovery.statuses[acme.environment_id]["state"] = "DEPLOYED"
    stale = acme_app.ask("redeploy billing/production")
    sql(acme_app, update(actions).values(created_at=datetime.now(UTC) - timedelta(minutes=11)))
    assert "This confirmation has expired" in confirm(acme_app, stale)["text"]
    never = acme_app.ask("stop billing/production")
    no = buttons(never)["Never mind"]
    assert acme_app.click(no["action_id"], no["value"])["text"] == "Nothing was done."
    assert "already confirmed or called off" in confirm(acme_app, never)["text"]
    assert len(qovery.calls_to("redeployEnvironment")) == 1
    assert qovery.calls_to("stopEnvironment") == []


def test_names_from_qovery_are_escaped_in_the_confirmation_and_the_channel(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    project = qovery.add_project(acme.organization_id, "<!channel> *ops*")
    qovery.add_environment(project, "<@U0BOSS> staging", mode="STAGING")
    confirmation = acme_app.ask("redeploy '<!channel> *ops*/<@U0BOSS> staging'")
    assert "&lt;!channel&gt;" in shown(confirmation)
    confirm(acme_app, confirmation)
    [audit] = audit_posts(acme_app)
    assert "<!channel>" not in shown(audit.args)
    assert "<@U0BOSS>" not in shown(audit.args)


# -- who may ---------------------------------------------------------------------------------------------


def test_production_needs_an_admin_or_the_users_own_token(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    refused = shown(acme_app.ask("redeploy billing/production", user_id=MEMBER))
    assert "may act on a production environment" in refused
    assert "`/qovery login`" in refused
    staging = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    assert "may act on environments" in shown(acme_app.ask("redeploy billing/staging", user_id=MEMBER))

    # The member logs in with a token of their own (a deployer at Qovery).
    own = qovery.add_token(acme.organization_id, role="DEPLOYER")
    logged_in = log_in(acme_app, own)
    assert logged_in.status_code == 200
    assert "You are logged in to Qovery with your own token" in acme_app.reply("login")["text"]
    assert own not in (sql(acme_app, select(personal_tokens.c.qovery_token)) or "")
    confirmation = acme_app.ask("redeploy billing/production", user_id=MEMBER)
    assert "Qovery will be asked with your own Qovery token" in shown(confirmation)
    confirm(acme_app, confirmation, user_id=MEMBER)
    [call] = qovery.calls_to("redeployEnvironment")
    assert call.token == own  # Qovery sees the member, not the workspace
    [audit] = audit_posts(acme_app)
    assert (
        f"<@{MEMBER}> redeployed *billing / production* from Slack, with their own Qovery token"
        in (audit.args["text"])
    )
    assert sql(acme_app, select(actions.c.own_token)) is True

    assert "Your own Qovery token is forgotten" in acme_app.ask("logout", user_id=MEMBER)["text"]
    assert "had not logged in" in acme_app.ask("logout", user_id=MEMBER)["text"]
    assert "may act on a production environment" in shown(
        acme_app.ask("redeploy billing/production", user_id=MEMBER)
    )
    assert staging in qovery.environments


def log_in(app: RunningApp, token: str, user_id: str = MEMBER) -> Any:
    ack = app.command("login", response_url="login", user_id=user_id)
    assert (ack.status_code, ack.content) == (200, b"")
    form = app.slack.wait_for("views.open")[-1].view()
    assert form["callback_id"] == "login_form"
    return app.submit(form, {"token": token}, user_id=user_id)


def test_qoverys_own_roles_apply_to_a_users_own_token(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    assert log_in(acme_app, acme.viewer_token).status_code == 200
    done = confirm(acme_app, acme_app.ask("redeploy billing/production", user_id=MEMBER), user_id=MEMBER)
    assert "Your Qovery role does not allow this on this environment" in done["text"]
    assert "The VIEWER role may not deploy" in done["text"]
    [call] = qovery.calls_to("redeployEnvironment")
    assert call.token == acme.viewer_token
    # Their token deleted at Qovery since: said so, with what to do.
    del qovery.tokens[acme.viewer_token]
    refused = shown(acme_app.ask("redeploy billing/production", user_id=MEMBER))
    assert "Qovery refused your own token" in refused
    assert "`/qovery login`" in refused


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("qov_not_a_real_token", "Qovery refused this token"),
        ("", "Paste a Qovery API token"),
    ],
)
def test_a_login_token_that_cannot_act_here_is_refused_under_its_field(
    acme_app: RunningApp, token: str, said: str
) -> None:
    answer = log_in(acme_app, token).json()
    assert answer["response_action"] == "errors"
    assert said in answer["errors"]["token"]
    assert sql(acme_app, select(func.count()).select_from(personal_tokens)) == 0


def test_a_token_of_another_organization_is_refused(acme_app: RunningApp, qovery: FakeQovery) -> None:
    elsewhere = qovery.add_token(qovery.add_organization("Globex"))
    answer = log_in(acme_app, elsewhere).json()
    assert "does not see the Qovery organization this workspace manages" in answer["errors"]["token"]


def test_removing_the_app_forgets_the_users_own_tokens(acme_app: RunningApp, acme: Acme) -> None:
    assert log_in(acme_app, acme.token).status_code == 200
    acme_app.reply("login")
    assert sql(acme_app, select(func.count()).select_from(personal_tokens)) == 1
    assert event(acme_app, "T0TEAM001", {"type": "app_uninstalled"}).status_code == 200
    deadline = time.monotonic() + 10
    while sql(acme_app, select(func.count()).select_from(personal_tokens)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sql(acme_app, select(func.count()).select_from(personal_tokens)) == 0
