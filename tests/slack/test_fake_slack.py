"""The fake Slack Web API answers slack-sdk's real client the way Slack does, and fails on cue."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import FakeSlack


def client(slack: FakeSlack, token: str = "xoxb-test-token") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=slack.api_url)


def test_post_then_update_a_message(slack: FakeSlack) -> None:
    async def scenario() -> None:
        web = client(slack)
        posted = await web.chat_postMessage(channel="C1", text="Deploying", blocks=[])
        assert posted["ts"]
        updated = await web.chat_update(channel="C1", ts=posted["ts"], text="Deployed")
        assert updated["ts"] == posted["ts"]

    asyncio.run(scenario())
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "C1"
    assert post.args["text"] == "Deploying"
    assert slack.calls_to("chat.update")[0].args["text"] == "Deployed"


def test_each_post_gets_a_new_ts(slack: FakeSlack) -> None:
    async def scenario() -> list[str]:
        web = client(slack)
        return [(await web.chat_postMessage(channel="C1", text=str(i)))["ts"] for i in range(3)]

    assert len(set(asyncio.run(scenario()))) == 3


def test_reads_answer_with_configured_users_and_channels(slack: FakeSlack) -> None:
    slack.users["U1"] = {"is_admin": True}
    slack.channels["C1"] = "deploys"

    async def scenario() -> tuple[bool, bool, str]:
        web = client(slack)
        admin = (await web.users_info(user="U1"))["user"]["is_admin"]
        member = (await web.users_info(user="U2"))["user"]["is_admin"]
        name = (await web.conversations_info(channel="C1"))["channel"]["name"]
        return admin, member, name

    assert asyncio.run(scenario()) == (True, False, "deploys")


def test_views_and_ephemeral_messages(slack: FakeSlack) -> None:
    async def scenario() -> None:
        web = client(slack)
        opened = await web.views_open(trigger_id="1.2.3", view={"type": "modal", "title": {}, "blocks": []})
        await web.views_update(view_id=opened["view"]["id"], view={"type": "modal", "blocks": []})
        await web.chat_postEphemeral(channel="C1", user="U1", text="only you")

    asyncio.run(scenario())
    assert [c.method for c in slack.calls] == ["views.open", "views.update", "chat.postEphemeral"]


def test_a_bad_token_is_refused(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        asyncio.run(client(slack, "xoxb-revoked").auth_test())
    assert caught.value.response["error"] == "invalid_auth"


def test_rate_limit_with_retry_after(slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        asyncio.run(client(slack).chat_postMessage(channel="C1", text="x"))
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    asyncio.run(client(slack).chat_postMessage(channel="C1", text="x"))  # only the next call failed


def test_server_error_and_slack_error(slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", status=503, times=2)
    slack.fail("chat.update", error="channel_not_found", times=None)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            asyncio.run(client(slack).chat_postMessage(channel="C1", text="x"))
        assert caught.value.response.status_code == 503
    asyncio.run(client(slack).chat_postMessage(channel="C1", text="x"))
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            asyncio.run(client(slack).chat_update(channel="C1", ts="1.2", text="x"))
        assert caught.value.response["error"] == "channel_not_found"


def test_delay(slack: FakeSlack) -> None:
    slack.delay("auth.test", 0.3, times=1)
    started = time.monotonic()
    asyncio.run(client(slack).auth_test())
    assert time.monotonic() - started >= 0.3


def test_response_url_posts_are_recorded(slack: FakeSlack) -> None:
    async def scenario() -> int:
        hook = AsyncWebhookClient(slack.response_url("abc"))
        return (await hook.send(text="done", response_type="ephemeral")).status_code

    assert asyncio.run(scenario()) == 200
    [reply] = slack.wait_for("response_url")
    assert reply.path == "/response/abc"
    assert reply.args == {"text": "done", "response_type": "ephemeral"}
