"""A delivery's bytes, read once: the one decode-and-validate step every later reader trusts (SPEC §9).

What the bot stores is exactly what this step parsed, so the courier, a replay or a restart reads the same
value: UTF-8 only (a byte-order mark is read and dropped; UTF-16 and any invalid byte are refused),
nesting at most 64 deep, and strings that every database and Slack can take (a lone surrogate or a NUL
becomes U+FFFD). Anything else is refused here, as a 400, and never reaches the queue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.deliveries.events import (
    Deployment,
    classify,
    event_words,
    read_slack_body,
    read_standard_body,
    standard_words,
)

__all__ = ["MAX_DEPTH", "DeliveryBody", "DeliveryKind", "read_body", "read_deployment"]

MAX_DEPTH = 64
_BOM = "\ufeff"
# Escapes that make a string no database takes: a lone surrogate half (\ud800-\udfff) or a NUL.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:d[89a-f][0-9a-f]{2}|0000)", re.IGNORECASE)
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


class DeliveryKind(StrEnum):
    STANDARD = "STANDARD"  # a JSON deployment event
    SLACK = "SLACK"  # a Slack message body
    MESSAGE = "MESSAGE"  # a message the bot wrote (a quiet hours' summary, a digest): posted as it is


@dataclass(frozen=True)
class DeliveryBody:
    kind: DeliveryKind
    value: dict[str, Any]
    text: str  # what is stored: json.loads(text) == value
    summary: str  # a few words for the delivery log: `failed · billing / production`
    payload_id: str | None


def read_body(raw: bytes) -> DeliveryBody | None:
    """The delivery a body holds, or None for one the bot does not take (answered 400)."""
    try:
        text = raw.decode("utf-8")
        text = text.removeprefix(_BOM)
        value = json.loads(text)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    # Most bodies have few brackets in all: only those with many are walked for their depth.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        return None
    if _UNSTORABLE_ESCAPE.search(text):
        value = _storable(value)
        text = json.dumps(value, ensure_ascii=False)
    kind = classify(value)
    if kind is None:
        return None
    delivery_kind = DeliveryKind(kind)
    payload_id = value.get("payload_id") if delivery_kind is DeliveryKind.STANDARD else None
    return DeliveryBody(
        kind=delivery_kind,
        value=value,
        text=text,
        summary=(
            standard_words(value)
            if delivery_kind is DeliveryKind.STANDARD
            else event_words(read_slack_body(value))
        )[:200],
        payload_id=payload_id if isinstance(payload_id, str) and payload_id.strip() else None,
    )


def read_deployment(kind: DeliveryKind, value: dict[str, Any]) -> Deployment | None:
    """The deployment a stored body tells of: the same reading at intake and at posting."""
    return read_standard_body(value) if kind == DeliveryKind.STANDARD else read_slack_body(value)


def _depth(value: object) -> int:
    """How deep lists and objects nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _storable(value: Any) -> Any:
    """The value with every string, keys included, made storable (depth is already bounded)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value
