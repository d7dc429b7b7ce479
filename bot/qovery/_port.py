"""The port through which the core talks to Qovery, one instance per API token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.qovery._alerting import AlertReceiver, AlertRule, AlertRuleList
from bot.qovery._audit import AuditLog
from bot.qovery._commits import Commit
from bot.qovery._history import DeploymentHistory, EnvironmentLog, QueuedRequest, ServiceLink
from bot.qovery._models import (
    Environment,
    EnvironmentStatus,
    Organization,
    Project,
    Service,
    ServiceVersion,
    Webhook,
    WebhookDelivery,
    WebhookSpec,
)

__all__ = ["QoveryApi", "QoveryApiFactory"]


class QoveryApi(Protocol):
    """Qovery's REST API as one token sees it. Every method raises a `QoveryError` on failure."""

    async def list_organizations(self) -> list[Organization]: ...

    async def list_webhooks(self, organization_id: str) -> list[Webhook]: ...

    async def get_webhook(self, organization_id: str, webhook_id: str) -> Webhook: ...

    async def create_webhook(self, organization_id: str, spec: WebhookSpec) -> Webhook: ...

    async def edit_webhook(self, organization_id: str, webhook_id: str, spec: WebhookSpec) -> Webhook: ...

    async def delete_webhook(self, organization_id: str, webhook_id: str) -> None: ...

    async def list_webhook_deliveries(
        self, organization_id: str, webhook_id: str
    ) -> list[WebhookDelivery]: ...

    async def list_projects(self, organization_id: str) -> list[Project]: ...

    async def list_environments(self, project_id: str) -> list[Environment]: ...

    async def get_environment(self, environment_id: str) -> Environment: ...

    async def get_environment_status(self, environment_id: str) -> EnvironmentStatus: ...

    async def list_services(self, environment_id: str) -> list[Service]: ...

    async def list_deployment_history(self, environment_id: str) -> list[DeploymentHistory]:
        """The environment's latest deployments, newest first."""
        ...

    async def list_environment_logs(self, environment_id: str, execution_id: str) -> list[EnvironmentLog]:
        """The last deployment log lines of the environment, for one deployment where Qovery filters."""
        ...

    async def list_environment_links(self, environment_id: str) -> list[ServiceLink]: ...

    async def deploy_environment(self, environment_id: str) -> EnvironmentStatus:
        """Every service of the environment at its latest version."""
        ...

    async def deploy_services(self, environment_id: str, versions: list[ServiceVersion]) -> EnvironmentStatus:
        """These services at these versions; the others stay as they are."""
        ...

    async def redeploy_environment(self, environment_id: str) -> EnvironmentStatus: ...

    async def stop_environment(self, environment_id: str) -> EnvironmentStatus: ...

    async def cancel_deployment(self, environment_id: str) -> EnvironmentStatus: ...

    async def list_commits(self, service_type: str, service_id: str) -> list[Commit]:
        """The last 100 commits of the branch the service builds from, newest first (an application's,
        a job's, a Helm chart's or a Terraform service's: `COMMIT_SERVICE_TYPES`)."""
        ...

    async def service_source(self, service_type: str, service_id: str) -> str | None:
        """Where a service's code comes from: an application's git repository URL, a container's image
        name (getApplication, getContainer); None for any other kind, or when Qovery does not say."""
        ...

    async def list_organization_events(
        self,
        organization_id: str,
        *,
        environment_id: str | None = None,
        from_ns: int | None = None,
        to_ns: int | None = None,
        continue_token: str | None = None,
        page_size: int = 100,
    ) -> AuditLog:
        """getOrganizationEvents from `from_ns` to `to_ns` (nanoseconds since the epoch), newest first,
        its pages followed to the end of the window or to a bound (then `cut`); with `environment_id`,
        only that environment's events (kept by the client: Qovery may not filter)."""
        ...

    async def list_deployment_requests(self, environment_id: str) -> list[QueuedRequest]:
        """The requests waiting while the environment is busy, oldest first."""
        ...

    async def cancel_deployment_request(self, request_id: str) -> None:
        """That waiting request, and no other, taken out of the queue."""
        ...

    # -- alerting -----------------------------------------------------------------------------------

    async def list_alert_rules(self, organization_id: str) -> list[AlertRule]:
        """getAlertRules: every rule of the organization with its state; rules it cannot read left out."""
        ...

    async def get_alert_rule(self, rule_id: str) -> AlertRule:
        """getAlertRule: the rule as Qovery keeps it now (QoveryNotFound when it is gone), read right
        before an edit so that the edit sends back what Qovery has, not an older copy."""
        ...

    async def read_alert_rules(self, organization_id: str) -> AlertRuleList:
        """getAlertRules: the organization's rules it can read, and those it cannot (not gone)."""
        ...

    async def edit_alert_rule(self, rule: AlertRule, receiver_ids: list[str]) -> AlertRule:
        """editAlertRule: the rule sent back whole, as it was read, with only its receivers changed."""
        ...

    async def create_alert_receiver(
        self, organization_id: str, name: str, description: str, webhook_url: str
    ) -> AlertReceiver:
        """createAlertReceiver: a SLACK receiver posting to `webhook_url`, resolved alerts included."""
        ...

    async def delete_alert_receiver(self, receiver_id: str) -> None: ...

    async def validate_alert_receiver(self, receiver_id: str, message: str) -> None:
        """validateExistingAlertReceiver: Qovery sends the receiver a test message."""
        ...


# Given a Qovery API token, the API as that token sees it; all of them share one connection pool.
QoveryApiFactory = Callable[[str], QoveryApi]
