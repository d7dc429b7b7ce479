"""Qovery's audit log (getOrganizationEvents), read once at the edge: one `AuditEvent` per event, each
with its kind, target, who, from where and when; a page's next cursor.

Shared by what a deployment carries and the change feed. Read item by item: an event the bot cannot
read is left out, never the page. Its times are nanoseconds since the epoch, as digits.

The values rule: what Qovery puts in `change` and `original_change` may be a variable's or a secret's
value. The two strings are sealed inside the event (no field, no repr, no comparison shows them) and
read only by `shown()`, which returns what may be shown: a variable's or a secret's name, never its
value; for a setting, the keys that differ with their old and new values, only when both strings are
JSON objects, and only the key when its name or anything in its values speaks of a secret (a Terraform
service's variables, a Helm chart's values, a password). Nothing here logs an event.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.qovery._models import is_qovery_id
from bot.qovery._text import one_line
from bot.qovery._time import utc_time

__all__ = ["AuditEvent", "AuditKind", "AuditLog", "AuditShown", "SettingChange", "read_page"]

_NAME_LIMIT = 200
_PARSED_LIMIT = 100_000  # a `change` longer than this is not read at all: no detail
_SETTINGS_SHOWN = 20
_VALUE_LIMIT = 200
_NOT_A_WORD = re.compile(r"[^A-Z0-9_.-]")
# What no database takes (a lone surrogate half, a NUL): one such name would stop every later read.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
# A setting's key, or a word in its values, that may carry a secret: its values are not shown.
_SECRET_WORDS = re.compile(
    r"pass|secret|token|credential|private|auth|api.?key|access.?key|value|tf_?var|certificate|\benv", re.I
)
# The sub-targets that are settings of a service or an environment.
SETTINGS = frozenset(
    {"ADVANCED_SETTINGS", "CONFIG", "DEPLOYMENT_RULE", "CUSTOM_DOMAIN", "DEPLOYMENT_STAGE",
     "KUBERNETES_CONFIGURATION"}
)  # fmt: skip
SERVICE_TARGETS = frozenset(
    {"APPLICATION", "CONTAINER", "DATABASE", "JOB", "HELM", "TERRAFORM", "AGENTIC_WORKFLOW", "ARGOCD_APP"}
)
_SERVICE_EVENTS = frozenset({"CREATE", "DELETE", "CLONE"})


class AuditKind(StrEnum):
    """What an event changed, in the words of the bot's readers."""

    VARIABLE = "variable"
    SECRET = "secret"  # noqa: S105  # a kind of change, not a secret
    SETTING = "setting"
    SERVICE = "service"  # a service created, cloned or deleted
    DEPLOYMENT = "deployment"  # a deployment asked for, queued, or its outcome
    OTHER = "other"


class _Sealed:
    """A string from Qovery that may hold a secret's value: no repr, no str, no comparison shows it."""

    __slots__ = ("_text",)

    def __init__(self, text: str | None) -> None:
        self._text = text

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: str | None  # JSON text of the value before; None when the key was added, or hidden
    new: str | None  # after; None when the key was removed, or hidden
    hidden: bool = False  # its name or its values speak of a secret: neither value is shown


@dataclass(frozen=True)
class AuditShown:
    """What may be shown of an event's change."""

    name: str | None = None  # a variable's or a secret's name
    settings: tuple[SettingChange, ...] = ()  # a setting's keys that differ, when Qovery gave both sides
    more_settings: int = 0  # keys that differ beyond those


