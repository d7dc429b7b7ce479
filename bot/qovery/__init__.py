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
    read_each,
)
from bot.qovery._port import QoveryApi, QoveryApiFactory
from bot.qovery._service_types import ServiceType, type_words
from bot.qovery._time import UtcTime, utc_time

__all__ = [
    "QOVERY_ID_PATTERN",
    "AlertCondition",
    "AlertReceiver",
    "AlertRule",
    "AlertRuleState",
    "AlertSeverity",
    "AlertTarget",
    "AlertTargetService",
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
    "ServiceType",
    "ServiceVersion",
    "UtcTime",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookKind",
    "WebhookSpec",
    "is_qovery_id",
    "read_each",
    "type_words",
    "utc_time",
]
