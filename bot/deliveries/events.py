"""Deliveries from Qovery, read tolerantly into what a deployment card needs.

Qovery sends two kinds of body. A STANDARD body is a JSON deployment event (`event_type`, `payload_id`,
`payload` with the deployment, organization, project, environment and services); its inner objects are
not documented field by field, so every field is optional and ids and names are taken where they are.
A SLACK body is a Slack message (`text`, `blocks`, `attachments`); its words and its console links say
what happened where, when they can be read. Pure: no I/O.
(A little over 300 lines: both kinds of body are read here, with the words they share.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.qovery import QOVERY_ID_PATTERN, WebhookEvent, is_qovery_id, utc_time

__all__ = [
    "Deployment",
    "DeploymentStatus",
    "Named",
    "classify",
    "deployment_from_json",
    "deployment_to_json",
    "event_words",
    "read_slack_body",
    "read_standard_body",
]


class DeploymentStatus(StrEnum):
    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self is not DeploymentStatus.RUNNING


_STATUS_OF_EVENT = {
    WebhookEvent.DEPLOYMENT_STARTED: DeploymentStatus.RUNNING,
    WebhookEvent.DEPLOYMENT_SUCCESSFUL: DeploymentStatus.SUCCESSFUL,
    WebhookEvent.DEPLOYMENT_FAILURE: DeploymentStatus.FAILED,
    WebhookEvent.DEPLOYMENT_CANCELLED: DeploymentStatus.CANCELLED,
}


@dataclass(frozen=True)
class Named:
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Deployment:
    """One event of one deployment, as far as the delivery tells it."""

    status: DeploymentStatus
    at: datetime | None = None  # when Qovery says it happened
    deployment_id: str | None = None
    organization: Named = Named()
    project: Named = Named()
    environment: Named = Named()
    environment_type: str | None = None  # PRODUCTION, STAGING ...
    services: tuple[str, ...] = ()
    details: str | None = None  # words from a SLACK body that say more

    @property
    def key(self) -> str | None:
        """What ties the events of one deployment together: its id, else its environment's."""
        if self.deployment_id:
            return f"deployment:{self.deployment_id}"
        if self.environment.id:
            return f"environment:{self.environment.id}"
        return None

    def merged_with(self, earlier: Deployment) -> Deployment:
        """This event, with what an earlier event of the same deployment knew and this one does not."""
        return replace(
            self,
            deployment_id=self.deployment_id or earlier.deployment_id,
            organization=_merge(self.organization, earlier.organization),
            project=_merge(self.project, earlier.project),
            environment=_merge(self.environment, earlier.environment),
            environment_type=self.environment_type or earlier.environment_type,
            services=self.services or earlier.services,
        )


def _merge(now: Named, before: Named) -> Named:
    if now.id and before.id and now.id != before.id:
        return now  # another thing altogether: its name is not the earlier one's
    return Named(now.id or before.id, now.name or before.name)


# -- which kind of body -------------------------------------------------------------------------------


def classify(body: object) -> str | None:
    """ "STANDARD", "SLACK", or None for a body that is neither."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("event_type"), str) and isinstance(body.get("payload"), dict):
        return "STANDARD"
    has_text = isinstance(body.get("text"), str) and body["text"].strip()
    has_blocks = isinstance(body.get("blocks"), list) and body["blocks"]
    has_attachments = isinstance(body.get("attachments"), list) and body["attachments"]
    if has_text or has_blocks or has_attachments:
        return "SLACK"
    return None


# -- STANDARD -----------------------------------------------------------------------------------------


# A deployment id ties events together and is kept in a 200-character key: a sane token only.
_DEPLOYMENT_ID = re.compile(r"[\w.:-]{1,100}")


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(value: object) -> list[Any]:
    """A list where one is expected; anything else (a string, an object, a number) is no list at all."""
    return value if isinstance(value, list) else []


def _id(value: object) -> str | None:
    """A Qovery id: a UUID, or nothing (an id reaches URLs and buttons, so no other text is taken)."""
    text = _text(value)
    return text.lower() if text and is_qovery_id(text) else None


def _named(value: object) -> Named:
    if isinstance(value, dict):
        return Named(_id(value.get("id")), _name(value))
    return Named(_id(value))  # some producers send the bare id


def _name(value: object) -> str | None:
    return _text(value.get("name")) if isinstance(value, dict) else None


def _deployment_id(value: object) -> str | None:
    text = _text(value)
    return text if text and _DEPLOYMENT_ID.fullmatch(text) else None


def _when(value: object) -> datetime | None:
    """A time from outside, read as every time from Qovery is (aware UTC, or None)."""
    return utc_time(value) if isinstance(value, str) else None


def _event_status(event_type: str) -> DeploymentStatus | None:
    try:
        return _STATUS_OF_EVENT[WebhookEvent(event_type.upper())]
    except ValueError:
        return None


_SERVICE_LISTS = ("applications", "containers", "databases", "jobs", "helms", "terraforms")


def read_standard_body(body: dict[str, Any]) -> Deployment | None:
    """The deployment event of a STANDARD body, or None for an event type this bot does not know."""
    status = _event_status(str(body.get("event_type", "")))
    if status is None:
        return None
    payload: dict[str, Any] = body["payload"]
    environment = payload.get("environment")
    services: list[str] = []
    for key in _SERVICE_LISTS:
        for service in _list(payload.get(key)):
            named = _named(service)
            if named.name and named.name not in services:
                services.append(named.name)
    return Deployment(
        status=status,
        at=_when(body.get("created_at")),
        deployment_id=_deployment_id(payload.get("deployment_id")) or _deployment_id(payload.get("id")),
        organization=_named(payload.get("organization")),
        project=_named(payload.get("project")),
        environment=_named(environment),
        environment_type=_text(environment.get("mode")) if isinstance(environment, dict) else None,
        services=tuple(services),
    )


# -- SLACK --------------------------------------------------------------------------------------------

_CONSOLE_LINK = re.compile(
    rf"https://console\.qovery\.com/organization/(?P<organization>{QOVERY_ID_PATTERN})"
    rf"(?:/project/(?P<project>{QOVERY_ID_PATTERN}))?"
    rf"(?:/environment/(?P<environment>{QOVERY_ID_PATTERN}))?"
    r"(?![0-9a-fA-F-])"  # a longer id is no id
)
# Words in Qovery's Slack messages, most telling first: a failure mentioned anywhere is a failure.
_STATUS_WORDS = (
    (re.compile(r"\bcancel(?:l?ed|led|ling)?\b", re.IGNORECASE), DeploymentStatus.CANCELLED),
    (re.compile(r"\b(?:fail(?:ed|ure)?|error)\b", re.IGNORECASE), DeploymentStatus.FAILED),
    (re.compile(r"\b(?:success(?:ful)?|succeeded|deployed)\b", re.IGNORECASE), DeploymentStatus.SUCCESSFUL),
    (re.compile(r"\b(?:start(?:ed|ing)?|deploying|in progress)\b", re.IGNORECASE), DeploymentStatus.RUNNING),
)


def _strings(node: object) -> list[str]:
    """Every string in a JSON value, depth first."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []


