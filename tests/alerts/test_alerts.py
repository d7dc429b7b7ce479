"""Qovery's alerts in Slack (SPEC §14), end to end: `/qovery alerts ...` through the real app, the fake
Qovery's alerting (every request and answer checked against its OpenAPI description) ringing the bot's
alert hook as Alertmanager would, and the messages the fake Slack receives.
(Long: each step of an alert's life, with its refusals, reads best in one file.)"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, CHANNEL, MEMBER, SlackCall
from tests.helpers import card_recorded, subscribe

OTHER_CHANNEL = "C0OTHER01"


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    blocks = [b for a in message.get("attachments", []) for b in a.get("blocks", [])] + message.get(
        "blocks", []
    )
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def alert_posts(app: RunningApp, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
    """The alert messages the bot posted in channels (not replies in their threads)."""
    return app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and _is_alert(c) and "thread_ts" not in c.args,
        count=count,
        timeout=timeout,
    )


def _is_alert(call: SlackCall) -> bool:
    return "alert_actions" in json.dumps(call.args.get("attachments", ""))


def message_of(call: SlackCall) -> dict[str, Any]:
    args = dict(call.args)
    if isinstance(args.get("attachments"), str):
        args["attachments"] = json.loads(args["attachments"])
    return args


def edits_of(app: RunningApp, ts: str, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
    return app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args.get("ts") == ts, count=count, timeout=timeout
    )


def hook_url(app: RunningApp, qovery: FakeQovery) -> str:
    """Where the bot's alert receiver posts, as the test can reach it."""
    [receiver] = [r for r in qovery.alert_receivers.values() if r["name"].startswith("Slack")]
    return app.url + str(receiver["webhook_url"]).removeprefix(app.settings.public_url)


@pytest.fixture
def api_rule(qovery: FakeQovery, acme: Acme) -> str:
    """A rule on billing / production / api, already sent to another tool's receiver."""
    elsewhere = qovery.add_alert_receiver(acme.organization_id, "PagerDuty", "https://events.example.com/x")
    return qovery.add_alert_rule(
        acme.organization_id,
        "High 5xx rate",
        service_id=acme.service_ids[0],
        severity="CRITICAL",
        receivers=(elsewhere,),
        runbook_url="https://runbooks.example.com/5xx",
    )


@pytest.fixture
def staging(qovery: FakeQovery, acme: Acme) -> tuple[str, str]:
    """billing / staging (STAGING) and its service web, with a LOW rule on it."""
    env = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    web = qovery.add_service(env, "web")
    elsewhere = qovery.add_alert_receiver(acme.organization_id, "E-mail", "https://mail.example.com/x")
    return env, qovery.add_alert_rule(
        acme.organization_id, "Slow pages", service_id=web, severity="LOW", receivers=(elsewhere,)
    )


# -- subscribing ---------------------------------------------------------------------------------------------


def test_subscribe_creates_one_receiver_and_adds_it_to_the_matching_rules_sent_whole(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str, staging: tuple[str, str]
) -> None:
    _, slow_pages = staging
    before = {rule_id: dict(rule) for rule_id, rule in qovery.alert_rules.items()}
    answer = acme_app.ask("alerts subscribe --envs production --severity high")
    text = shown(answer)
    assert "now receives Qovery's alerts" in text
    assert "*High 5xx rate* (CRITICAL) on billing / production / api" in text
    assert "Slow pages" not in text

    [receiver] = [r for r in qovery.alert_receivers.values() if r["name"].startswith("Slack")]
    assert receiver["webhook_url"].startswith(f"{acme_app.settings.public_url}/qovery/hooks/")
    assert receiver["name"] == "Slack #deploys (T0TEAM001)"  # which workspace and channel
    [created] = qovery.calls_to("createAlertReceiver")
    assert created.body["type"] == "SLACK"
    assert created.body["send_resolved"] is True

    [edit] = qovery.calls_to("editAlertRule")
    assert edit.path == f"/alert-rules/{api_rule}"
    # The rule whole, as it was read; only its receivers changed, and the other tool's receiver stays.
    old = before[api_rule]
    for name in (
        "name",
        "description",
        "tag",
        "condition",
        "for_duration",
        "severity",
        "enabled",
        "presentation",
    ):
        assert edit.body[name] == old[name]
    assert edit.body["alert_receiver_ids"] == [*old["alert_receiver_ids"], receiver["id"]]
    assert qovery.alert_rules[slow_pages]["alert_receiver_ids"] == before[slow_pages]["alert_receiver_ids"]
    assert qovery.spec_violations == []


