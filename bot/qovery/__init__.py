"""The core's view of Qovery: the resources it reads and writes, the errors it can meet, and the port.

`adapters/qovery.py` implements `QoveryApi` over HTTP; tests hand the core a fake server instead.
"""

from bot.qovery._alerting import (
    AlertCondition,
    AlertReceiver,
    AlertRule,
    AlertRuleState,
    AlertSeverity,
    AlertTarget,
    AlertTargetService,
)
from bot.qovery._audit import AuditEvent, AuditKind, AuditLog, AuditShown, SettingChange, read_page
from bot.qovery._commits import COMMIT_SERVICE_TYPES, Commit
from bot.qovery._errors import (
    QoveryConflict,
    QoveryError,
    QoveryForbidden,
    QoveryInvalidRequest,
    QoveryNotFound,
    QoveryTimeout,
    QoveryUnauthorized,
    QoveryUnavailable,
)
from bot.qovery._history import (
    DeploymentHistory,
    EnvironmentLog,
    HistoryCommit,
    HistoryService,
    HistoryStage,
    ServiceLink,
)
from bot.qovery._models import (
    QOVERY_ID_PATTERN,
    Environment,
    EnvironmentStatus,
    EnvironmentType,
    Organization,
    Project,
    Reference,
    Service,
    ServiceVersion,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
    WebhookSpec,
    is_qovery_id,
)
from bot.qovery._port import QoveryApi, QoveryApiFactory
from bot.qovery._time import UtcTime, utc_time

__all__ = [
    "COMMIT_SERVICE_TYPES",
    "QOVERY_ID_PATTERN",
    "AlertCondition",
    "AlertReceiver",
    "AlertRule",
    "AlertRuleState",
    "AlertSeverity",
    "AlertTarget",
    "AlertTargetService",
    "AuditEvent",
    "AuditKind",
    "AuditLog",
    "AuditShown",
    "Commit",
    "DeploymentHistory",
    "Environment",
    "EnvironmentLog",
    "EnvironmentStatus",
    "EnvironmentType",
    "HistoryCommit",
    "HistoryService",
    "HistoryStage",
    "Organization",
    "Project",
    "QoveryApi",
    "QoveryApiFactory",
    "QoveryConflict",
    "QoveryError",
    "QoveryForbidden",
    "QoveryInvalidRequest",
    "QoveryNotFound",
    "QoveryTimeout",
    "QoveryUnauthorized",
    "QoveryUnavailable",
    "Reference",
    "Service",
    "ServiceLink",
    "ServiceVersion",
    "SettingChange",
    "UtcTime",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookKind",
    "WebhookSpec",
    "is_qovery_id",
    "read_page",
    "utc_time",
]
