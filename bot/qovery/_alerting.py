"""Qovery's alerting (spec 1.0.4, "Alert Rules" and "Alert Receivers"): the rules with their state, and
the receivers they notify.

Read tolerantly: a rule Qovery answers in a shape the bot cannot read is not allowed to fail the others,
nor taken as gone: it becomes an `UnreadableRule`, keyed as its firings are when it can be, with the
reason in words (`read_rules`). A rule of another organization than the one asked for is left out. Each
rule's whole body is kept (`raw`), since an edit sends the rule back whole, as it was read, with only
its receivers changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.qovery._models import is_qovery_id
from bot.qovery._service_types import AnyServiceType
from bot.qovery._time import UtcTime

__all__ = [
    "AlertCondition",
    "AlertReceiver",
    "AlertRule",
    "AlertRuleList",
    "AlertRuleState",
    "AlertSeverity",
    "AlertTarget",
    "AlertTargetService",
    "UnreadableRule",
    "read_rules",
    "rule_key",
]

# What an edit sends back (AlertRuleEditRequest): each of these fields, as the rule had it.
_EDITABLE = (
    "name",
    "description",
    "tag",
    "condition",
    "for_duration",
    "severity",
    "enabled",
    "alert_receiver_ids",
    "presentation",
)


class AlertSeverity(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return list(AlertSeverity).index(self)


class AlertRuleState(StrEnum):
    UNDEPLOYED = "UNDEPLOYED"
    OK = "OK"
    TRIGGERED = "TRIGGERED"
    PENDING_NOTIFICATION = "PENDING_NOTIFICATION"
    NOTIFIED = "NOTIFIED"
    SUPPRESSED = "SUPPRESSED"
    UNROUTED = "UNROUTED"


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class AlertCondition(_Part):
    kind: str = ""
    operator: str | None = None
    threshold: float | None = None
    function: str | None = None
    promql: str = ""


class AlertTargetService(_Part):
    """ServiceLightResponse: the service a rule watches, with its project and environment."""

    id: str
    name: str = ""
    service_type: AnyServiceType = ""
    project_id: str | None = None
    project_name: str = ""
    environment_id: str | None = None
    environment_name: str = ""


class AlertTarget(_Part):
    target_type: str  # CLUSTER, ENVIRONMENT, APPLICATION, CONTAINER, JOB ... (the spec spells " CLUSTER")
    target_id: str
    service: AlertTargetService | None = None


class AlertPresentation(_Part):
    summary: str | None = None
    runbook_url: str | None = None


class AlertRule(_Part):
    """A rule of getAlertRules: MANAGED (with its `id`) or GHOST (in Prometheus, gone from Qovery)."""

    source: str  # MANAGED or GHOST
    name: str
    state: AlertRuleState | str
    id: str | None = None
    organization_id: str | None = None
    severity: AlertSeverity | str | None = None
    condition: AlertCondition | None = None
    for_duration: str | None = None
    presentation: AlertPresentation | None = None
    target: AlertTarget | None = None
    alert_receiver_ids: list[str] = []
    starts_at: UtcTime | None = None
    raw: dict[str, Any] = {}

    @field_validator("id", "organization_id")
    @classmethod
    def _an_id(cls, value: str | None) -> str | None:
        # An id reaches a column and a key: a UUID, as Qovery's ids are, or the rule is unreadable.
        if value is not None and not is_qovery_id(value):
            raise ValueError("not a Qovery id")
        return value

    @property
    def managed(self) -> bool:
        return self.source == "MANAGED" and self.id is not None

    @property
    def key(self) -> str:
        """The rule, as its firings are kept (`rule_key`)."""
        return (
            f"rule:{self.id}"
            if self.managed
            else _ghost_key(self.name, self.target.target_id if self.target else "")
        )

    @classmethod
    def read(cls, item: Any) -> AlertRule | None:
        """One rule of Qovery's answer, or None when it is not one the bot can read."""
        if not isinstance(item, dict):
            return None
        try:
            return cls.model_validate({**item, "raw": item})
        except ValidationError:
            return None

    def edit_body(self, receiver_ids: list[str]) -> dict[str, Any]:
        """AlertRuleEditRequest: the rule whole, as it was read, with these receivers."""
        return {k: self.raw[k] for k in _EDITABLE if k in self.raw} | {"alert_receiver_ids": receiver_ids}


