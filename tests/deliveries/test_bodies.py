"""The core's readers of untrusted input, on their own (fast): a delivery's bytes, content posted as it
came, and the rate of unsigned deliveries. Properties over generated input, beside the known attacks."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.deliveries.bodies import MAX_DEPTH, DeliveryKind, read_body
from bot.deliveries.events import event_words, read_standard_body, standard_words
from bot.deliveries.intake import UntrustedRate
from bot.deliveries.sanitize import sanitize_slack_body, without_mass_mentions

HOSTILE_TEXT = st.sampled_from(
    ["<!channel>", "<!here|here>", "<!everyone>", "<!group>", "<!subteam^S0OPS|@ops>", "<!subteam^S1>",
     "<!here", "<<!channel>>", "<!subteam^S1|<!here>>", "\ud800", "\x00", "\ufeff", "&lt;!here&gt;",
     "<https://evil.example|Open in Qovery>", "```", "*bold*", "<@U0ALICE1>", "<!date^1^{date}|d>"]
) | st.text(max_size=40)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT
KEYS = st.sampled_from(
    ["type", "text", "blocks", "elements", "accessory", "attachments", "actions", "fields", "value",
     "action_id", "url", "image_url", "range", "usergroup_id", "style", "title", "pretext", "element"]
) | st.text(max_size=8)  # fmt: skip
TYPES = st.sampled_from(
    ["section", "actions", "button", "input", "static_select", "overflow", "datepicker", "context",
     "header", "divider", "image", "rich_text", "rich_text_section", "rich_text_list", "broadcast",
     "usergroup", "text", "link", "user", "mrkdwn", "plain_text", "file", "call", "checkboxes"]
)  # fmt: skip
SHAPES = st.recursive(
    SCALARS | TYPES,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(KEYS, children, max_size=6)
        | st.builds(lambda t, rest: {"type": t, **rest}, TYPES, st.dictionaries(KEYS, children, max_size=4))
    ),
    max_leaves=40,
)
SLACK_BODIES = st.builds(
    lambda text, blocks, attachments: {"text": text, "blocks": blocks, "attachments": attachments},
    HOSTILE_TEXT | SHAPES,
    SHAPES,
    SHAPES,
)
INTERACTIVE = {"button", "static_select", "overflow", "datepicker", "input", "actions", "checkboxes"}
MASS_MENTION = re.compile(r"<!(?!date\^)")


def controls_and_mentions(message: object) -> list[str]:
    """What in a message could act or notify: interactive elements, mass mentions in any form."""
    found: list[str] = []
    stack = [message]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") in INTERACTIVE | {"broadcast", "usergroup"}:
                found.append(str(node["type"]))
            found += [key for key in node if key in ("action_id", "actions", "callback_id", "element")]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and MASS_MENTION.search(node):
            found.append(node)
    return found


# -- a delivery's bytes ------------------------------------------------------------------------------------


@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_never_raised(raw: bytes) -> None:
    body = read_body(raw)
    if body is not None:
        assert json.loads(body.text) == body.value


@given(SLACK_BODIES | st.builds(lambda p: {"event_type": "DEPLOYMENT_FAILURE", "payload": p}, SHAPES))
@settings(max_examples=200)
def test_what_is_stored_is_exactly_what_was_parsed_and_storable(value: dict[str, Any]) -> None:
    raw = json.dumps(value).encode("utf-8", "surrogatepass")  # ensure_ascii: surrogates as \\u escapes
    body = read_body(raw)
    if body is None:
        return  # refused (no text, blocks or attachments to show): a 400
    stored = json.loads(body.text)
    assert stored == body.value or (stored != stored)  # NaN is never equal to itself
    body.text.encode("utf-8")  # no lone surrogate left: every database takes it
    assert "\x00" not in body.text
    assert body.kind in (DeliveryKind.SLACK, DeliveryKind.STANDARD)


def test_known_encodings_and_shapes() -> None:
    slack = json.dumps({"text": "hi"})
    assert read_body(b"\xef\xbb\xbf" + slack.encode()) is not None  # a byte-order mark is dropped
    assert read_body(slack.encode("utf-16")) is None
    assert read_body(slack.encode("utf-32")) is None
    assert read_body(b'{"text": "caf\xe9"}') is None  # latin-1
    nested = {"text": "x", "blocks": []}
    node: list[Any] = nested["blocks"]  # type: ignore[assignment]
    for _ in range(MAX_DEPTH):
        node.append([])
        node = node[0]
    assert read_body(json.dumps(nested).encode()) is None
    assert read_body(b"[" * 100_000 + b"]" * 100_000) is None  # deeper than Python's own recursion
    lone = read_body(b'{"text": "a\\ud800b\\u0000c", "\\udfff": 1}')
    assert lone is not None
    assert lone.value == {"text": "a\ufffdb\ufffdc", "\ufffd": 1}
    assert read_body(b'{"event_type": "DEPLOYMENT_STARTED", "payload": {}, "payload_id": 5}') is not None


# -- content posted as it came -------------------------------------------------------------------------------


@given(SLACK_BODIES)
@settings(max_examples=300)
def test_content_posted_as_it_came_never_acts_nor_notifies(body: dict[str, Any]) -> None:
    message = sanitize_slack_body(body)
    assert controls_and_mentions(message) == []
    assert isinstance(message["text"], str)
    assert message["text"]
    assert len(message.get("blocks", [])) <= 50


@given(st.lists(HOSTILE_TEXT, max_size=8).map("".join))
def test_no_text_keeps_a_mass_mention(text: str) -> None:
    assert not MASS_MENTION.search(without_mass_mentions(text))


def test_mentions_become_words_and_the_rest_stays() -> None:
    text = "<!here|here> <!channel> <!subteam^S0OPS|@ops> <!subteam^S1|<!here>> <@U1> <!date^1^{date}|d>"
    words = "@here @channel @ops @&lt;!here> <@U1> <!date^1^{date}|d>"
    assert without_mass_mentions(text) == words


# -- the rate of unsigned deliveries ------------------------------------------------------------------------


def test_unsigned_deliveries_refill_at_one_a_second_after_a_burst_of_120() -> None:
    now = [0.0]
    rate = UntrustedRate(clock=lambda: now[0])
    assert [rate.take("hook") for _ in range(120)] == [None] * 120
    assert rate.take("hook") == 1
    assert rate.take("another hook") is None  # each hook has its own
    now[0] += 2.5
    assert [rate.take("hook") for _ in range(3)] == [None, None, 1]
    now[0] += 3600
    assert [rate.take("hook") for _ in range(121)].count(None) == 120  # full again, never more


_ANYTHING = st.one_of(
    st.none(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5), max_size=2)
)
_NAMED = st.one_of(_ANYTHING, st.fixed_dictionaries({}, optional={"name": _ANYTHING, "id": _ANYTHING}))


@given(
    event=st.one_of(
        st.sampled_from(["DEPLOYMENT_STARTED", "deployment_failure", "DEPLOYMENT_CANCELLED", "BUILD_DONE"]),
        st.text(max_size=30),
    ),
    project=_NAMED,
    environment=_NAMED,
)
@settings(max_examples=300)
def test_the_delivery_logs_words_are_the_cards_reading(event: str, project: Any, environment: Any) -> None:
    """The intake reads only three fields for its summary: the same words the full reading gives."""
    body = {"event_type": event, "payload": {"project": project, "environment": environment}}
    assert standard_words(body) == event_words(read_standard_body(body))
