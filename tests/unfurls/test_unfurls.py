"""Console links unfurled (SPEC §18), end to end: a signed `link_shared` event reaches the real Bolt app,
the bot reads the environment from the fake Qovery with the workspace's token and answers with one
`chat.unfurl`; every link it must not preview gets nothing, and nothing is said in the channel."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any

import pytest

from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, CHANNEL, TEAM_ID, SlackCall

CONSOLE = "https://console.qovery.com"
EXECUTION = "11111111-2222-4333-8444-555555555555-1"
_EVENTS = count(1)


def share(app: RunningApp, urls: list[str], ts: str = "1700000000.000100", **event: Any) -> None:
    """Paste `urls` in #deploys, as Slack tells the app of it."""
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "api_app_id": "A0QOVERY1",
            "event_id": f"EvLINK{next(_EVENTS)}",
            "event_time": int(time.time()),
            "event": {
                "type": "link_shared",
                "channel": CHANNEL,
                "user": ADMIN,
                "message_ts": ts,
                "unfurl_id": f"C0DEPLOYS.{ts}.abc",
                "source": "conversations_history",
                "links": [{"domain": "console.qovery.com", "url": url} for url in urls],
            }
            | event,
        }
    )
    headers = app.signer.headers(body, content_type="application/json")
    answer = app.http.post("/slack/events", content=body, headers=headers)
    assert answer.status_code == 200


def unfurls(app: RunningApp, count: int = 1) -> list[SlackCall]:
    return app.slack.wait_for("chat.unfurl", count)


def previews(call: SlackCall) -> dict[str, Any]:
    found = call.args["unfurls"]
    return dict(json.loads(found) if isinstance(found, str) else found)


def environment(acme: Acme) -> str:
    where = f"organization/{acme.organization_id}/project/{acme.project_id}/environment/{acme.environment_id}"
    return f"{CONSOLE}/{where}"


@pytest.fixture
def deployed(qovery: FakeQovery, acme: Acme) -> Acme:
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, execution_id=EXECUTION)]
    return acme


@pytest.mark.parametrize(
    "path",
    [
        "/overview",
        "/deployments",
        "/services/general",
        "/logs/{api}/deployment-logs/" + EXECUTION,
        "/application/{api}/general",
    ],
)
def test_each_console_page_of_an_environment_unfurls_into_its_state(
    acme_app: RunningApp, deployed: Acme, path: str
) -> None:
    url = environment(deployed) + path.format(api=deployed.service_ids[0])
    share(acme_app, [url])
    [call] = unfurls(acme_app)
    assert call.args["channel"] == CHANNEL
    assert call.args["ts"] == "1700000000.000100"
    [(key, preview)] = previews(call).items()
    assert key == url
    said = json.dumps(preview, ensure_ascii=False)
    assert "*billing / production* (production) · deployed" in said
    assert "Last deployment: :white_check_mark: deployed" in said
    assert "Deployment by alice@acme.com from the console" in said
    assert "api (application) `3f2a9c1`" in said
    assert f'"url": "{url}"' in said  # Open in Qovery
    if "{api}" in path:
        assert "Service *api*" in said
        assert "worker (container)" not in said  # the service's own version only


def test_the_older_platform_form_unfurls_too(acme_app: RunningApp, deployed: Acme) -> None:
    url = (
        f"{CONSOLE}/platform/organization/{deployed.organization_id}/projects/{deployed.project_id}"
        f"/environments/{deployed.environment_id}/applications/{deployed.service_ids[0]}/summary"
    )
    share(acme_app, [url])
    [call] = unfurls(acme_app)
    assert "Service *api*" in json.dumps(previews(call)[url], ensure_ascii=False)


