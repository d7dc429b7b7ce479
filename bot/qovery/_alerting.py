"""Qovery's alerting (spec 1.0.4, "Alert Rules" and "Alert Receivers"): the rules with their state, and
the receivers they notify.

Read tolerantly: a rule Qovery answers in a shape the bot cannot read is left out of the list, not
allowed to fail the others (`AlertRule.read`); its whole body is kept (`raw`), since an edit sends the
rule back whole, as it was read, with only its receivers changed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.qovery._service_types import AnyServiceType
from bot.qovery._time import UtcTime

__all__ = [
    "AlertCondition",
    "AlertReceiver",
    "AlertRule",
    "AlertRuleState",
    "AlertSeverity",
    "AlertTarget",
    "AlertTargetService",
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
    severity: AlertSeverity | str | None = None
    condition: AlertCondition | None = None
    for_duration: str | None = None
    presentation: AlertPresentation | None = None
    target: AlertTarget | None = None
    alert_receiver_ids: list[str] = []
    starts_at: UtcTime | None = None
    raw: dict[str, Any] = {}

    @property
    def managed(self) -> bool:
        return self.source == "MANAGED" and self.id is not None

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
