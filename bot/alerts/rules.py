"""Qovery's alert rules as the bot reads them (pure): when a rule is firing, which firing it is, and what
its message shows.

Only Qovery's answer to getAlertRules is read: never an alert's message, which anyone holding the
receiver's URL could forge. A firing is a MANAGED rule's id with its `starts_at` (a GHOST rule: its name
and target); the same rule firing again later is a new firing, with a new message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.alerts.filters import Scope
from bot.qovery import AlertRule, AlertRuleState, is_qovery_id

__all__ = ["FIRING_STATES", "RuleView", "condition_words", "firing_key", "is_firing", "is_quiet", "view_of"]

FIRING_STATES = {AlertRuleState.TRIGGERED, AlertRuleState.PENDING_NOTIFICATION, AlertRuleState.NOTIFIED}
_QUIET_STATES = {AlertRuleState.OK, AlertRuleState.UNDEPLOYED}  # resolved, or no longer watched at all
PROMQL_LIMIT = 300
_TEXT_LIMIT = 500  # a name, a summary: more than a message needs, never more than a block takes
_OPERATORS = {"ABOVE": ">", "BELOW": "<", "ABOVE_OR_EQUAL": "≥", "BELOW_OR_EQUAL": "≤", "EQUAL": "="}
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def is_firing(rule: AlertRule) -> bool:
    return rule.state in FIRING_STATES


def is_suppressed(rule: AlertRule) -> bool:
    return rule.state == AlertRuleState.SUPPRESSED


def is_quiet(rule: AlertRule) -> bool:
    """OK again, or undeployed: a firing of it is over."""
    return rule.state in _QUIET_STATES


def firing_key(rule: AlertRule) -> str:
    """The rule, as its firings are kept: `rule:<id>`, or a GHOST rule by its name and target."""
    return rule.key


@dataclass(frozen=True)
class RuleView:
    """What a firing's message shows of its rule: every text from Qovery, bounded (escaping is the
    message's). Kept with the firing, so that the message can be drawn again as it was."""

    key: str
    name: str
    severity: str
    summary: str
    condition: str
    promql: str
    scope: Scope
    project_id: str | None = None
    service_id: str | None = None
    runbook_url: str | None = None
    ghost: bool = False
    start_unknown: bool = False  # first seen firing without `starts_at`: the start is Qovery's once given

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "name": self.name, "severity": self.severity, "summary": self.summary,
            "condition": self.condition, "promql": self.promql, "project": self.scope.project,
            "environment": self.scope.environment, "environment_id": self.scope.environment_id,
            "environment_type": self.scope.environment_type, "service": self.scope.service,
            "project_id": self.project_id, "service_id": self.service_id, "runbook_url": self.runbook_url,
            "ghost": self.ghost, "start_unknown": self.start_unknown,
        }  # fmt: skip

    @staticmethod
    def from_json(found: dict[str, Any]) -> RuleView:
        def text(name: str) -> str:
            return str(found.get(name) or "")[:_TEXT_LIMIT]

        def optional(name: str) -> str | None:
            value = found.get(name)
            return str(value)[:_TEXT_LIMIT] if value else None

        scope = Scope(
            text("project"),
            text("environment"),
            optional("environment_id"),
            optional("environment_type"),
            optional("service"),
        )
        return RuleView(
            text("key"), text("name"), text("severity"), text("summary"), text("condition"),
            text("promql"), scope, optional("project_id"), optional("service_id"), optional("runbook_url"),
            bool(found.get("ghost")), bool(found.get("start_unknown")),
        )  # fmt: skip


def view_of(rule: AlertRule, place: Scope | None = None, project_id: str | None = None) -> RuleView:
    """What the message shows of `rule`; `place` (Qovery's names and type of the rule's environment)
    fills in what its target leaves out: an environment rule carries ids only, none carries the type."""
    target = rule.target
    service = target.service if target else None
    scope = Scope()
    if service is not None:
        scope = Scope(
            service.project_name, service.environment_name, _id_or_none(service.environment_id),
            None, service.name,
        )  # fmt: skip
    elif target is not None and target.target_type == "ENVIRONMENT" and is_qovery_id(target.target_id):
        scope = Scope(environment_id=target.target_id)
    if place is not None and place.environment_id == scope.environment_id:
        scope = replace(
            scope,
            project=scope.project or place.project,
            environment=scope.environment or place.environment,
            environment_type=place.environment_type,
        )
    presentation = rule.presentation
    runbook = presentation.runbook_url if presentation else None
    return RuleView(
        key=firing_key(rule),
        name=rule.name[:_TEXT_LIMIT],
        severity=str(rule.severity or "")[:20],
        summary=((presentation.summary if presentation else None) or "")[:_TEXT_LIMIT],
        condition=condition_words(rule),
        promql=(rule.condition.promql if rule.condition else "")[:PROMQL_LIMIT],
        scope=scope,
        project_id=_id_or_none(service.project_id if service else project_id),
        service_id=_id_or_none(service.id if service else None),
        runbook_url=runbook[:2000] if runbook else None,
        ghost=not rule.managed,
        start_unknown=rule.starts_at is None,
    )


def condition_words(rule: AlertRule) -> str:
    """`avg > 0.05 for 5 min`: the condition in words (the PromQL is shown apart)."""
    condition = rule.condition
    words: list[str] = []
    if condition is not None:
        if condition.function and condition.function != "NONE":
            words.append(condition.function.lower())
        operator = _OPERATORS.get(condition.operator or "")
        if operator and condition.threshold is not None:
            words.append(f"{operator} {condition.threshold:g}")
    lasting = duration_words(rule.for_duration)
    if lasting:
        words.append(f"for {lasting}")
    return " ".join(words)[:_TEXT_LIMIT]


def duration_words(iso: str | None) -> str:
    """`PT5M` -> `5 min`; what is not an ISO-8601 duration is left out."""
    found = _ISO_DURATION.fullmatch(iso or "")
    if not iso or found is None:
        return ""
    days, hours, minutes, seconds = found.groups()
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{float(n):g} {unit}" for n, unit in parts if n and float(n))


def _id_or_none(value: str | None) -> str | None:
    return value if is_qovery_id(value) else None


def started(rule: AlertRule, seen_at: datetime) -> datetime:
    """When the firing began: Qovery's `starts_at`, else (a GHOST rule may not say) when first seen."""
    return rule.starts_at or seen_at
