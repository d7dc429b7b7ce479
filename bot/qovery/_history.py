"""Qovery's account of deployments: the deployment history (listEnvironmentDeploymentHistoryV2), the
environment's deployment logs (listEnvironmentLogs) and its services' public links
(listEnvironmentServicesLinks). Shapes after the OpenAPI schemas; every field the bot can do without is
optional, since Qovery's answers are not always what its description says. The lists inside an entry
(its stages, their services) are read item by item too: one service the bot cannot read leaves the rest
of the deployment."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.qovery._models import read_each
from bot.qovery._service_types import AnyServiceType
from bot.qovery._time import UtcTime

__all__ = [
    "DeploymentHistory",
    "EnvironmentLog",
    "HistoryCommit",
    "HistoryService",
    "HistoryStage",
    "ServiceLink",
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


def _each(model: type[BaseModel]) -> BeforeValidator:
    """A list inside an answer, each item read on its own (`read_each`); one that is not a list is refused."""
    return BeforeValidator(lambda items: read_each(model, items) if isinstance(items, list) else items)


class HistoryCommit(_Part):
    git_commit_id: str
    message: str = ""
    author_name: str = ""
    commit_page_url: str | None = None
    tag: str | None = None


class HistoryServiceDetails(_Part):
    """An application's commit, a container's or job's image and tag, a Helm chart's name and version."""

    commit: HistoryCommit | None = None
    image_name: str | None = None
    tag: str | None = None
    repository: object = None  # a Helm chart's {chart_name, chart_version}; read by `chart`

    @property
    def chart(self) -> str | None:
        """`acme-chart 1.2.0`: a Helm chart's name and version, when the history gives both as words."""
        found = self.repository if isinstance(self.repository, dict) else {}
        name, version = found.get("chart_name"), found.get("chart_version")
        if isinstance(name, str) and isinstance(version, str) and name.strip() and version.strip():
            return f"{name.strip()} {version.strip()}"
        return None


class HistoryServiceIdentifier(_Part):
    name: str
    service_id: str | None = None
    service_type: AnyServiceType | None = None


class StatusDetails(_Part):
    action: str | None = None
    status: str | None = None
    sub_action: str | None = None


class HistoryService(_Part):
    identifier: HistoryServiceIdentifier
    status: str
    details: HistoryServiceDetails | None = None
    status_details: StatusDetails | None = None
    total_duration: str | None = None


class HistoryStage(_Part):
    name: str
    status: str
    duration: str | None = None
    services: Annotated[list[HistoryService], _each(HistoryService)] = []


class HistoryAuditing(_Part):
    created_at: UtcTime
    updated_at: UtcTime | None = None
    triggered_by: str = ""
    origin: str | None = None


class HistoryIdentifier(_Part):
    execution_id: str
    environment_id: str | None = None


class DeploymentHistory(_Part):
    """One deployment of an environment (DeploymentHistoryEnvironmentV2)."""

    identifier: HistoryIdentifier
    auditing_data: HistoryAuditing
    status: str  # StateEnum
    trigger_action: str = "UNKNOWN"
    total_duration: str | None = None
    stages: Annotated[list[HistoryStage], _each(HistoryStage)] = []
    action_status: str | None = None


class LogError(_Part):
    tag: str | None = None
    user_log_message: str | None = None
    hint_message: str | None = None


class LogMessage(_Part):
    safe_message: str | None = None


class EnvironmentLog(_Part):
    """One line of an environment's deployment log."""

    type: str
    timestamp: UtcTime
    details: dict[str, object] = {}
    error: LogError | None = None
    message: LogMessage | None = None

    @property
    def execution_id(self) -> str | None:
        found = self.details.get("execution_id")
        return found if isinstance(found, str) else None


class ServiceLink(_Part):
    service_id: str
    service_type: str | None = None
    url: str
    is_default: bool = False


class QueuedIdentifier(_Part):
    deployment_request_id: str
    environment_id: str | None = None


class QueuedAuditing(_Part):
    triggered_by: str = ""
    origin: str | None = None


class QueuedRequest(_Part):
    """A deployment request waiting while its environment is busy (QueuedDeploymentRequestWithStages),
    oldest first. Qovery's queue says who and what, never since when. Who and what may be unknown: a
    request they cannot be read of still waits, and holds its place."""

    identifier: QueuedIdentifier
    auditing_data: QueuedAuditing | None = None
    trigger_action: str | None = None