class AlertReceiver(_Part):
    id: str
    name: str = ""
    type: str = ""

    @field_validator("id")
    @classmethod
    def _an_id(cls, value: str) -> str:
        if not is_qovery_id(value):  # kept in a column: a UUID, or the answer is unreadable
            raise ValueError("not a Qovery id")
        return value


def rule_key(source: object, rule_id: object, name: object, target_id: object) -> str | None:
    """`rule:<id>` for a MANAGED rule, a GHOST rule (no id) by its name and target; None when the values
    cannot key a rule (an id that is not a UUID, a name that is not text)."""
    # MANAGED, or (its source unreadable) with an id, as only MANAGED rules have
    if rule_id is not None and (source == "MANAGED" or not isinstance(source, str)):
        return f"rule:{rule_id}" if is_qovery_id(rule_id) else None
    if not isinstance(name, str) or not isinstance(target_id, str | None):
        return None
    return _ghost_key(name, target_id or "")


def _ghost_key(name: str, target_id: str) -> str:
    digest = hashlib.sha256(f"{name}\x00{target_id}".encode()).hexdigest()[:32]
    return f"ghost:{digest}"


@dataclass(frozen=True)
class UnreadableRule:
    """A rule Qovery lists in a shape the bot cannot read: not gone (its open firings stay as they were),
    and said to the doctor. `key` as its firings are kept, when what Qovery sent can still say it."""

    key: str | None
    name: str  # as Qovery wrote it, cut; shown escaped
    reason: str  # in words
    environment_id: str | None = None  # the environment it watches, when what Qovery sent says it


@dataclass(frozen=True)
class AlertRuleList:
    """getAlertRules as read: the rules the bot can read, and those it cannot."""

    rules: list[AlertRule] = field(default_factory=list)
    unreadable: list[UnreadableRule] = field(default_factory=list)


_NAME_LIMIT = 200


def read_rules(items: Sequence[Any], organization_id: str) -> AlertRuleList:
    """Each rule of Qovery's answer on its own; those of another organization left out."""
    found = AlertRuleList()
    for item in items:
        if isinstance(item, dict) and item.get("organization_id") not in (None, organization_id):
            continue  # another organization's, readable or not: neither shown nor kept
        rule = AlertRule.read(item)
        if rule is None:
            found.unreadable.append(_unreadable(item))
        else:
            found.rules.append(rule)
    return found


def _unreadable(item: Any) -> UnreadableRule:
    if not isinstance(item, dict):
        return UnreadableRule(None, "", "Qovery listed something that is not an alert rule")
    name = item.get("name")
    target = item.get("target")
    target_id = target.get("target_id") if isinstance(target, dict) else None
    key = rule_key(item.get("source"), item.get("id"), name, target_id)
    try:
        AlertRule.model_validate({**item, "raw": {}})
        reason = "its shape is not one the bot reads"
    except ValidationError as error:
        reason = _reason(error)
    name = name[:_NAME_LIMIT] if isinstance(name, str) else ""
    return UnreadableRule(key, name, reason, _environment_of(target))


def _environment_of(target: Any) -> str | None:
    if not isinstance(target, dict):
        return None
    service = target.get("service")
    found = service.get("environment_id") if isinstance(service, dict) else None
    if found is None and target.get("target_type") == "ENVIRONMENT":
        found = target.get("target_id")
    return found if is_qovery_id(found) else None


def _reason(error: ValidationError) -> str:
    """Which field the bot cannot read, in words (the field's name is the bot's own, never Qovery's)."""
    problem = error.errors()[0]
    if not problem["loc"]:
        return "its shape is not one the bot reads"
    where = str(problem["loc"][0])[:40]  # the rule's own field (deeper, pydantic names types)
    message = str(problem.get("msg", ""))
    if where in ("id", "organization_id"):
        return f"its `{where}` is not a Qovery id"
    if "time" in message:
        return f"its `{where}` is not a time the bot can read"
    return f"its `{where}` is not in a shape the bot reads"