def _fields(body: dict[str, Any]) -> dict[str, str]:
    """Attachment fields by lower-cased title: {"project": "billing", ...}."""
    found: dict[str, str] = {}
    for attachment in _list(body.get("attachments")):
        if isinstance(attachment, dict):
            for item in _list(attachment.get("fields")):
                if isinstance(item, dict) and _text(item.get("title")) and _text(item.get("value")):
                    found[str(item["title"]).strip().lower()] = str(item["value"]).strip()
    return found


def read_slack_body(body: dict[str, Any]) -> Deployment | None:
    """The deployment a SLACK body tells of, when its words say what happened and its links where."""
    strings = _strings({k: body.get(k) for k in ("text", "blocks", "attachments")})
    joined = "\n".join(strings)
    link = _CONSOLE_LINK.search(joined)
    status = next((s for pattern, s in _STATUS_WORDS if pattern.search(joined)), None)
    if link is None or status is None or not link.group("environment"):
        return None
    fields = _fields(body)
    text = _text(body.get("text"))
    return Deployment(
        status=status,
        organization=Named(_id(link.group("organization"))),
        project=Named(_id(link.group("project")), fields.get("project")),
        environment=Named(_id(link.group("environment")), fields.get("environment")),
        environment_type=(fields.get("environment type") or fields.get("type") or "").upper() or None,
        services=tuple(s.strip() for s in fields.get("services", "").split(",") if s.strip()),
        details=text,
    )


# -- keeping a deployment between its events -------------------------------------------------------------


def deployment_to_json(deployment: Deployment) -> dict[str, Any]:
    return {
        "status": deployment.status.value,
        "at": deployment.at.isoformat() if deployment.at else None,
        "deployment_id": deployment.deployment_id,
        "organization": [deployment.organization.id, deployment.organization.name],
        "project": [deployment.project.id, deployment.project.name],
        "environment": [deployment.environment.id, deployment.environment.name],
        "environment_type": deployment.environment_type,
        "services": list(deployment.services),
        "details": deployment.details,
    }


def deployment_from_json(data: dict[str, Any]) -> Deployment:
    return Deployment(
        status=DeploymentStatus(data["status"]),
        at=_when(data.get("at")),
        deployment_id=data.get("deployment_id"),
        organization=Named(*data.get("organization", [None, None])),
        project=Named(*data.get("project", [None, None])),
        environment=Named(*data.get("environment", [None, None])),
        environment_type=data.get("environment_type"),
        services=tuple(data.get("services", ())),
        details=data.get("details"),
    )


def event_words(deployment: Deployment | None) -> str:
    """A few words for a delivery in a list: `failed · billing / production`."""
    if deployment is None:
        return "message"
    return _words(deployment.status, deployment.project.name, deployment.environment.name)


def standard_words(body: dict[str, Any]) -> str:
    """`event_words(read_standard_body(body))`, reading only the three fields it needs: the intake
    writes it for every delivery, in the time Qovery waits for its answer."""
    status = _event_status(str(body.get("event_type", "")))
    if status is None:
        return "message"
    payload = body["payload"]
    return _words(status, _name(payload.get("project")), _name(payload.get("environment")))


def _words(status: DeploymentStatus, project: str | None, environment: str | None) -> str:
    where = " / ".join(n for n in (project, environment) if n)
    return status.value + (f" · {where}" if where else "")
