"""Two `qovery-slack serve` processes on one PostgreSQL database: every delivery posted exactly once, on
the right card, at Slack's pace per channel, whichever replica Qovery happened to call."""

from __future__ import annotations

import itertools
import json
from functools import partial
from typing import Any

import httpx

from tests.conftest import SIGNING_SECRET
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, FakeSlack, SlackCall

CHANNELS = ("C0REPLICA1", "C0REPLICA2")
DEPLOYMENTS = 3


def answered_at(path: str, call: SlackCall) -> bool:
    return call.path == path


def test_two_replicas_post_each_delivery_once_on_the_right_card(
    replicas: list[str], slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    signer = SlackSigner(SIGNING_SECRET)
    hooks: dict[str, dict[str, Any]] = {}
    for number, channel in enumerate(CHANNELS):
        reply = f"/response/sub{number}"
        command = slash_command_body(
            "subscribe --kind standard --watch 0",  # the courier's posts and edits alone
            response_url=slack.response_url(f"sub{number}"),
            user_id=ADMIN,
            channel_id=channel,
        )
        httpx.post(f"{replicas[number]}/slack/events", content=command, headers=signer.headers(command))
        slack.wait_until(partial(answered_at, reply))
        [webhook] = [w for w in qovery.webhooks.values() if w["id"] not in {h["id"] for h in hooks.values()}]
        hooks[channel] = webhook

    # Qovery calls whichever replica its load balancer picks: the start to one, the end to the other.
    sent = 0
    for channel, deployment in itertools.product(CHANNELS, range(DEPLOYMENTS)):
        webhook = hooks[channel]
        path = webhook["target_url"].removeprefix("http://bot.test")
        for replica, event in zip(replicas, ("DEPLOYMENT_STARTED", "DEPLOYMENT_SUCCESSFUL"), strict=True):
            body = qovery.standard_body(
                event, environment_id=acme.environment_id, deployment_id=f"{channel}-{deployment}"
            )
            answer = httpx.post(
                replica + path, content=json.dumps(body), headers={"Qovery-Secret": webhook["target_secret"]}
            )
            assert answer.text == "ok"
            sent += 1

    per_channel = DEPLOYMENTS * 2
    calls = slack.wait_until(
        lambda c: c.method in ("chat.postMessage", "chat.update"), timeout=60, count=sent
    )
    for channel in CHANNELS:
        posts = [c for c in calls if c.method == "chat.postMessage" and c.args["channel"] == channel]
        updates = [c for c in calls if c.method == "chat.update" and c.args["channel"] == channel]
        assert (len(posts), len(updates)) == (DEPLOYMENTS, DEPLOYMENTS)  # exactly once each
        assert sorted(u.args["ts"] for u in updates) == sorted(
            p.answer["ts"] for p in posts
        )  # the right cards
        for update in updates:
            [post] = [p for p in posts if p.answer["ts"] == update.args["ts"]]
            assert update.args["text"].replace("successful", "started") == post.args["text"].replace(
                "successful", "started"
            )
        in_channel = sorted(c.at for c in calls if c.args.get("channel") == channel)
        assert len(in_channel) == per_channel
        gaps = [later - earlier for earlier, later in itertools.pairwise(in_channel)]
        assert min(gaps) >= 0.9  # about one a second, though two processes post
