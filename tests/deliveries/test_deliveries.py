"""Deliveries, end to end: the fake Qovery posts to a hook the bot made, the fake Slack receives the cards.
(Long: every way a delivery reaches its card, end to end.)"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError

from adapters.settings import Settings
from adapters.sql.cards import SqlCards
from adapters.sql.queue import SqlDeliveryQueue
from bot.deliveries.courier import Pace
from bot.deliveries.ports import Card
from tests.conftest import QUICK_RETRIES
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, FakeSlack, SlackCall
from tests.helpers import bot_environment, card_recorded, subscribe

OTHER_CHANNEL = "C0OTHER01"


def hook_url(app: RunningApp, qovery: FakeQovery, webhook_id: str) -> str:
    target: str = qovery.webhooks[webhook_id]["target_url"]
    return app.url + target.removeprefix(app.settings.public_url)


def cards(slack: FakeSlack, count: int, channel: str = CHANNEL) -> list[SlackCall]:
    """The first `count` messages posted to the channel itself (not in a thread)."""
    found = slack.wait_until(
        lambda c: (
            c.method == "chat.postMessage"
            and c.args.get("channel") == channel
            and not c.args.get("thread_ts")
        ),
        count=count,
    )
    return found[:count]


def drained(app: RunningApp, timeout: float = 15.0) -> None:
    """Wait until no delivery waits to be posted, as the bot's own metric tells."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        depth = re.search(r"^qovery_slack_queue_depth (\S+)$", app.http.get("/metrics").text, re.MULTILINE)
        if depth and float(depth.group(1)) == 0:
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still queued")


def shown(call: SlackCall) -> str:
    return json.dumps(call.args, ensure_ascii=False)


@pytest.fixture
def subscribed(acme_app: RunningApp, qovery: FakeQovery) -> str:
    """A SLACK-kind webhook (the default): Qovery sends Slack messages, tied by their console links."""
    return subscribe(acme_app, qovery).webhook_id


@pytest.fixture
def standard(acme_app: RunningApp, qovery: FakeQovery) -> str:
    """A STANDARD-kind webhook: Qovery sends JSON events, tied by their deployment ids. Its cards are not
    watched after a success (tests/watches/ has those edits), so that each test counts the courier's."""
    return subscribe(acme_app, qovery, "--kind standard --watch 0").webhook_id


# -- the endpoint's answers ------------------------------------------------------------------------------