def test_several_links_in_one_message_get_one_chat_unfurl_and_only_those_of_the_organization(
    acme_app: RunningApp, qovery: FakeQovery, deployed: Acme
) -> None:
    other_org = qovery.add_organization("Globex")
    other_env = qovery.add_environment(
        qovery.add_project(other_org, "secret"), "production", mode="PRODUCTION"
    )
    foreign = f"{CONSOLE}/organization/{other_org}/project/{qovery.environments[other_env]['project']['id']}"
    foreign += f"/environment/{other_env}/overview"
    # Acme's organization in the link, Globex's environment in it: Qovery refuses Acme's token.
    smuggled = f"{CONSOLE}/organization/{deployed.organization_id}/project/{deployed.project_id}"
    smuggled += f"/environment/{other_env}/overview"
    env = environment(deployed) + "/overview"
    service = environment(deployed) + f"/application/{deployed.service_ids[0]}/general"
    share(acme_app, [env, service, env, foreign, smuggled, "https://example.com/x"])
    [call] = unfurls(acme_app)
    assert set(previews(call)) == {env, service}
    calls = [c.path for c in qovery.calls_to("getEnvironment")]
    assert not [p for p in calls if other_env in p and foreign in p]
    assert acme_app.slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://console.qovery.com/organization/{org}/project/{project}/environment/{env}/overview",
        "https://console.qovery.com.evil.example/organization/{org}/project/{project}/environment/{env}/overview",
        "https://evil.example/https://console.qovery.com/organization/{org}/project/{project}/environment/{env}",
        "https://console.qovery.com/organization/{org}/project/{project}/environment/not-an-id/overview",
        "https://console.qovery.com/organization/{org}/project/{project}/overview",
        "https://console.qovery.com/organization/{org}/project/{project}/environment/{env}/<!channel>",
        "https://user@console.qovery.com/organization/{org}/project/{project}/environment/{env}/overview",
        "https://console.qovery.com/organization/{org}/project/{project}/environment/{env}/" + "x" * 3000,
        "https://console.qovery.com/organization/{org}/project/{other}/environment/{env}/overview",
        "https://console.qovery.com/organization/{org}/project/{project}/environment/{env}/application/"
        "00000000-0000-4000-8000-000000000000/general",
    ],
)
def test_a_link_it_must_not_preview_gets_nothing_and_holds_up_nothing(
    acme_app: RunningApp, deployed: Acme, url: str
) -> None:
    bad = url.format(
        org=deployed.organization_id,
        project=deployed.project_id,
        env=deployed.environment_id,
        other="00000000-0000-4000-8000-000000000001",
    )
    share(acme_app, [bad], ts="1700000000.000200")
    good = environment(deployed) + "/overview"
    share(acme_app, [good], ts="1700000000.000300")  # the next message's link is unfurled at once
    [call] = unfurls(acme_app)
    time.sleep(0.3)
    assert len(acme_app.slack.calls_to("chat.unfurl")) == 1
    assert set(previews(call)) == {good}
    assert acme_app.slack.calls_to("chat.postMessage") == []


def test_a_qovery_that_is_down_or_slow_means_no_unfurl_and_nothing_said(
    acme_app: RunningApp, qovery: FakeQovery, deployed: Acme
) -> None:
    url = environment(deployed) + "/overview"
    qovery.fail("getEnvironmentStatus", status=503, times=None)
    share(acme_app, [url])
    qovery.wait_for("getEnvironmentStatus")
    time.sleep(5.5)  # the unfurl's budget (5 s), its reads retried meanwhile, has run out
    assert acme_app.slack.calls_to("chat.unfurl") == []
    qovery.heal("getEnvironmentStatus")
    qovery.delay("listEnvironmentDeploymentHistoryV2", 3.0, times=None)  # each try past the client's 2 s
    share(acme_app, [url], ts="1700000000.000400")
    qovery.wait_for("listEnvironmentDeploymentHistoryV2")
    started = time.monotonic()
    assert "manage the Qovery webhooks" in acme_app.command("help").json()["text"]  # answered all the same
    assert time.monotonic() - started < 2
    time.sleep(5.5)  # the unfurl's budget (5 s) has run out
    assert acme_app.slack.calls_to("chat.unfurl") == []
    assert acme_app.slack.calls_to("chat.postMessage") == []


def test_names_from_qovery_are_shown_as_words(
    acme_app: RunningApp, qovery: FakeQovery, deployed: Acme
) -> None:
    qovery.projects[deployed.project_id]["name"] = "<!channel> billing"
    qovery.environments[deployed.environment_id]["name"] = "*prod* <https://evil.example|click>"
    url = environment(deployed) + "/overview"
    share(acme_app, [url])
    [call] = unfurls(acme_app)
    said = json.dumps(previews(call), ensure_ascii=False)
    assert "<!channel>" not in said
    assert "&lt;!channel&gt; billing" in said
    assert "<https://evil.example|click>" not in said


def test_a_composer_link_is_unfurled_by_its_unfurl_id(acme_app: RunningApp, deployed: Acme) -> None:
    url = environment(deployed) + "/overview"
    share(acme_app, [url], channel="COMPOSER", message_ts="U0ADMIN01-123", source="composer",
          unfurl_id="UNFURL123")  # fmt: skip
    [call] = unfurls(acme_app)
    assert call.args["unfurl_id"] == "UNFURL123"
    assert call.args["source"] == "composer"
    assert set(previews(call)) == {url}


def test_a_malformed_event_is_ignored(acme_app: RunningApp, deployed: Acme) -> None:
    for links in ("not a list", [None, 3, {"url": 7}], [{"url": "x" * 100_000}]):
        share(acme_app, [], links=links)
    share(acme_app, [environment(deployed) + "/overview"], ts="1700000000.000900")
    [call] = unfurls(acme_app)
    assert call.args["ts"] == "1700000000.000900"
