"""Hostile input, generated: the parser, the renderer and the delivery endpoint hold whatever comes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks import BUTTON_TEXT_LIMIT, FIELD_LIMIT, MAX_BLOCKS, SECTION_LIMIT
from bot.commands import OPTIONS, CommandError, parse
from bot.deliveries.cards import render_card, render_delivery
from bot.deliveries.events import Deployment, DeploymentStatus, Named, classify
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import FakeQovery

WORDS = st.sampled_from(
    ["webhook", "create", "edit", "show", "list", "delete", "enable", "subscribe", "help", "deliveries",
     "all", "failure", "PRODUCTION", "true", "thread", "3f2a9c", "'", '"', "=", "--", *OPTIONS]
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=30,
)


def what_the_user_reads(text: str) -> str | None:
    """The parser's complaint, or None when it took the text; any other exception fails the test."""
    try:
        parse(text)
    except CommandError as error:
        return error.message
    return None


@given(st.text(max_size=300))
def test_the_parser_raises_nothing_but_its_own_error_on_any_text(text: str) -> None:
    assert what_the_user_reads(text) != ""  # a complaint always says something


@given(st.lists(WORDS | st.text(max_size=12), max_size=12).map(" ".join))
def test_the_parser_raises_nothing_but_its_own_error_on_near_commands(text: str) -> None:
    assert what_the_user_reads(text) != ""


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    blocks = message["blocks"] if "blocks" in message else message["attachments"][0]["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if isinstance(block.get("text"), dict):
            assert len(block["text"]["text"]) <= SECTION_LIMIT
        for field in block.get("fields", []):
            assert len(field["text"]) <= FIELD_LIMIT
        for element in block.get("elements", []):
            text = (
                element["text"]["text"] if isinstance(element.get("text"), dict) else element.get("text", "")
            )
            limit = BUTTON_TEXT_LIMIT if element.get("type") == "button" else SECTION_LIMIT
            assert len(text) <= limit
    assert len(message["text"]) <= SECTION_LIMIT


NAMES = st.text(max_size=6000)


@given(
    status=st.sampled_from(list(DeploymentStatus)),
    names=st.tuples(NAMES, NAMES, NAMES, st.one_of(st.none(), NAMES), st.one_of(st.none(), NAMES)),
    services=st.lists(st.text(max_size=300), max_size=40),
)
@settings(max_examples=60)
def test_the_card_stays_within_slacks_limits_whatever_the_names(
    status: DeploymentStatus, names: tuple[str, str, str, str | None, str | None], services: list[str]
) -> None:
    organization, project, environment, kind, details = names
    deployment = Deployment(
        status=status,
        organization=Named("o", organization or None),
        project=Named("p", project or None),
        environment=Named("e", environment or None),
        environment_type=kind,
        services=tuple(services),
        details=details,
    )
    message = render_card(deployment)
    assert_within_slack_limits(message)
    assert "<" not in json.dumps(message)  # outside text is escaped: no mention, link or date of its own


@given(JSON)
@settings(max_examples=150)
def test_any_json_renders_or_is_refused_never_raises(body: Any) -> None:
    message = render_delivery(body)
    assert (message is None) == (classify(body) is None)


@pytest.fixture
def hook_url(acme_app: RunningApp, qovery: FakeQovery) -> str:
    before = set(qovery.webhooks)
    acme_app.ask("subscribe --events all")
    [webhook_id] = set(qovery.webhooks) - before
    target: str = qovery.webhooks[webhook_id]["target_url"]
    return acme_app.url + target.removeprefix(acme_app.settings.public_url)


@given(body=st.one_of(st.binary(max_size=500), JSON.map(lambda value: json.dumps(value).encode())))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_endpoint_never_fails_and_never_posts_what_is_not_a_delivery(
    acme_app: RunningApp, hook_url: str, body: bytes
) -> None:
    answer = httpx.post(hook_url, content=body)
    assert answer.status_code < 500, answer.text
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if classify(parsed) is None:
        assert (answer.status_code, answer.text) == (400, "invalid_payload")
    elif classify(parsed) == "STANDARD":
        assert (answer.status_code, answer.text) == (403, "invalid_token")  # no secret was sent
    else:
        assert answer.status_code == 200


def test_nothing_that_was_not_a_delivery_was_posted(acme_app: RunningApp, hook_url: str) -> None:
    for body in (
        b"",
        b"null",
        b"[]",
        b'{"text": ""}',
        b'{"blocks": []}',
        b'{"attachments": "x"}',
        b"\xff\xfe",
    ):
        assert httpx.post(hook_url, content=body).status_code == 400
    assert acme_app.slack.calls_to("chat.postMessage") == []