def test_answers_like_a_slack_incoming_webhook(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    secret = qovery.webhooks[subscribed]["target_secret"]
    body = qovery.standard_body("DEPLOYMENT_STARTED", environment_id=acme.environment_id)

    def post(content: str, **headers: str) -> tuple[int, str]:
        response = httpx.post(url, content=content, headers=headers)
        return response.status_code, response.text

    assert post(json.dumps(body), **{"Qovery-Secret": secret}) == (200, "ok")
    assert post(json.dumps(body | {"payload_id": "another"}), **{"Qovery-Signature": secret}) == (200, "ok")
    assert post(json.dumps(body), **{"Qovery-Secret": "wrong"}) == (403, "invalid_token")
    assert post(json.dumps(body)) == (403, "invalid_token")  # a deployment event must carry the secret
    assert post("not json", **{"Qovery-Secret": secret}) == (400, "invalid_payload")
    assert post(json.dumps({"hello": "world"}), **{"Qovery-Secret": secret}) == (400, "invalid_payload")
    assert post("[1, 2]", **{"Qovery-Secret": secret}) == (400, "invalid_payload")
    # Once the hook has seen its secret, nothing may come without it, not even a SLACK body.
    assert post(json.dumps({"text": "Deployed"})) == (403, "invalid_token")
    assert post(json.dumps({"text": "Deployed"}), **{"Qovery-Secret": secret}) == (200, "ok")
    unknown = acme_app.url + "/qovery/hooks/no-such-hook"
    answer = httpx.post(unknown, content=json.dumps(body), headers={"Qovery-Secret": secret})
    assert (answer.status_code, answer.text) == (404, "no_service")


def test_a_body_over_one_mebibyte_is_refused(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    assert httpx.post(url, content=json.dumps({"text": "x" * (1024 * 1024)})).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    refused = httpx.post(url, content=chunks())
    assert (refused.status_code, refused.text) == (413, "payload_too_large")


def test_a_deleted_webhooks_hook_answers_404(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    assert httpx.post(url, content=json.dumps({"text": "Deployed"})).text == "ok"  # the bot knows it now
    acme_app.ask(f"webhook delete {subscribed[:8]}")
    acme_app.click("webhook_delete", subscribed)
    response = httpx.post(url, content=json.dumps({"text": "Deployed again"}))
    assert (response.status_code, response.text) == (404, "no_service")


def test_a_duplicate_is_posted_once(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    secret = qovery.webhooks[subscribed]["target_secret"]
    event = json.dumps(qovery.standard_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id))
    message = json.dumps({"text": "Deployed billing"})
    for _ in range(3):
        assert httpx.post(url, content=event, headers={"Qovery-Secret": secret}).text == "ok"
        assert httpx.post(url, content=message, headers={"Qovery-Secret": secret}).text == "ok"
    drained(acme_app)
    assert len(acme_app.slack.calls_to("chat.postMessage")) == 2


def test_a_delivery_the_database_cannot_take_is_refused_with_503_and_its_retry_posted(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str, tmp_path: Path
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    assert httpx.post(url, content=json.dumps({"text": "Deployed api"})).text == "ok"
    database = sqlite3.connect(tmp_path / "bot.db")
    database.execute("ALTER TABLE deliveries RENAME TO deliveries_away")  # the table cannot be written
    database.commit()
    refused = httpx.post(url, content=json.dumps({"text": "Deployed billing"}))
    assert (refused.status_code, refused.text) == (503, "service_unavailable")  # Qovery comes back later
    database.execute("ALTER TABLE deliveries_away RENAME TO deliveries")
    database.commit()
    database.close()
    assert httpx.post(url, content=json.dumps({"text": "Deployed billing"})).text == "ok"
    posted = cards(acme_app.slack, 2)
    assert ["Deployed api" in shown(c) for c in posted] == [True, False]
    assert "Deployed billing" in shown(posted[1])


def test_a_delivery_arriving_while_another_writer_holds_the_database_waits_its_turn(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str, tmp_path: Path
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    assert httpx.post(url, content=json.dumps({"text": "Deployed api"})).text == "ok"  # the channel is known
    database = sqlite3.connect(tmp_path / "bot.db", isolation_level=None, check_same_thread=False)
    database.execute("BEGIN IMMEDIATE")  # SQLite's one write lock, held elsewhere for half a second
    releasing = threading.Timer(0.5, lambda: database.execute("COMMIT"))
    releasing.start()
    try:
        waited = httpx.post(url, content=json.dumps({"text": "Deployed billing"}), timeout=10)
    finally:
        releasing.join()
        database.close()
    assert (waited.status_code, waited.text) == (200, "ok")  # stored once the lock was free, not refused
    posted = cards(acme_app.slack, 2)
    assert "Deployed billing" in shown(posted[1])


# -- one card per deployment -----------------------------------------------------------------------------


def test_started_then_successful_is_one_post_and_one_update_with_the_duration(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    qovery.deliver(subscribed, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    [started] = cards(acme_app.slack, 1)
    assert started.args["text"] == "Deployment started: billing / production (Acme)"
    qovery.deliver(subscribed, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    [update] = acme_app.slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, started.answer["ts"])
    assert update.args["text"] == "Deployment successful: billing / production (Acme)"
    assert re.search(r"successful after \d+ s", shown(update))  # the duration, from STARTED to the end
    drained(acme_app)
    assert len(acme_app.slack.calls_to("chat.postMessage")) == 1


def test_a_card_is_recorded_with_its_post_through_a_database_hiccup(
    slack: FakeSlack,
    qovery: FakeQovery,
    acme: Acme,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slack took the card, then the database failed at the first write after it: the courier records
    the post and the card's message together once the database answers, so the deployment's next event
    edits that card (a card saved apart, failing, had the delivery retried: a second card posted)."""
    record_post, save_card = SqlDeliveryQueue.posted, SqlCards.save
    refused: list[str] = []

    def hiccup(statement: str) -> None:
        if not refused:
            refused.append(statement)
            raise OperationalError(statement, None, ConnectionResetError("the database went away"))

    async def posted(queue: SqlDeliveryQueue, *args: Any, **kwargs: Any) -> None:
        hiccup("UPDATE deliveries")
        await record_post(queue, *args, **kwargs)

    async def save(cards: SqlCards, card: Card, now: datetime) -> int:
        if card.ts:  # the card's message, once posted
            hiccup("UPDATE cards")
        return await save_card(cards, card, now)

    monkeypatch.setattr(SqlDeliveryQueue, "posted", posted)
    monkeypatch.setattr(SqlCards, "save", save)
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    with serve(configured, slack, pace=QUICK_RETRIES) as app:
        qovery.redirects[configured.public_url] = app.url
        webhook_id = subscribe(app, qovery).webhook_id
        qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
        [started] = cards(slack, 1)
        qovery.deliver(webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
        [update] = slack.wait_for("chat.update")
        assert refused  # the first record did fail
        assert update.args["ts"] == started.answer["ts"]
        drained(app)
        assert len(slack.calls_to("chat.postMessage")) == 1


def test_thread_mode_replies_in_the_cards_thread(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    webhook_id = subscribe(acme_app, qovery, "--mode thread").webhook_id
    qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    qovery.deliver(webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    card, reply = acme_app.slack.wait_for("chat.postMessage", 2)
    assert reply.args["thread_ts"] == card.answer["ts"]
    assert reply.args["text"].startswith("Deployment failed")
    assert acme_app.slack.calls_to("chat.update") == []


def test_post_mode_posts_each_event(acme_app: RunningApp, qovery: FakeQovery, acme: Acme) -> None:
    webhook_id = subscribe(acme_app, qovery, "--mode post").webhook_id
    qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    qovery.deliver(webhook_id, "DEPLOYMENT_CANCELLED", environment_id=acme.environment_id)
    first, second = cards(acme_app.slack, 2)
    assert first.args["text"].startswith("Deployment started")
    assert second.args["text"].startswith("Deployment cancelled")
    assert acme_app.slack.calls_to("chat.update") == []


def test_a_terminal_event_first_gets_a_card_and_a_late_start_changes_nothing(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, standard: str
) -> None:
    qovery.deliver(standard, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"].startswith("Deployment failed")
    qovery.deliver(standard, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    drained(acme_app)
    assert acme_app.slack.calls_to("chat.update") == []
    assert len(acme_app.slack.calls_to("chat.postMessage")) == 1
    assert "not posted (arrived after the deployment had ended)" in json.dumps(acme_app.ask("deliveries"))


def test_a_new_deployment_of_the_same_environment_gets_a_new_card(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, standard: str
) -> None:
    for deployment in ("deployment-1", "deployment-2"):
        for event in ("DEPLOYMENT_STARTED", "DEPLOYMENT_SUCCESSFUL"):
            qovery.deliver(standard, event, environment_id=acme.environment_id, deployment_id=deployment)
    first, second = cards(acme_app.slack, 2)
    updates = acme_app.slack.wait_for("chat.update", 2)
    assert [u.args["ts"] for u in updates] == [first.answer["ts"], second.answer["ts"]]


# -- the cards -------------------------------------------------------------------------------------------


def buttons(call: SlackCall) -> dict[str, dict[str, object]]:
    [attachment] = call.args["attachments"]
    actions = [b for b in attachment["blocks"] if b["type"] == "actions"]
    return {e["text"]["text"]: e for block in actions for e in block["elements"]}


def test_cards_carry_the_buttons_of_their_status(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, standard: str
) -> None:
    for number, event in enumerate(("DEPLOYMENT_STARTED", "DEPLOYMENT_FAILURE", "DEPLOYMENT_CANCELLED")):
        qovery.deliver(standard, event, environment_id=acme.environment_id, deployment_id=f"d{number}")
    started, failed, cancelled = cards(acme_app.slack, 3)
    console = (
        f"https://console.qovery.com/organization/{acme.organization_id}/project/{acme.project_id}"
        f"/environment/{acme.environment_id}/overview"
    )
    assert set(buttons(started)) == {"Open in Qovery", "Cancel deployment"}
    assert set(buttons(failed)) == {"Open in Qovery", "View logs", "Redeploy", "Rollback"}
    assert set(buttons(cancelled)) == {"Open in Qovery", "Redeploy"}
    assert buttons(failed)["Open in Qovery"]["url"] == console
    assert "confirm" in buttons(failed)["Redeploy"]
    colours = [c.args["attachments"][0]["color"] for c in (started, failed, cancelled)]
    assert colours == ["#3b82f6", "#e01e5a", "#9e9ea6"]
    assert "api, db" in shown(failed)  # the services deployed
    assert "production (production)" in shown(failed)  # the environment and its type


def test_redeploy_button_reaches_qovery_and_reports_in_the_thread(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    qovery.deliver(subscribed, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(acme_app.slack, 1)
    redeploy = buttons(card)["Redeploy"]
    card_recorded(acme_app, card.answer["ts"])  # the answer goes in its thread, as recorded
    acme_app.press(str(redeploy["action_id"]), str(redeploy["value"]), message_ts=card.answer["ts"])
    [call] = qovery.wait_for("redeployEnvironment")
    assert call.path == f"/environment/{acme.environment_id}/redeploy"
    [reply] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and bool(c.args.get("thread_ts"))
    )
    assert reply.args["thread_ts"] == card.answer["ts"]
    assert f"<@{ADMIN}> redeployed *billing / production* from Slack" in reply.args["text"]
    assert "Qovery: deployment queued" in json.dumps(reply.args["blocks"])


def test_members_may_not_press_redeploy(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    qovery.deliver(subscribed, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(acme_app.slack, 1)
    redeploy = buttons(card)["Redeploy"]
    name = acme_app.press(
        str(redeploy["action_id"]), str(redeploy["value"]), user_id=MEMBER, message_ts=card.answer["ts"]
    )
    refusal = acme_app.reply(name)
    assert "may act on a production environment" in refusal["text"]
    assert qovery.calls_to("redeployEnvironment") == []


# -- SLACK bodies ----------------------------------------------------------------------------------------


def test_every_shape_of_slack_body_is_posted(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str
) -> None:
    url = hook_url(acme_app, qovery, subscribed)
    text_only = {"text": "Deployment of *billing* finished <!channel>"}
    with_attachments = {
        "attachments": [{"color": "danger", "fields": [{"title": "Status", "value": "weird", "short": True}]}]
    }
    with_blocks = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "A *block* message"}}]}
    for body in (text_only, with_attachments, with_blocks):
        assert httpx.post(url, content=json.dumps(body)).text == "ok"
    first, second, third = cards(acme_app.slack, 3)
    assert first.args["text"] == "Deployment of *billing* finished @channel"  # no mass mention
    assert second.args["attachments"] == with_attachments["attachments"]
    assert third.args["blocks"] == with_blocks["blocks"]


def test_a_slack_body_with_a_console_link_becomes_a_card(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    qovery.deliver(subscribed, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"] == "Deployment failed: billing / production (Acme)"
    assert set(buttons(card)) == {"Open in Qovery", "View logs", "Redeploy", "Rollback"}


def test_blocks_slack_refuses_are_posted_as_words(
    acme_app: RunningApp, qovery: FakeQovery, subscribed: str
) -> None:
    acme_app.slack.fail("chat.postMessage", error="invalid_blocks")
    body = {
        "text": "Deployed billing",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    assert httpx.post(hook_url(acme_app, qovery, subscribed), content=json.dumps(body)).text == "ok"
    refused, words = acme_app.slack.wait_for("chat.postMessage", 2)
    assert "blocks" in refused.args
    assert words.args == {"channel": CHANNEL, "text": "Deployed billing"}


# -- Slack's limits and failures -------------------------------------------------------------------------


def test_a_rate_limit_waits_its_retry_after(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    acme_app.slack.fail("chat.postMessage", status=429, retry_after=2)
    qovery.deliver(subscribed, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    limited, posted = acme_app.slack.wait_for("chat.postMessage", 2)
    assert posted.at - limited.at >= 1.9  # Slack asked for 2 s
    assert posted.answer["ok"] is True


def test_server_errors_are_retried_then_posted(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    acme_app.slack.fail("chat.postMessage", status=503, times=2)
    qovery.deliver(subscribed, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    attempts = acme_app.slack.wait_for("chat.postMessage", 3)
    assert [a.answer.get("error") for a in attempts[:2]] == ["http_503", "http_503"]  # the two 503s
    drained(acme_app)
    assert "posted" in json.dumps(acme_app.ask("deliveries"))


def test_a_permanent_error_is_recorded_not_retried_and_can_be_replayed(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    acme_app.slack.fail("chat.postMessage", error="channel_not_found")
    qovery.deliver(subscribed, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    acme_app.slack.wait_for("chat.postMessage")
    drained(acme_app)
    time.sleep(0.5)  # a retry would have come by now
    assert len(acme_app.slack.calls_to("chat.postMessage")) == 1
    log = acme_app.ask("deliveries", user_id=MEMBER)
    [failed] = [b for b in log["blocks"] if "accessory" in b]
    assert "failed (channel_not_found)" in failed["text"]["text"]
    assert failed["accessory"]["text"]["text"] == "Replay"
    refused = acme_app.click(failed["accessory"]["action_id"], failed["accessory"]["value"], user_id=MEMBER)
    assert "Sorry, only" in refused["text"]
    replayed = acme_app.click(failed["accessory"]["action_id"], failed["accessory"]["value"])
    assert "Queued again" in replayed["text"]
    acme_app.slack.wait_for("chat.postMessage", 2)
    drained(acme_app)
    latest = acme_app.ask("deliveries")["blocks"][1]
    assert ":white_check_mark: posted" in latest["text"]["text"]
    assert "accessory" not in latest


def test_giving_up_after_the_last_attempt(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, pace=Pace(backoff_seconds=0.01, max_attempts=3)) as app:
        qovery.redirects[configured.public_url] = app.url
        webhook_id = subscribe(app, qovery).webhook_id
        slack.fail("chat.postMessage", status=500, times=None)
        qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
        slack.wait_for("chat.postMessage", 3)
        drained(app)
        assert "gave up after 3 attempts: Slack answered HTTP 500" in json.dumps(app.ask("deliveries"))
        assert len(slack.calls_to("chat.postMessage")) == 3


def test_a_busy_channel_does_not_hold_up_another(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    other = subscribe(acme_app, qovery, channel_id=OTHER_CHANNEL).webhook_id
    for number in range(3):
        body = {"text": f"burst {number}"}
        httpx.post(hook_url(acme_app, qovery, subscribed), content=json.dumps(body))
    httpx.post(hook_url(acme_app, qovery, other), content=json.dumps({"text": "elsewhere"}))
    burst = cards(acme_app.slack, 3)
    [elsewhere] = cards(acme_app.slack, 1, channel=OTHER_CHANNEL)
    assert elsewhere.at < burst[2].at  # not queued behind the burst
    assert [c.args["text"] for c in burst] == ["burst 0", "burst 1", "burst 2"]  # in order
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(burst)]
    assert min(gaps) >= 0.9  # about one message a second in a channel


def test_a_delivery_stored_before_a_restart_is_posted_after_it(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    with serve(configured, slack, workers=0) as stopped_before_posting:  # it stores, but never posts
        qovery.redirects[configured.public_url] = stopped_before_posting.url
        webhook_id = subscribe(stopped_before_posting, qovery).webhook_id
        response = qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
        assert response.text == "ok"
    assert slack.calls_to("chat.postMessage") == []
    with serve(configured, slack):
        [card] = cards(slack, 1)
        assert card.args["text"].startswith("Deployment started")


# -- names Qovery left out -------------------------------------------------------------------------------


def bare_event(qovery: FakeQovery, acme: Acme, event: str) -> dict[str, object]:
    """A STANDARD event with ids only, as some of Qovery's deliveries are."""
    body = qovery.standard_body(event, environment_id=acme.environment_id)
    payload = body["payload"]
    payload["organization"] = {"id": acme.organization_id}
    payload["project"] = {"id": acme.project_id}
    payload["environment"] = {"id": acme.environment_id}
    payload["applications"] = payload["databases"] = []
    return body


def deliver_bare_failure(qovery: FakeQovery, acme: Acme, webhook_id: str) -> None:
    body = bare_event(qovery, acme, "DEPLOYMENT_FAILURE")
    qovery.deliver(webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, body=body)


def test_missing_names_are_looked_up_at_qovery(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, standard: str
) -> None:
    deliver_bare_failure(qovery, acme, standard)
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"] == "Deployment failed: billing / production (Acme)"
    assert "api, db" in shown(card)
    assert qovery.calls_to("getEnvironment")[0].token == acme.token


def test_a_failed_lookup_leaves_the_names_out_and_posts_anyway(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, standard: str
) -> None:
    qovery.fail("getEnvironment", status=503, times=None)
    deliver_bare_failure(qovery, acme, standard)
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"] == "Deployment failed: an environment"
    assert acme.environment_id in shown(card)


# -- seeing them -----------------------------------------------------------------------------------------


def test_operators_list_and_replay_from_the_command_line(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    acme_app.slack.fail("chat.postMessage", error="is_archived")
    qovery.deliver(subscribed, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    acme_app.slack.wait_for("chat.postMessage")
    drained(acme_app)
    env = bot_environment(
        PUBLIC_URL=acme_app.settings.public_url,
        SECRET_KEY=acme_app.settings.secret_key.get_secret_value(),
        DATABASE_URL=acme_app.settings.database_url,
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True)

    listed = cli("deliveries", "--failed")
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    assert f"{CHANNEL}  failed    failed · billing / production  (is_archived)" in line
    delivery_id = line.split()[0]
    replayed = cli("replay", delivery_id, "999999")
    assert replayed.returncode == 1
    assert f"{delivery_id}: queued again" in replayed.stdout
    assert "999999: no failed delivery with this id" in replayed.stderr
    acme_app.slack.wait_for("chat.postMessage", 2)  # the running bot posts it
    drained(acme_app)
    assert "no deliveries in state failed" in cli("deliveries", "--failed").stdout


def test_metrics_count_deliveries(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, subscribed: str
) -> None:
    qovery.deliver(subscribed, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    secret = qovery.webhooks[subscribed]["target_secret"]
    httpx.post(hook_url(acme_app, qovery, subscribed), content="not json", headers={"Qovery-Secret": secret})
    cards(acme_app.slack, 1)
    drained(acme_app)
    lines = acme_app.http.get("/metrics").text.splitlines()
    assert 'qovery_slack_deliveries_received_total{kind="SLACK"} 1.0' in lines
    assert 'qovery_slack_deliveries_refused_total{answer="invalid_payload"} 1.0' in lines
    assert 'qovery_slack_deliveries_total{outcome="posted"} 1.0' in lines
    assert "qovery_slack_queue_depth 0.0" in lines
    assert any(line.startswith("qovery_slack_delivery_seconds_count 1.0") for line in lines)


def test_the_same_flow_on_postgresql(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings, postgres_database_url: str
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": postgres_database_url}
    )
    with serve(configured, slack, pace=QUICK_RETRIES) as app:
        qovery.redirects[configured.public_url] = app.url
        webhook_id = subscribe(app, qovery).webhook_id
        slack.fail("chat.postMessage", status=503)
        for event in ("DEPLOYMENT_STARTED", "DEPLOYMENT_STARTED", "DEPLOYMENT_SUCCESSFUL"):
            qovery.deliver(webhook_id, event, environment_id=acme.environment_id)
        failed_once, card = cards(slack, 2)
        assert failed_once.answer == {"ok": False, "error": "http_503"}  # the 503
        [update] = slack.wait_for("chat.update")
        assert update.args["ts"] == card.answer["ts"]
        drained(app)
        assert len(slack.calls_to("chat.postMessage")) == 2  # the 503, then the card; the duplicate never