def test_subscribe_twice_says_what_the_channel_receives_and_changes_nothing(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    answer = acme_app.ask("alerts subscribe --severity low")
    assert "already receives alerts" in answer["text"]
    assert len(qovery.calls_to("createAlertReceiver")) == 1


def test_bad_options_are_refused_with_the_word_and_what_is_accepted(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    for words, wrong in (
        ("--severity urgent", "urgent"),
        ("--envs prod", "prod"),
        ("--colour red", "--colour"),
    ):
        answer = acme_app.command(f"alerts subscribe {words}").json()  # refused in the acknowledgement
        assert f"`{wrong}`" in answer["text"]
        assert "Accepted" in answer["text"]
    assert "notify everyone" in acme_app.command("alerts subscribe --mention @channel").json()["text"]
    assert qovery.calls_to("createAlertReceiver") == []


def test_only_admins_may_subscribe_and_everyone_may_list(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    refused = acme_app.ask("alerts subscribe", user_id=MEMBER)
    assert "only workspace admins" in refused["text"].lower()
    assert qovery.calls_to("createAlertReceiver") == []
    acme_app.ask("alerts subscribe")
    listed = shown(acme_app.ask("alerts list", user_id=MEMBER))
    assert "*High 5xx rate* (CRITICAL) on billing / production / api" in listed
    assert f"<#{CHANNEL}>" in listed


def test_alerting_not_enabled_and_a_role_that_may_not_edit_rules_are_said_in_words(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str
) -> None:
    qovery.alerting_disabled.add(acme.organization_id)
    answer = acme_app.ask("alerts subscribe")
    assert "alerting is not enabled for this organization" in answer["text"]
    assert "Alerting is not enabled on any cluster" in answer["text"]  # Qovery's own words
    qovery.alerting_disabled.clear()

    viewer = qovery.add_token(acme.organization_id, role="VIEWER")
    qovery.tokens[acme.token] = qovery.tokens[viewer]  # the workspace's token lost its role
    answer = acme_app.ask("alerts subscribe")
    assert "may not edit alert rules" in answer["text"]
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == [
        r for r in qovery.alert_rules[api_rule]["alert_receiver_ids"] if not r.startswith("x")
    ]
    assert not any(r["name"].startswith("Slack") for r in qovery.alert_receivers.values())


def test_qovery_refusing_a_receiver_that_is_not_slack_keeps_the_subscription_on_the_bots_reads(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    qovery.receiver_needs_slack_host = True
    answer = shown(acme_app.ask("alerts subscribe"))
    assert "arrive here within a minute" in answer
    assert "webhook_url must be a Slack incoming webhook URL" in answer
    assert qovery.calls_to("editAlertRule") == []  # no receiver to add
    # The first read comes at once; a firing then shows without any doorbell.
    qovery.alert_rules[api_rule] |= {"state": "TRIGGERED", "starts_at": _iso(datetime.now(UTC))}
    [post] = alert_posts(acme_app, timeout=15)
    assert "High 5xx rate" in post.args["text"]


# -- a firing, from doorbell to resolved -------------------------------------------------------------------


def test_a_firing_is_one_message_edited_to_resolved_with_a_reply_in_its_thread(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    started = time.monotonic()
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    assert time.monotonic() - started < 5  # the doorbell brings the read forward
    message = message_of(post)
    text = shown(message)
    assert post.args["channel"] == CHANNEL
    assert ":rotating_light: *High 5xx rate* (CRITICAL) on *billing / production / api*" in text
    assert "5xx above 5% of requests" in text  # the rule's summary
    assert "*Condition*: avg &gt; 0.05 for 5 min" in text
    assert "```sum(rate(http_requests_total" in text
    assert message["attachments"][0]["color"] == "#e01e5a"  # red: CRITICAL
    assert set(buttons(message)) == {"Open in Qovery", "Runbook", "Acknowledge", "Silence 1 h"}
    assert buttons(message)["Open in Qovery"]["url"].endswith(
        f"/environment/{acme.environment_id}/application/{acme.service_ids[0]}/general"
    )
    # Nothing of what Alertmanager sent is shown: not its words, nor its mass mention, nor its link.
    assert "<!channel>" not in text
    assert "evil.example" not in text
    assert "FIRING" not in text

    qovery.resolve(api_rule)
    [edit] = edits_of(acme_app, post.answer["ts"])
    resolved = shown(message_of(edit))
    assert "*Resolved* after" in resolved
    assert message_of(edit)["attachments"][0]["color"] == "#2eb67d"
    assert "Acknowledge" not in resolved
    [reply] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args.get("thread_ts") == post.answer["ts"]
    )
    assert "is resolved, after" in reply.args["text"]
    assert len([c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]) == 1


def test_a_channel_gets_only_the_alerts_its_filters_keep(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str, staging: tuple[str, str]
) -> None:
    _, slow_pages = staging
    acme_app.ask("alerts subscribe --envs staging", channel_id=OTHER_CHANNEL)
    acme_app.ask("alerts subscribe --severity high")
    qovery.fire(slow_pages)
    qovery.fire(api_rule)
    posts = alert_posts(acme_app, count=2)
    where = {p.args["channel"]: p.args["text"] for p in posts}
    assert "Slow pages" in where[OTHER_CHANNEL]
    assert "High 5xx rate" in where[CHANNEL]
    time.sleep(1.5)
    assert len([c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]) == 2


def test_a_forged_doorbell_posts_nothing_and_past_sixty_a_minute_is_refused(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    url = hook_url(acme_app, qovery)
    forged = {
        "text": "<!channel> [FIRING:1] High 5xx rate",
        "attachments": [{"text": "<https://evil.example|x>"}],
    }
    answers = [httpx.post(url, json=forged, timeout=5).status_code for _ in range(61)]
    assert answers[:60] == [200] * 60
    assert answers[60] == 429
    assert httpx.post(url, content=b"\xff\xfe garbage", timeout=5).status_code == 429
    time.sleep(1.5)
    assert not [c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]
    # However many rang, Qovery was read a few times at most (one read per 5 s per workspace).
    assert len(qovery.calls_to("getAlertRules")) <= 3


def test_a_doorbell_to_a_revoked_or_unknown_hook_is_404(acme_app: RunningApp, qovery: FakeQovery) -> None:
    acme_app.ask("alerts subscribe")
    url = hook_url(acme_app, qovery)
    acme_app.ask("alerts unsubscribe")
    assert httpx.post(url, json={}, timeout=5).status_code == 404
    assert httpx.post(url + "x", json={}, timeout=5).status_code == 404


def test_qovery_down_during_a_read_posts_nothing_false_and_the_next_read_posts_the_firing(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    qovery.fail("getAlertRules", status=503, times=3)  # every retry of the read fails
    qovery.fire(api_rule)
    time.sleep(1.5)
    assert not [c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]
    assert acme_app.http.get("/healthz").status_code == 200
    qovery.heal("getAlertRules")
    qovery.ring(api_rule, firing=True)  # Alertmanager repeats; five seconds after the last read
    [post] = alert_posts(acme_app, timeout=15)
    assert "High 5xx rate" in post.args["text"]


# -- the deployment it followed ------------------------------------------------------------------------------


def test_an_alert_names_the_deployment_it_followed_links_its_card_and_offers_its_rollback(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    acme_app.ask("alerts subscribe")
    now = datetime.now(UTC)
    ids = {"api": acme.service_ids[0], "db": acme.service_ids[1]}
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYED", created_at=now - timedelta(minutes=6),
                   commit=("3f2a9c1" + "0" * 33, "Fix invoices", "Alice"), service_ids=ids,
                   execution_id=f"{acme.environment_id}-new", updated_at=now - timedelta(minutes=4)),
        deployment(acme.environment_id, status="DEPLOYED", created_at=now - timedelta(days=1),
                   commit=("b" * 40, "Older", "Bob"), service_ids=ids,
                   execution_id=f"{acme.environment_id}-old", updated_at=now - timedelta(days=1)),
    ]  # fmt: skip
    qovery.statuses[acme.environment_id]["last_deployment_id"] = f"{acme.environment_id}-new"
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    [card] = acme_app.slack.wait_for("chat.postMessage")
    card_recorded(acme_app, card.answer["ts"])

    qovery.fire(api_rule, at=now)
    [post] = alert_posts(acme_app)
    text = shown(message_of(post))
    assert "began 4 min after the deployment of billing / production by alice@acme.com (api 3f2a9c1, " in text
    assert f"https://slack.com/archives/{CHANNEL}/p{card.answer['ts'].replace('.', '')}|its card" in text
    rollback = buttons(message_of(post))["Rollback"]

    confirmation = acme_app.click(rollback["action_id"], rollback["value"], message_ts=post.answer["ts"])
    said = shown(confirmation)
    assert "Roll back *billing / production*?" in said
    assert "*api* (application): `3f2a9c1` → `bbbbbbb`" in said
    assert qovery.calls_to("deployAllServices") == []  # nothing before the confirmation


def test_an_alert_long_after_any_deployment_names_none_and_has_no_rollback(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str
) -> None:
    now = datetime.now(UTC)
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYED", created_at=now - timedelta(hours=3),
                   commit=("a" * 40, "Old", "Ann"), service_ids={"api": acme.service_ids[0]},
                   updated_at=now - timedelta(hours=2)),
    ]  # fmt: skip
    acme_app.ask("alerts subscribe")
    qovery.fire(api_rule, at=now)
    [post] = alert_posts(acme_app)
    assert "after the deployment" not in shown(message_of(post))
    assert "Rollback" not in buttons(message_of(post))


# -- acknowledge, silence ------------------------------------------------------------------------------------


def test_acknowledge_shows_who_on_the_message_once(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    ack = buttons(message_of(post))["Acknowledge"]
    acme_app.press(ack["action_id"], ack["value"], user_id=MEMBER, message_ts=post.answer["ts"])
    [edit] = edits_of(acme_app, post.answer["ts"])
    assert f"Acknowledged by <@{MEMBER}> at <!date^" in shown(message_of(edit))
    assert "Acknowledge" not in buttons(message_of(edit))
    again = acme_app.click(ack["action_id"], ack["value"], user_id=ADMIN, message_ts=post.answer["ts"])
    assert f"<@{MEMBER}> acknowledged it already" in again["text"]


def test_silence_holds_new_firings_of_that_rule_in_that_channel_until_unsilenced(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    silence = buttons(message_of(post))["Silence 1 h"]
    acme_app.press(silence["action_id"], silence["value"], user_id=MEMBER, message_ts=post.answer["ts"])
    [edit] = edits_of(acme_app, post.answer["ts"])
    assert "Silenced here until" in shown(message_of(edit))
    unsilence = buttons(message_of(edit))["Unsilence"]

    qovery.resolve(api_rule)
    edits_of(acme_app, post.answer["ts"], count=2)  # resolved, as ever
    qovery.fire(api_rule)  # a new firing, while silenced
    time.sleep(1.5)
    assert len([c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]) == 1

    acme_app.press(unsilence["action_id"], unsilence["value"], user_id=MEMBER, message_ts=post.answer["ts"])
    qovery.ring(api_rule, firing=True)
    alert_posts(acme_app, count=2, timeout=15)


def test_a_click_from_another_channel_or_a_forged_value_does_nothing(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    ack = buttons(message_of(post))["Acknowledge"]
    elsewhere = acme_app.click(ack["action_id"], ack["value"], channel_id=OTHER_CHANNEL)
    assert "does not belong to an alert of this channel" in elsewhere["text"]
    for forged in ("firing:999999", "firing:1 OR 1=1", "card:1:x", "x" * 3000):
        answer = acme_app.click(ack["action_id"], forged)
        assert "does not belong to an alert" in answer["text"]
    assert acme_app.slack.calls_to("chat.update") == []


# -- unsubscribing, testing --------------------------------------------------------------------------------


def test_unsubscribe_leaves_every_rule_as_it_was_and_names_those_that_must_keep_a_receiver(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str
) -> None:
    worker = qovery.add_service(acme.environment_id, "worker")
    unrouted = qovery.add_alert_rule(acme.organization_id, "Disk full", service_id=worker)
    before = {rule_id: list(rule["alert_receiver_ids"]) for rule_id, rule in qovery.alert_rules.items()}
    acme_app.ask("alerts subscribe")
    [receiver] = [r for r in qovery.alert_receivers.values() if r["name"].startswith("Slack")]
    assert qovery.alert_rules[unrouted]["alert_receiver_ids"] == [receiver["id"]]

    answer = shown(acme_app.ask("alerts unsubscribe"))
    assert "no longer receives alerts" in answer
    assert "*Disk full*" in answer  # its only receiver is the bot's: Qovery needs one
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == before[api_rule]
    assert qovery.alert_rules[unrouted]["alert_receiver_ids"] == [receiver["id"]]
    assert receiver["id"] in qovery.alert_receivers  # kept, since a rule still names it
    qovery.fire(unrouted)  # rings the revoked hook: nothing is posted
    time.sleep(1.5)
    assert not [c for c in acme_app.slack.calls_to("chat.postMessage") if _is_alert(c)]
    assert acme_app.ask("alerts unsubscribe")["text"] == "This channel receives no alerts."


def test_unsubscribe_deletes_the_receiver_when_no_rule_needs_it(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    acme_app.ask("alerts unsubscribe")
    assert not any(r["name"].startswith("Slack") for r in qovery.alert_receivers.values())
    assert len(qovery.calls_to("deleteAlertReceiver")) == 1
    assert qovery.spec_violations == []


def test_alerts_test_says_in_the_channel_that_qoverys_test_arrived_never_what_it_said(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    answer = acme_app.ask("alerts test")
    assert "Qovery is sending this channel's receiver a test" in answer["text"]
    [told] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "test alert reached" in c.args.get("text", "")
    )
    assert told.args["channel"] == CHANNEL
    assert "<!channel>" not in shown(told.args)
    assert f"<@{ADMIN}>" in told.args["text"]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_mentions_are_notified_in_the_thread_when_it_fires(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe --mention <!subteam^S0ONCALL1|oncall>,<@U0ALICE01>")
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    assert "<!subteam^" not in post.args["text"]  # the message itself names nobody: it is edited later
    [reply] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args.get("thread_ts") == post.answer["ts"]
    )
    assert reply.args["text"].startswith("<!subteam^S0ONCALL1> <@U0ALICE01> :rotating_light: *High 5xx rate*")


def test_a_rule_suppressed_at_qovery_is_said_to_be_silenced_there(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    acme_app.ask("alerts subscribe")
    qovery.fire(api_rule)
    [post] = alert_posts(acme_app)
    qovery.alert_rules[api_rule]["state"] = "SUPPRESSED"
    time.sleep(5.1)  # past the doorbell gap of the last read
    qovery.ring(api_rule, firing=True)
    [edit] = edits_of(acme_app, post.answer["ts"])
    assert "Silenced at Qovery" in shown(message_of(edit))
    assert message_of(edit)["attachments"][0]["color"] == "#9e9ea6"


def test_a_ghost_rule_still_firing_in_prometheus_is_posted_by_its_name(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_ghost_rule(
        acme.organization_id, "Old memory rule", service_id=acme.service_ids[0], state="NOTIFIED"
    )
    acme_app.ask("alerts subscribe")  # the first read comes at once
    [post] = alert_posts(acme_app)
    text = shown(message_of(post))
    assert "*Old memory rule*" in text
    assert "no longer in Qovery's list" in text


def test_qovery_down_when_subscribing_is_said_in_words_and_leaves_nothing_behind(
    acme_app: RunningApp, qovery: FakeQovery, api_rule: str
) -> None:
    qovery.fail("getAlertRules", status=503, times=3)
    answer = acme_app.ask("alerts subscribe")
    assert "Qovery" in answer["text"]
    assert "Traceback" not in answer["text"]
    assert qovery.calls_to("createAlertReceiver") == []
    assert acme_app.ask("alerts unsubscribe")["text"] == "This channel receives no alerts."
    qovery.fail("createAlertReceiver", status=500)
    refused = acme_app.ask("alerts subscribe")
    assert "Qovery" in refused["text"]
    assert acme_app.ask("alerts unsubscribe")["text"] == "This channel receives no alerts."  # hook revoked
