"""Qovery's resources, after the schemas of its OpenAPI description (spec version 1.0.4).

Responses tolerate what they do not know: extra fields are kept, and an enum value Qovery adds later
is kept as a plain string rather than failing the whole answer. Every answer is read through
`read_one` (and a list through `read_each`, item by item): an optional field written unreadably is left
unknown, an item whose required fields cannot be read is left out of its list, never failing the rest.
The request body, `WebhookSpec`, has exactly the fields of `OrganizationWebhookCreateRequest` and
nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from bot.qovery._service_types import AnyServiceType, ServiceType
from bot.qovery._time import UtcTime

__all__ = [
    "QOVERY_ID_PATTERN",
    "Environment",
    "EnvironmentStatus",
    "EnvironmentType",
    "Organization",
    "Project",
    "Reference",
    "Service",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookKind",
    "WebhookSpec",
    "is_qovery_id",
    "read_each",
    "read_one",
]

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Every Qovery id is a UUID; nothing else is ever put in a Qovery URL or taken as an id from outside.
QOVERY_ID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_QOVERY_ID = re.compile(QOVERY_ID_PATTERN)


def is_qovery_id(value: object) -> bool:
    return isinstance(value, str) and _QOVERY_ID.fullmatch(value) is not None


def read_each(model: type[M], items: list[Any], read: Callable[[Any], M | None] | None = None) -> list[M]:
    """Each item of a list Qovery answered, read on its own as `model` (or by `read`, which answers None
    for an item it cannot read): one whose required fields do not validate (a bad time, a field of the
    wrong type) is left out, one whose optional fields do not is read without them, and the rest are
    read. Only how many were left out is logged: their values may be anything."""
    reads = (read(item) if read is not None else read_one(model, item) for item in items)
    found = [one for one in reads if one is not None]
    if len(found) < len(items):
        left_out, name = len(items) - len(found), model.__name__
        log.info("left out %d of %d %s items the bot cannot read", left_out, len(items), name)
    return found


def read_one(model: type[M], item: Any) -> M | None:
    """One resource Qovery answered, as `model`: a field it wrote unreadably that may be unknown (its
    default is None: a time, a name) is left unknown; None when any other cannot be read, since a
    default such as `enabled: False` would say what Qovery did not."""
    try:
        return model.model_validate(item)
    except ValidationError as error:
        failing = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
        fields = model.model_fields
        if not isinstance(item, dict) or any(
            n not in fields or not _may_be_unknown(fields[n]) for n in failing
        ):
            return None
    try:  # what Qovery did say is kept; what it said unreadably is not known
        return model.model_validate({key: value for key, value in item.items() if key not in failing})
    except ValidationError:
        return None


def _may_be_unknown(field: FieldInfo) -> bool:
    return not field.is_required() and field.default is None


class WebhookKind(StrEnum):
    STANDARD = "STANDARD"
    SLACK = "SLACK"


class WebhookEvent(StrEnum):
    DEPLOYMENT_STARTED = "DEPLOYMENT_STARTED"
    DEPLOYMENT_CANCELLED = "DEPLOYMENT_CANCELLED"
    DEPLOYMENT_FAILURE = "DEPLOYMENT_FAILURE"
    DEPLOYMENT_SUCCESSFUL = "DEPLOYMENT_SUCCESSFUL"


class EnvironmentType(StrEnum):
    """Qovery calls it the environment's `mode` (EnvironmentModeEnum)."""

    DEVELOPMENT = "DEVELOPMENT"
    PREVIEW = "PREVIEW"
    PRODUCTION = "PRODUCTION"
    STAGING = "STAGING"


class _Resource(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Reference(_Resource):
    id: str


class WebhookSpec(BaseModel):
    """The body of a create or a full-replace edit (OrganizationWebhookCreateRequest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: WebhookKind
    target_url: str
    target_secret: str | None = Field(default=None, repr=False)
    description: str | None = None
    enabled: bool = True
    events: list[WebhookEvent]
    project_names_filter: list[str] = []
    environment_types_filter: list[EnvironmentType] = []

    def body(self) -> dict[str, Any]:
        # `enabled` is always sent: Qovery's default for a missing one is not documented.
        return self.model_dump(mode="json", exclude_none=True)


class Webhook(_Resource):
    """OrganizationWebhookResponse: the secret itself never comes back, only whether one is set."""

    id: str
    # Not needed to tell whose webhook it is: one with a time the bot cannot read is still found.
    created_at: UtcTime | None = None
    updated_at: UtcTime | None = None
    kind: WebhookKind | str
    target_url: str = ""
    target_secret_set: bool = False
    description: str | None = None
    enabled: bool = False
    events: list[WebhookEvent | str] = []
    project_names_filter: list[str] = []
    environment_types_filter: list[EnvironmentType | str] = []


class WebhookDelivery(_Resource):
    """One entry of a webhook's delivery log (WebhookEventResponse)."""

    id: str
    created_at: UtcTime
    kind: WebhookKind | str
    matched_event: WebhookEvent | str
    target_url_used: str
    request: dict[str, Any] = {}
    target_response_status_code: int
    target_response_body: str | None = None


class Organization(_Resource):
    id: str
    name: str
    created_at: UtcTime | None = None


class Project(_Resource):
    id: str
    name: str
    organization: Reference | None = None


class Environment(_Resource):
    id: str
    name: str
    mode: EnvironmentType | str
    project: Reference
    organization: Reference
    cluster_name: str | None = None


class EnvironmentStatus(_Resource):
    """EnvironmentStatus; also what deployEnvironment answers (its `Status` has no last state)."""

    id: str
    state: str  # StateEnum: DEPLOYING, DEPLOYED, DEPLOYMENT_ERROR, CANCELED ...
    last_deployment_state: str = ""
    last_deployment_id: str | None = None
    last_deployment_date: UtcTime | None = None
    total_deployment_duration_in_seconds: int | None = None
    deployment_request_id: str | None = None  # an action's request: in the queue while the env is busy


@dataclass(frozen=True)
class ServiceVersion:
    """One service to deploy at one version (deployAllServices): an application's commit, or a
    container's image tag; a job takes either. Only a kind that is `pinnable`."""

    service_id: str
    service_type: ServiceType
    commit: str | None = None
    tag: str | None = None


class Service(_Resource):
    """Any service of an environment: application, container, database, job, Helm chart ... or a kind
    Qovery adds later."""

    id: str
    name: str
    service_type: AnyServiceType
