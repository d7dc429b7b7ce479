"""The configuration changes a deployment carries (pure): what Qovery's audit log says was changed in
the environment between the end of its previous successful deployment and the start of this one.

Variables and secrets (by name only: `AuditEvent.shown()` keeps their values out), settings, and
services created, cloned or deleted. An event of another environment is left out here too, since
Qovery may not filter; a deployment asked for, queued or ended is not a change (its own trigger above
all). Oldest first, as a reader follows a story.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.qovery import AuditEvent, AuditKind, AuditShown

__all__ = ["CHANGE_KINDS", "ConfigurationChange", "configuration_changes"]

CHANGE_KINDS = (AuditKind.VARIABLE, AuditKind.SECRET, AuditKind.SETTING, AuditKind.SERVICE)
_DONE = {"CREATE": "created", "UPDATE": "changed", "DELETE": "deleted", "CLONE": "cloned"}


@dataclass(frozen=True)
class ConfigurationChange:
    kind: AuditKind
    done: str  # created, changed, deleted, cloned ...
    target_type: str  # APPLICATION, ENVIRONMENT ...
    target_name: str
    sub_target: str | None  # ADVANCED_SETTINGS, CONFIG ...
    shown: AuditShown  # a variable's name, a setting's keys: never a value of a variable or a secret
    triggered_by: str
    origin: str | None
    at: datetime


def configuration_changes(
    events: Iterable[AuditEvent], environment_id: str, since: datetime, until: datetime
) -> tuple[ConfigurationChange, ...]:
    """The environment's changes strictly after `since` and before `until`, oldest first."""
    found = [
        ConfigurationChange(
            kind=event.kind,
            done=_DONE.get(event.event_type, event.event_type.lower().replace("_", " ")),
            target_type=event.target_type,
            target_name=event.target_name,
            sub_target=event.sub_target_type,
            shown=event.shown(),
            triggered_by=event.triggered_by,
            origin=event.origin,
            at=event.at,
        )
        for event in events
        if event.environment_id == environment_id and since < event.at < until and event.kind in CHANGE_KINDS
    ]
    return tuple(sorted(found, key=lambda change: change.at))
