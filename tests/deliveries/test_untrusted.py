"""SPEC §9, end to end: whatever a holder of a hook URL or a forged click sends, the bot stays correct.

Each test names the attack it stands for; the legitimate deliveries beside it must still be posted.
(Long: one test an attack, each beside the legitimate deliveries.)
"""

from __future__ import annotations

import itertools
import json
import random
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr

from adapters.settings import Settings
from bot.deliveries.courier import Pace
from tests.deliveries.test_bodies import SHAPES, SLACK_BODIES, controls_and_mentions
from tests.deliveries.test_deliveries import OTHER_CHANNEL, buttons, cards, drained, shown
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import CHANNEL, FakeSlack, SlackCall
from tests.helpers import Subscription, card_recorded, subscribe


def post(hook: Subscription, body: object, *, signed: bool = True, **headers: str) -> httpx.Response:
    """Post a body to the hook as Qovery (with the secret) or as whoever holds its URL (without)."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    if signed:
        headers["Qovery-Secret"] = hook.secret
    return httpx.post(hook.url, content=content, headers=headers)


@pytest.fixture
def hook(acme_app: RunningApp, qovery: FakeQovery) -> Subscription:
    return subscribe(acme_app, qovery)


@pytest.fixture
def other_hook(acme_app: RunningApp, qovery: FakeQovery) -> Subscription:
    return subscribe(acme_app, qovery, channel_id=OTHER_CHANNEL)


PLAIN = {"type": "plain_text", "text": "x"}


def section(text: object, **extra: object) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def texts(calls: list[SlackCall]) -> list[str]:
    return [str(call.args.get("text")) for call in calls]


# -- no poison pills ---------------------------------------------------------------------------------------


def test_a_body_with_a_byte_order_mark_is_read_and_stops_nothing(
    acme_app: RunningApp, hook: Subscription, other_hook: Subscription
) -> None:
    assert post(hook, b"\xef\xbb\xbf" + json.dumps({"text": "marked first"}).encode()).text == "ok"
    assert post(other_hook, {"text": "in the other channel"}).text == "ok"
    assert post(hook, {"text": "after it"}).text == "ok"
    assert texts(cards(acme_app.slack, 2)) == ["marked first", "after it"]
    assert texts(cards(acme_app.slack, 1, channel=OTHER_CHANNEL)) == ["in the other channel"]


def test_a_stored_row_that_cannot_be_read_fails_alone(
    acme_app: RunningApp, hook: Subscription, other_hook: Subscription, tmp_path: Path
) -> None:
    assert post(hook, {"text": "first"}).text == "ok"
    cards(acme_app.slack, 1)
    drained(acme_app)
    # A row no version of the bot can read (written by hand, or by an older version's bug).
    database = sqlite3.connect(tmp_path / "bot.db")
    database.execute(
        "INSERT INTO deliveries (hook_id, team_id, channel_id, kind, dedup_key, body, summary, received_at,"
        " state, attempts, next_attempt_at, verified) SELECT hook_id, team_id, channel_id, kind, 'broken',"
        " '{broken', summary, received_at, 'queued', 0, next_attempt_at, 1 FROM deliveries"
    )
    database.commit()
    database.close()
    assert post(hook, {"text": "second"}).text == "ok"
    assert post(other_hook, {"text": "elsewhere"}).text == "ok"
    assert texts(cards(acme_app.slack, 2)) == ["first", "second"]
    assert texts(cards(acme_app.slack, 1, channel=OTHER_CHANNEL)) == ["elsewhere"]
    listed = json.dumps(acme_app.ask("deliveries"))
    assert "failed" in listed
    assert "its stored body cannot be read" in listed


def test_one_unstorable_string_fails_nothing_of_its_batch(acme_app: RunningApp, hook: Subscription) -> None:
    # A lone surrogate cannot be encoded by any database: read as U+FFFD, and the others go through.
    lone = b'{"text": "half a character: \\ud800 end"}'
    bodies = [lone] + [json.dumps({"text": f"legit {n}"}).encode() for n in range(8)]
    with ThreadPoolExecutor(len(bodies)) as senders:  # together, so that they share a group commit
        answers = list(senders.map(partial(post, hook), bodies))
    assert [a.status_code for a in answers] == [200] * len(bodies)
    posted = texts(cards(acme_app.slack, len(bodies)))
    assert "half a character: \ufffd end" in posted
    assert {f"legit {n}" for n in range(8)} <= set(posted)


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (json.dumps({"text": "UTF-16"}).encode("utf-16"), 400),
        (b'{"text": "latin-1 \xe9"}', 400),
        (b'{"text": "deep", "blocks": ' + b"[" * 70 + b"]" * 70 + b"}", 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"text": "' + b"\\u0000" * 3 + b'"}', 200),
        (json.dumps({"text": "not a list", "attachments": "fields"}).encode(), 200),
        (json.dumps({"text": "fields not a list", "attachments": [{"fields": 5}]}).encode(), 200),
        (json.dumps({"text": "big", "blocks": [section(1e308)]}).encode(), 200),
        (json.dumps({"text": "n" * 100_000}).encode(), 200),
    ],
)  # fmt: skip
def test_bodies_the_bot_cannot_take_are_4xx_never_5xx(
    acme_app: RunningApp, hook: Subscription, content: bytes, status: int
) -> None:
    answer = post(hook, content)
    assert answer.status_code == status, answer.text
    assert post(hook, {"text": "the next one"}).text == "ok"
    posted = cards(acme_app.slack, 2 if status == 200 else 1)
    assert posted[-1].args["text"] == "the next one"
    assert all(len(call.args["text"]) <= 40_000 for call in posted)


def test_a_standard_event_of_the_wrong_types_still_gets_a_card(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    body = qovery.standard_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    body["payload"] |= {"applications": "api", "containers": {"name": 1}, "databases": [7, None]}
    body["payload"]["project"] = ["not", "an", "object"]
    body["created_at"] = 17
    assert post(hook, body).text == "ok"
    [card] = cards(acme_app.slack, 1)
    assert card.args["text"].startswith("Deployment failed")


def test_a_terminal_event_without_a_time_zone_updates_its_card(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    started = qovery.standard_body("DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    failed = qovery.standard_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    started["created_at"], failed["created_at"] = "2026-12-01T10:00:00Z", "2026-12-01T10:04:12"
    assert post(hook, started).text == "ok"
    cards(acme_app.slack, 1)
    assert post(hook, failed).text == "ok"
    [update] = acme_app.slack.wait_for("chat.update")
    assert "failed after 4 min 12 s" in shown(update)  # a time without a zone is UTC


# -- content posted as it came -------------------------------------------------------------------------------

FORGED_BUTTON = {
    "type": "button",
    "action_id": "deployment_redeploy",
    "text": {"type": "plain_text", "text": "View logs"},
    "value": '{"environment": "../organization"}',
}


def test_a_slack_body_cannot_bring_its_own_buttons(acme_app: RunningApp, hook: Subscription) -> None:
    body = {
        "text": "Deployed",
        "blocks": [
            section("Click below", accessory=FORGED_BUTTON),
            {"type": "actions", "block_id": "deployment_actions", "elements": [FORGED_BUTTON]},
            {"type": "input", "label": PLAIN, "element": {"type": "plain_text_input"}},
            section("menu", accessory={"type": "overflow"}),
            {"type": "context", "elements": [FORGED_BUTTON, {"type": "mrkdwn", "text": "kept"}]},
        ],
        "attachments": [
            {"text": "legacy", "callback_id": "x", "actions": [{"type": "button", "name": "go"}]},
            {"blocks": [{"type": "actions", "elements": [FORGED_BUTTON]}]},
        ],
    }  # fmt: skip
    assert post(hook, body).text == "ok"
    [posted] = cards(acme_app.slack, 1)
    text = shown(posted)
    for control in ("action_id", '"actions"', "button", "overflow", "input", "callback_id"):
        assert control not in text, control
    assert "Click below" in text
    assert "kept" in text
    assert "legacy" in text


def test_mass_mentions_in_any_form_are_posted_as_words(acme_app: RunningApp, hook: Subscription) -> None:
    body = {
        "text": "<!channel> <!here|here> <!everyone> <!subteam^S0OPS|@ops> <!group> "
        "<@U0ALICE1> <!date^1^{date}|d>",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "broadcast", "range": "here"},
                            {"type": "usergroup", "usergroup_id": "S0OPS"},
                            {"type": "text", "text": " and <!channel>"},
                        ],
                    }
                ],
            },
            section("<!subteam^S0OPS|<!here>>"),
        ],
        "attachments": [{"pretext": "<!everyone>", "fields": [{"title": "<!channel>", "value": "<!here>"}]}],
    }  # fmt: skip
    assert post(hook, body).text == "ok"
    [posted] = cards(acme_app.slack, 1)
    text = shown(posted)
    for mention in ("<!channel", "<!here", "<!everyone", "<!subteam", "<!group", "broadcast", "usergroup"):
        assert mention not in text, mention
    assert "@channel @here @everyone @ops @group <@U0ALICE1> <!date^1^{date}|d>" in text


def test_an_unsigned_slack_body_is_posted_as_plain_content_never_as_a_card(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, hook: Subscription
) -> None:
    body = qovery.slack_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    assert post(hook, body, signed=False).text == "ok"  # this hook has not seen its secret yet
    [plain] = cards(acme_app.slack, 1)
    assert "actions" not in shown(plain)
    assert plain.args["text"] == body["text"]
    assert post(hook, body | {"text": body["text"] + " "}).text == "ok"
    card = cards(acme_app.slack, 2)[1]
    assert set(buttons(card)) == {"Open in Qovery", "View logs", "Redeploy", "Rollback"}


# -- buttons act on the bot's own record -------------------------------------------------------------------


def test_a_forged_button_value_acts_on_nothing(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, hook: Subscription
) -> None:
    post(hook, qovery.slack_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id))
    [card] = cards(acme_app.slack, 1)
    genuine = str(buttons(card)["Redeploy"]["value"])
    card_id = genuine.split(":")[1]
    forged = [
        json.dumps({"environment": acme.environment_id, "organization": acme.organization_id}),
        json.dumps({"environment": "../organization?x=1"}),
        f"card:{int(card_id) + 1000}:{acme.environment_id}",
        f"card:{card_id}:00000000-0000-4000-8000-000000000000",
        f"card:{card_id}:{acme.environment_id}/../..",
        "x" * 3000,
        "",
    ]
    for value in forged:
        reply = acme_app.click("deployment_redeploy", value, message_ts=card.answer["ts"])
        assert "nothing was done" in reply["text"] or "no longer shows" in reply["text"], value
    # Another workspace's user holds a genuine value: not theirs.
    reply = acme_app.click("deployment_redeploy", genuine, team_id="T0OTHER01", message_ts=card.answer["ts"])
    assert "nothing was done" in reply["text"]
    assert qovery.calls_to("redeployEnvironment") == []
    assert not [c for c in acme_app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]


def test_a_card_button_acts_on_the_environment_its_confirmation_names(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, hook: Subscription
) -> None:
    body = qovery.slack_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    post(hook, body)
    [card] = cards(acme_app.slack, 1)
    redeploy = buttons(card)["Redeploy"]
    assert acme.environment_id in json.dumps(redeploy["confirm"])
    assert len(str(redeploy["value"])) <= 2000
    card_recorded(acme_app, card.answer["ts"])
    acme_app.press(
        "deployment_redeploy", str(redeploy["value"]), message_ts="1.000", channel_id="C0ELSEWHERE"
    )
    [call] = qovery.wait_for("redeployEnvironment")
    assert call.path == f"/environment/{acme.environment_id}/redeploy"
    # The outcome goes to the card's own thread, whatever channel and message the click claims.
    [reply] = acme_app.slack.wait_until(lambda c: c.method == "chat.postMessage" and "thread_ts" in c.args)
    assert (reply.args["channel"], reply.args["thread_ts"]) == (CHANNEL, card.answer["ts"])


def test_ids_of_any_length_stay_within_slacks_limits(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard")
    body = qovery.standard_body("DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    body["payload_id"] = "p" * 3000
    body["payload"]["environment"]["id"] = "e" * 5000
    body["payload"]["deployment_id"] = body["payload"]["id"] = "d" * 3000
    assert post(hook, body).text == "ok"
    assert post(hook, body).text == "ok"  # the same payload id: a duplicate, however long
    [card] = cards(acme_app.slack, 1)
    for element in (e for b in card.args["attachments"][0]["blocks"] for e in b.get("elements", [])):
        assert len(element.get("value", "")) <= 2000
        assert len(element.get("url", "")) <= 3000
    drained(acme_app)
    assert len(acme_app.slack.calls_to("chat.postMessage")) == 1


# -- limits on what comes in ---------------------------------------------------------------------------------


def test_unsigned_deliveries_are_held_to_a_rate_per_hook(acme_app: RunningApp, hook: Subscription) -> None:
    with httpx.Client() as client:
        answers = [client.post(hook.url, content=json.dumps({"text": f"spam {n}"})) for n in range(125)]
    assert [a.status_code for a in answers[:120]] == [200] * 120  # a burst of 120
    limited = answers[120:]
    assert {a.status_code for a in limited} == {429}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in limited)
    # Qovery's own deliveries, with the secret, are never refused for rate...
    assert [post(hook, {"text": f"real {n}"}).status_code for n in range(5)] == [200] * 5
    # ... and from then on this hook takes nothing without it.
    assert (post(hook, {"text": "spam"}, signed=False).status_code, hook.url) == (403, hook.url)


def test_slack_events_refuses_a_large_body_before_reading_it(acme_app: RunningApp) -> None:
    huge = b"x" * (2 * 1024 * 1024)
    refused = acme_app.http.post("/slack/events", content=huge)
    assert (refused.status_code, refused.text) == (413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
        for _ in range(40):
            yield b"x" * 65536

    assert acme_app.http.post("/slack/events", content=chunks()).status_code == 413
    assert "Qovery" in acme_app.command("help").text  # and the next request is served as ever


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "not a number", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "1" * 40, "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v1=nothex"},
        {},
    ],
)
def test_a_malformed_slack_signature_is_401(
    acme_app: RunningApp, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    answer = acme_app.http.post("/slack/events", content=b"command=%2Fqovery&text=help", headers=headers)
    assert answer.status_code == 401
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("path", ["/qovery/hooks/{hook}", "/slack/events"])
def test_a_half_sent_body_is_not_held_open(
    acme_app: RunningApp, hook: Subscription, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.web.request_bodies.BODY_SECONDS", 0.5)  # both routes read bodies there
    host, port = acme_app.url.removeprefix("http://").split(":")
    target = path.format(hook=hook.url.rsplit("/", 1)[1])
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(
            f"POST {target} HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\n\r\n".encode() + b'{"text": '
        )
        answer = connection.recv(1024).decode()
    assert answer.startswith("HTTP/1.1 408"), answer


def test_no_log_line_carries_a_hook_id(
    acme_app: RunningApp, hook: Subscription, caplog: pytest.LogCaptureFixture
) -> None:
    hook_id = hook.url.rsplit("/", 1)[1]
    post(hook, {"text": "ok"})
    post(hook, b"not json")
    post(hook, {"text": "wrong"}, signed=False)
    cards(acme_app.slack, 1)
    # The test's own HTTP client logs what it asks; pytest also catches uvicorn's access lines, which
    # `qovery-slack serve` turns off (tests/test_server.py shows the served process's whole log).
    theirs = ("httpx", "httpcore", "uvicorn.access")
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(theirs)]
    assert not [line for line in ours if hook_id in line]
    assert "POST /qovery/hooks/{hook_id} 200" in ours
    assert "POST /qovery/hooks/{hook_id} 403" in ours


# -- generated: hostile bodies among legitimate ones, across channels ----------------------------------------

BOT_ACTIONS = {
    "deployment_open",
    "deployment_logs",
    "deployment_redeploy",
    "deployment_cancel",
    "deployment_rollback",
}
CARD_VALUE = re.compile(r"card:\d+:[0-9a-f-]{36}")


def without_the_bots_own_buttons(message: dict[str, Any]) -> dict[str, Any]:
    """The message less the actions block of a bot card (its own buttons, with its own values)."""
    copy: dict[str, Any] = json.loads(json.dumps(message))
    for attachment in copy.get("attachments") or []:
        blocks = attachment.get("blocks") or []
        for block in [b for b in blocks if b.get("block_id") == "deployment_actions"]:
            for element in block["elements"]:
                assert element["action_id"] in BOT_ACTIONS
                assert CARD_VALUE.fullmatch(element.get("value", "card:1:" + "0" * 36)), element
            blocks.remove(block)
    return copy


HOSTILE_BODIES = st.one_of(
    st.binary(max_size=200),
    SLACK_BODIES.map(lambda body: json.dumps(body).encode()),  # surrogates go as \\u escapes
    st.builds(
        lambda payload: json.dumps({"event_type": "DEPLOYMENT_FAILURE", "payload": payload}).encode(), SHAPES
    ),
    st.integers(60, 3000).map(lambda depth: b'{"text": "x", "blocks": ' + b"[" * depth + b"]" * depth + b"}"),
    st.just(b"\xef\xbb\xbf" + json.dumps({"text": "<!channel> marked"}).encode()),
    st.just(json.dumps({"text": "sixteen"}).encode("utf-16")),
)
# (which hook: 0 and 1 have seen their secret, 2 never has; signed or not; the body)
SENDS = st.lists(st.tuples(st.integers(0, 2), st.booleans(), HOSTILE_BODIES), min_size=1, max_size=8)


def says(text: str, call: SlackCall) -> bool:
    return call.args.get("text") == text


def test_hostile_bodies_among_legitimate_ones_across_channels(
    slack: FakeSlack, qovery: FakeQovery, acme: Acme, settings: Settings
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    fast = Pace(per_channel_seconds=0.0, backoff_seconds=0.05, max_attempts=3)
    channels = [CHANNEL, OTHER_CHANNEL, "C0THIRD01"]
    with serve(configured, slack, pace=fast) as app:
        qovery.redirects[configured.public_url] = app.url
        hooks = [subscribe(app, qovery, channel_id=channel) for channel in channels]
        for hook in hooks[:2]:
            assert post(hook, {"text": "first, with the secret"}).text == "ok"
        slack.wait_for("chat.postMessage", 2)
        examples = itertools.count()

        @given(sends=SENDS, order=st.randoms(use_true_random=False))
        @hypothesis_settings(max_examples=25, deadline=None)
        def scenario(sends: list[tuple[int, bool, bytes]], order: random.Random) -> None:
            seen = len(slack.calls)
            number = next(examples)
            legit = [(n, f"legit {number}-{n}") for n in (0, 1, 0, 1)]
            work: list[tuple[Subscription, bytes, bool, bool]] = [
                (hooks[n], json.dumps({"text": marker}).encode(), True, True) for n, marker in legit
            ]
            work += [(hooks[n], body, signed and n != 2, False) for n, signed, body in sends]
            order.shuffle(work)
            with ThreadPoolExecutor(8) as senders:
                answers = list(senders.map(lambda w: (post(w[0], w[1], signed=w[2]), w[3]), work))
            assert [a.status_code for a, _ in answers if a.status_code >= 500] == []
            assert [a.status_code for a, is_legit in answers if is_legit] == [200] * len(legit)
            posted = {(c.args.get("channel"), c.args.get("text")) for c in slack.calls_to("chat.postMessage")}
            for n, marker in legit:
                if (channels[n], marker) not in posted:
                    slack.wait_until(partial(says, marker))
            posted = {(c.args.get("channel"), c.args.get("text")) for c in slack.calls_to("chat.postMessage")}
            assert {(channels[n], marker) for n, marker in legit} <= posted
            drained(app)
            for call in slack.calls[seen:]:
                if call.method in ("chat.postMessage", "chat.update"):
                    assert controls_and_mentions(without_the_bots_own_buttons(call.args)) == [], call.args

        scenario()
