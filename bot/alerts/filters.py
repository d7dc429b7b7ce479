"""Which alerts a channel receives: the options of `/qovery alerts subscribe`, one table as the webhooks'
options are (bot/subscriptions/options.py: the same readers and text forms), and the rule that says
whether an alert rule's target is in a subscription's scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from bot.errors import CommandError
from bot.qovery import AlertSeverity, EnvironmentType
from bot.subscriptions import (
    Field,
    Mention,
    Option,
    choice,
    environment_types,
    joined,
    mentions,
    names_of,
    project_names,
)

__all__ = ["ALERT_OPTIONS", "ALERT_TABLE", "AlertFilters", "Scope", "alert_option_named"]


@dataclass(frozen=True)
class AlertFilters:
    """A channel's alert subscription: empty filters keep everything; `severity`, the lowest kept."""

    projects: tuple[str, ...] = ()
    envs: tuple[EnvironmentType, ...] = ()
    env_names: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    severity: AlertSeverity | None = None
    mention: tuple[Mention, ...] = ()  # notified in the thread when an alert fires

    def to_json(self) -> str:
        return json.dumps({o.key: o.text(v) for o in ALERT_TABLE if (v := getattr(self, o.key)) is not None})

    @staticmethod
    def from_json(stored: str | None) -> AlertFilters:
        """As stored; a value that no longer reads keeps its default (everything)."""
        try:
            values = json.loads(stored or "{}")
        except ValueError:
            values = {}
        found: dict[str, Any] = {}
        for option in ALERT_TABLE:
            text = values.get(option.key) if isinstance(values, dict) else None
            try:
                found[option.key] = option.read(str(text)) if text else option.default
            except CommandError:
                continue
        return AlertFilters(**found)

    def words(self) -> str:
        """`projects billing*, severity HIGH`: each filter given, or "every alert"."""
        shown = [
            f"{o.name} `{o.text(getattr(self, o.key))}`"
            for o in ALERT_TABLE
            if getattr(self, o.key) not in (None, ())
        ]
        return ", ".join(shown) or "every alert of the organization"

    def keeps(self, scope: Scope, severity: AlertSeverity | str | None) -> bool:
        """Whether an alert of this severity on this target is the channel's."""
        if self.severity is not None:
            rank = AlertSeverity(severity).rank if severity in list(AlertSeverity) else -1
            if rank < self.severity.rank:
                return False
        if scope.environment_id is None:  # a whole cluster: only a channel that filters nothing by place
            return not (self.projects or self.envs or self.env_names or self.services)
        return (
            _named(scope.project, self.projects)
            and (not self.envs or scope.environment_type in self.envs)
            and _named(scope.environment, self.env_names)
            and (not self.services or (scope.service is not None and _named(scope.service, self.services)))
        )


@dataclass(frozen=True)
class Scope:
    """What an alert rule watches, by name: a service of an environment, a whole environment, or (no
    environment) a whole cluster."""

    project: str = ""
    environment: str = ""
    environment_id: str | None = None
    environment_type: EnvironmentType | str | None = None
    service: str | None = None


def _named(name: str, patterns: tuple[str, ...]) -> bool:
    """Names match in any case; a trailing `*` is a wildcard (as Qovery's own project filter)."""
    if not patterns:
        return True
    lowered = name.lower()
    return any(fnmatchcase(lowered, p.lower()) if p.endswith("*") else lowered == p.lower() for p in patterns)


def _severity(value: str) -> AlertSeverity:
    return choice("severity", {s.value.lower(): s for s in AlertSeverity})(value)


ALERT_TABLE: tuple[Option[Any], ...] = (
    Option(
        "projects",
        project_names,
        ", ".join,
        "project names, a trailing * is a wildcard",
        Field("Project names", "text", optional=True),
        default=(),
    ),
    Option(
        "envs",
        environment_types,
        joined,
        "production,staging,development,preview",
        Field("Environment types", "text", optional=True),
        default=(),
    ),
    Option(
        "env-names",
        names_of("an environment name"),
        ", ".join,
        "environment names, a trailing * is a wildcard",
        Field("Environment names", "text", optional=True),
        default=(),
    ),
    Option(
        "services",
        names_of("a service name"),
        ", ".join,
        "service names, a trailing * is a wildcard",
        Field("Services", "text", optional=True),
        default=(),
    ),
    Option(
        "severity",
        _severity,
        lambda severity: severity.value,
        "the lowest severity kept: low, medium, high or critical (default: every one)",
        Field("Lowest severity", "text", optional=True),
    ),
    Option(
        "mention",
        mentions,
        lambda found: ", ".join(m.text() for m in found),
        "@people, @groups or trigger (who made the deployment it followed): told when it fires",
        Field("Mention", "text", optional=True),
        default=(),
    ),
)
ALERT_OPTIONS = tuple(f"--{option.name}" for option in ALERT_TABLE)
_BY_NAME = {option.name: option for option in ALERT_TABLE}


def alert_option_named(name: str) -> Option[Any] | None:
    return _BY_NAME.get(name.lower().removeprefix("--"))