@dataclass(frozen=True)
class AuditEvent:
    """One event of the audit log."""

    id: str | None
    at: datetime
    event_type: str  # CREATE, UPDATE, DELETE, TRIGGER_DEPLOY ... (Qovery's OrganizationEventType)
    target_type: str  # APPLICATION, ENVIRONMENT ... (tolerant: any word Qovery adds)
    target_id: str | None
    target_name: str
    sub_target_type: str | None  # VARIABLE, SECRET, ADVANCED_SETTINGS ...
    origin: str | None  # CONSOLE, API, CLI, GIT ...
    triggered_by: str
    project_id: str | None
    project_name: str
    environment_id: str | None
    environment_name: str
    _change: _Sealed = field(default_factory=lambda: _Sealed(None), repr=False, compare=False)
    _original: _Sealed = field(default_factory=lambda: _Sealed(None), repr=False, compare=False)

    @property
    def kind(self) -> AuditKind:
        sub = self.sub_target_type
        if sub == "VARIABLE":
            return AuditKind.VARIABLE
        if sub == "SECRET":
            return AuditKind.SECRET
        if sub in SETTINGS:
            return AuditKind.SETTING
        if self.event_type.startswith("TRIGGER_") or self.event_type.endswith("_QUEUED"):
            return AuditKind.DEPLOYMENT
        if sub is None and self.target_type in SERVICE_TARGETS and self.event_type in _SERVICE_EVENTS:
            return AuditKind.SERVICE
        return AuditKind.OTHER

    def shown(self) -> AuditShown:
        """What may be shown of the change: see the values rule in this module's docstring."""
        if self.kind not in (AuditKind.VARIABLE, AuditKind.SECRET, AuditKind.SETTING):
            return AuditShown()  # nothing of it is shown: its strings are not even parsed
        change, original = _json(self._change._text), _json(self._original._text)
        if self.kind in (AuditKind.VARIABLE, AuditKind.SECRET):
            for side in (change, original):
                key = side.get("key") if isinstance(side, dict) else None
                if isinstance(key, str) and one_line(key):
                    return AuditShown(name=_text(key))
            return AuditShown(name=self.target_name or None)
        if self.kind is AuditKind.SETTING and isinstance(change, dict) and isinstance(original, dict):
            keys = [k for k in sorted(set(change) | set(original)) if change.get(k) != original.get(k)]
            shown = tuple(_setting(key, original, change) for key in keys[:_SETTINGS_SHOWN])
            return AuditShown(settings=shown, more_settings=max(0, len(keys) - _SETTINGS_SHOWN))
        return AuditShown()

    def fingerprint(self) -> str:
        """The event told apart from every other, for a reader that keeps events (Qovery's `id` is not
        sure to be there): a hash of what it says, its time to the microsecond. Of its sealed change
        only the lengths: a hash of a value could be guessed back from it."""
        said = [self.id, self.at.isoformat(), self.event_type, self.target_type, self.target_id,
                self.target_name, self.sub_target_type, self.origin, self.triggered_by, self.project_id,
                self.environment_id, len(self._change._text or ""), len(self._original._text or ""),
                self.shown().name]  # fmt: skip
        return hashlib.sha256(json.dumps(said).encode("utf-8", "surrogatepass")).hexdigest()

    @staticmethod
    def read(item: Any) -> AuditEvent | None:
        """One event as Qovery answers it, or None when it cannot be read (no time, no type)."""
        if not isinstance(item, dict):
            return None
        at = utc_time(item.get("timestamp"))
        event_type = _word(item.get("event_type"))
        if at is None or event_type is None:
            return None
        return AuditEvent(
            id=_uuid(item.get("id")),
            at=at,
            event_type=event_type,
            target_type=_word(item.get("target_type")) or "UNKNOWN",
            target_id=_uuid(item.get("target_id")),
            target_name=_text(item.get("target_name")),
            sub_target_type=_word(item.get("sub_target_type")),
            origin=_word(item.get("origin")),
            triggered_by=_text(item.get("triggered_by")),
            project_id=_uuid(item.get("project_id")),
            project_name=_text(item.get("project_name")),
            environment_id=_uuid(item.get("environment_id")),
            environment_name=_text(item.get("environment_name")),
            _change=_Sealed(_string(item.get("change"))),
            _original=_Sealed(_string(item.get("original_change"))),
        )


@dataclass(frozen=True)
class AuditLog:
    """The events of a window, newest first; `cut` when the bot stopped reading before its end."""

    events: tuple[AuditEvent, ...]
    cut: bool = False
    max_limit_reached: bool = False  # the organization's plan hides older events


def read_page(body: Any) -> tuple[list[AuditEvent], str | None, bool]:
    """A page of getOrganizationEvents: its events (unreadable ones left out), the next page's
    `continueToken` (from `links.next`), and `organization_max_limit_reached`."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise ValueError("not a page of the audit log")
    events = [e for e in (AuditEvent.read(item) for item in body["events"]) if e is not None]
    links = body.get("links")
    following = links.get("next") if isinstance(links, dict) else None
    token = None
    if isinstance(following, str) and len(following) <= 4000:
        found = parse_qs(urlsplit(following).query).get("continueToken") or [""]
        token = found[0] if found[0].isascii() and found[0].isdigit() and len(found[0]) <= 24 else None
    return events, token, body.get("organization_max_limit_reached") is True


def _json(text: str | None) -> Any:
    if text is None or len(text) > _PARSED_LIMIT:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _setting(key: str, original: dict[str, Any], change: dict[str, Any]) -> SettingChange:
    sides = [side[key] for side in (original, change) if key in side]
    name = one_line(str(key))[:_NAME_LIMIT]
    if _speaks_of_secrets(key, *sides):
        return SettingChange(name, None, None, hidden=True)
    return SettingChange(
        name,
        _value(original[key]) if key in original else None,
        _value(change[key]) if key in change else None,
    )


def _speaks_of_secrets(*found: Any) -> bool:
    """Whether a key or a word anywhere in a value (its keys, its strings) may name a secret; walked
    without recursion, since Qovery's JSON may be deep."""
    left = list(found)
    while left:
        item = left.pop()
        if isinstance(item, dict):
            left += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            left += item
        elif isinstance(item, str) and _SECRET_WORDS.search(item):
            return True
    return False


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 1] + "…"


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: Any) -> str:
    """A name as every database and Slack take it: a lone surrogate or a NUL becomes U+FFFD."""
    if not isinstance(value, str):
        return ""
    return _UNSTORABLE.sub("\ufffd", one_line(value[: _NAME_LIMIT * 4])[:_NAME_LIMIT])


def _word(value: Any) -> str | None:
    """One of Qovery's enum words (`TRIGGER_DEPLOY`); any other character becomes `_`, so that a word,
    lowercased into a sentence, is never markup (`<!channel>`) nor a string a database refuses."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    return _NOT_A_WORD.sub("_", value.strip().upper())


def _uuid(value: Any) -> str | None:
    return value if isinstance(value, str) and is_qovery_id(value) else None
