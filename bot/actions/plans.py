"""What an action from Slack will do (SPEC §12): the environment, and for deploy and rollback each
service's version before and after. Pure: computed from what Qovery said, stored before it is
confirmed, and carried out exactly as it was shown.

`rollback_changes` reads the deployment history: every service at its version in the latest successful
deployment before the one in question. Only applications, containers and jobs can be pinned
(deployAllServices); every other kind is left as it is, and the plan says so for each.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.blocks import cut, escape
from bot.deliveries import CONSOLE, DeploymentStatus, status_of
from bot.errors import UserError
from bot.qovery import DeploymentHistory, HistoryService, Service, ServiceType, ServiceVersion, type_words

__all__ = [
    "CONFIRMATION_SECONDS",
    "Action",
    "ActionKind",
    "ActionState",
    "Promotion",
    "ServiceChange",
    "Target",
    "confirmed_since",
    "current_versions",
    "every_service",
    "latest_success",
    "one_service",
    "plan_from_json",
    "plan_to_json",
    "rollback_changes",
]

# Why a rollback leaves a service as it is, as the confirmation says it.
CANNOT_PIN = "the bot cannot pin its version"
NOT_IN_THAT_DEPLOYMENT = "it has no version in that deployment"


def _pinnable(kind: str) -> bool:
    """Whether deployAllServices can take this kind of service at a version (ServiceType.pinnable)."""
    return kind in ServiceType.__members__ and ServiceType(kind).pinnable


class ActionKind(StrEnum):
    DEPLOY = "deploy"
    REDEPLOY = "redeploy"
    CANCEL = "cancel"
    STOP = "stop"
    ROLLBACK = "rollback"
    PROMOTE = "promote"  # the versions another environment runs (bot.promotion)

    @property
    def starts_a_deployment(self) -> bool:
        """Its deployment's card goes in the thread of the message that says who did it."""
        return self is not ActionKind.CANCEL


class ActionState(StrEnum):
    PROPOSED = "proposed"  # shown in a confirmation, not yet confirmed
    RUNNING = "running"  # confirmed: Qovery is being asked
    DONE = "done"  # Qovery took it
    REFUSED = "refused"  # Qovery refused it, or it failed on the way
    DROPPED = "dropped"  # the user said no
    PENDING = "pending"  # confirmed, held back by the approval policy: an approver decides
    REJECTED = "rejected"  # an approver said no
    WITHDRAWN = "withdrawn"  # its requester took it back
    EXPIRED = "expired"  # nobody decided in time
    UNKNOWN = "unknown"  # the bot stopped while Qovery was asked: whether it ran is not known
    QUEUED = "queued"  # Qovery took it, and its request waits behind the environment's running deployment


CONFIRMATION_SECONDS = 600  # a confirmation is good for 10 minutes, for a request for approval too


@dataclass(frozen=True)
class Target:
    """The environment acted on, as Qovery named it when the action was proposed."""

    environment_id: str
    environment: str
    project: str
    mode: str  # PRODUCTION, STAGING ...
    organization_id: str
    project_id: str | None = None  # None in plans stored before it was kept

    def console_url(self) -> str:
        """The environment's page in Qovery's console (the organization's, without its project)."""
        organization = f"{CONSOLE}/organization/{self.organization_id}"
        if self.project_id is None:
            return organization
        return f"{organization}/project/{self.project_id}/environment/{self.environment_id}/overview"

    @property
    def production(self) -> bool:
        return self.mode.upper() == "PRODUCTION"


@dataclass(frozen=True)
class Promotion:
    """Where a promotion's versions come from, and each environment's latest successful deployment
    when its plan was made: a newer one of either makes the plan stale."""

    source: Target
    source_execution: str | None
    target_execution: str | None
    services: tuple[str, ...] = ()  # `--services`: a new plan, when this one is stale, keeps to them


@dataclass(frozen=True)
class ServiceChange:
    """One service deployed at a version: `after` None means its latest (deployEnvironment). `left` says
    why a plan leaves it as it is (a kind the bot cannot pin): shown, never sent to Qovery."""

    service_id: str
    name: str
    service_type: str
    before: str | None = None
    after: str | None = None
    left: str | None = None

    @property
    def pinnable(self) -> bool:
        return _pinnable(self.service_type)

    @property
    def deployed(self) -> bool:
        """Whether deployAllServices is asked to deploy it at `after`."""
        return self.left is None and self.pinnable

    def version(self) -> ServiceVersion:
        commit = self.after if self.after and _is_commit(self.after) else None
        tag = None if commit else self.after
        return ServiceVersion(self.service_id, ServiceType(self.service_type), commit=commit, tag=tag)


@dataclass(frozen=True)
class Action:
    """An action asked from Slack: the audit trail's row, and the record a confirmation's button names."""

    team_id: str
    user_id: str
    channel_id: str
    kind: ActionKind
    target: Target
    changes: tuple[ServiceChange, ...] = ()
    thread_ts: str | None = None  # a card's: the action's message goes in its thread
    state: ActionState = ActionState.PROPOSED
    created_at: datetime | None = None
    id: int | None = None
    own_token: bool = field(default=False, compare=False)  # the asker's own token, as confirmed and run
    request_ts: str | None = field(default=None, compare=False)  # its request for approval, if any
    decided_by: str | None = field(default=None, compare=False)  # who approved, rejected or withdrew it
    outcome: str | None = field(default=None, compare=False)  # Qovery's answer, or why not
    promotion: Promotion | None = None  # a promotion's: where its versions come from
    exception: str | None = field(default=None, compare=False)  # asks past a freeze: the reason given
    queue_request: str | None = field(default=None, compare=False)  # its request in Qovery's queue
    message_ts: str | None = field(default=None, compare=False)  # the channel's message, while queued

    def with_id(self, action_id: int) -> Action:
        return replace(self, id=action_id)

    def versions(self) -> list[ServiceVersion]:
        """What deployAllServices is asked: each service the plan deploys, never one it leaves as it is."""
        return [change.version() for change in self.changes if change.deployed]

    def confirmation_expired(self, now: datetime) -> bool:
        """A confirmation not pressed within its 10 minutes: it no longer runs nor asks for approval."""
        created = self.created_at or now
        return self.state is ActionState.PROPOSED and created < confirmed_since(now)


def confirmed_since(now: datetime) -> datetime:
    """The oldest a confirmation may be and still act."""
    return now - timedelta(seconds=CONFIRMATION_SECONDS)


def plan_to_json(action: Action) -> str:
    plan: dict[str, Any] = {"target": asdict(action.target), "changes": [asdict(c) for c in action.changes]}
    if action.promotion is not None:
        plan["promotion"] = asdict(action.promotion)
    return json.dumps(plan)


def plan_from_json(text: str) -> tuple[Target, tuple[ServiceChange, ...], Promotion | None]:
    found: dict[str, Any] = json.loads(text)
    promotion: dict[str, Any] | None = found.get("promotion")
    promoted = None
    if promotion is not None:
        source, services = Target(**promotion["source"]), tuple(promotion.get("services", ()))
        promoted = Promotion(**(promotion | {"source": source, "services": services}))
    return Target(**found["target"]), tuple(ServiceChange(**c) for c in found["changes"]), promoted


def latest_success(history: list[DeploymentHistory]) -> DeploymentHistory | None:
    """The newest successful deployment of an environment's history (newest first): what it runs (a
    stop or a dry run deploys nothing)."""
    deploying = {"DEPLOY", "REDEPLOY", "RESTART", "UNKNOWN"}
    return next(
        (
            e
            for e in history
            if status_of(e.status) is DeploymentStatus.SUCCESSFUL and e.trigger_action.upper() in deploying
        ),
        None,
    )


def _is_commit(version: str) -> bool:
    return len(version) == 40 and all(c in "0123456789abcdef" for c in version.lower())


def _version(service: HistoryService) -> str | None:
    """The version a deployment gave a service: its full commit, or its image's tag."""
    details = service.details
    if details is None:
        return None
    if details.commit is not None and details.commit.git_commit_id:
        return details.commit.git_commit_id
    return details.tag or None


def _versions(entry: DeploymentHistory) -> dict[str, tuple[HistoryService, str]]:
    """Each versioned service of one deployment, by id, with its version (a later stage wins)."""
    found: dict[str, tuple[HistoryService, str]] = {}
    for stage in entry.stages:
        for service in stage.services:
            version = _version(service)
            service_id = service.identifier.service_id
            if version and service_id and _pinnable(service.identifier.service_type or ""):
                found[service_id] = (service, version)
    return found


def current_versions(history: list[DeploymentHistory]) -> dict[str, str]:
    """Each service's version in the newest deployment that names it."""
    found: dict[str, str] = {}
    for entry in reversed(history):  # newest last, so that it wins
        found |= {service_id: version for service_id, (_, version) in _versions(entry).items()}
    return found


def rollback_changes(
    history: list[DeploymentHistory], services: list[Service], in_question: str | None = None
) -> tuple[DeploymentHistory, tuple[ServiceChange, ...]]:
    """The latest successful deployment before the one in question (its execution id, or the latest),
    and each of its services that still exists at the version it had then; then every other service of
    the environment, left as it is and said why. A UserError when there is none to go back to."""
    if not any(_pinnable(service.service_type) for service in services):
        raise UserError(
            "The bot can pin the versions of applications, containers and jobs only, and this environment "
            "has none: nothing was rolled back."
        )
    if not history:
        raise UserError("Qovery has no deployment of this environment yet: there is nothing to roll back.")
    index = 0
    if in_question is not None:
        ids = [entry.identifier.execution_id for entry in history]
        if in_question not in ids:
            raise UserError(
                "Qovery's last deployments do not include this card's deployment: nothing was done. "
                "Roll back with the command, which goes back from the latest deployment."
            )
        index = ids.index(in_question)
    now = _versions(history[index])
    earlier = [
        entry
        for entry in history[index + 1 :]
        if status_of(entry.status) is DeploymentStatus.SUCCESSFUL and _versions(entry)
    ]
    if not earlier:
        raise UserError(
            f"There is no successful deployment before this one in Qovery's last {len(history)}: "
            "nothing was rolled back."
        )
    good = earlier[0]
    existing = {service.id: service for service in services}
    changes = tuple(
        ServiceChange(
            service_id,
            existing[service_id].name,
            existing[service_id].service_type,
            before=now[service_id][1] if service_id in now else None,
            after=version,
        )
        for service_id, (old, version) in sorted(
            _versions(good).items(), key=lambda i: i[1][0].identifier.name
        )
        if service_id in existing
    )
    if not changes:
        raise UserError("The services of the last good deployment no longer exist: nothing was rolled back.")
    return good, changes + _left(services, {change.service_id for change in changes})


def _left(services: list[Service], deployed: set[str]) -> tuple[ServiceChange, ...]:
    """The environment's other services, each left as it is, with why."""
    return tuple(
        ServiceChange(
            s.id,
            s.name,
            s.service_type,
            left=NOT_IN_THAT_DEPLOYMENT if _pinnable(s.service_type) else CANNOT_PIN,
        )
        for s in sorted(services, key=lambda s: s.name)
        if s.id not in deployed
    )


def one_service(
    services: list[Service], history: list[DeploymentHistory], name: str, commit: str | None, tag: str | None
) -> ServiceChange:
    """`deploy --service S --commit SHA | --tag T`: the service by name (any case), at that version."""
    found = [s for s in services if s.name.lower() == name.lower()]
    if len(found) != 1:
        listed = ", ".join(_code(s.name) for s in sorted(services, key=lambda s: s.name)[:20]) or "none"
        several = "Several services are" if found else "No service is"
        raise UserError(f"{several} named {_code(name)}. The services: {listed}.")
    service = found[0]
    kind, named = service.service_type, _code(service.name)
    if not _pinnable(kind):
        raise UserError(
            f"{named} is a {escape(type_words(kind)) or 'service of no known kind'}: {CANNOT_PIN}. "
            "Deploy the whole environment, or set its version in Qovery's console."
        )
    if commit is not None and kind not in ("APPLICATION", "JOB"):
        raise UserError(f"{named} is a {escape(type_words(kind))}: give it an image tag with `--tag`.")
    if tag is not None and kind not in ("CONTAINER", "JOB"):
        raise UserError(f"{named} is built from a repository: give it a commit with `--commit`.")
    before = current_versions(history).get(service.id)
    return ServiceChange(service.id, service.name, kind, before=before, after=commit or tag)


def _code(name: str) -> str:
    """A name from Qovery or typed by the user, as inline code in a UserError (shown as it is)."""
    plain = name.replace("`", "'")
    return f"`{escape(cut(plain, 80))}`"


def every_service(services: list[Service], history: list[DeploymentHistory]) -> tuple[ServiceChange, ...]:
    """`deploy` with no service (deployEnvironment): every service, a versioned one to its latest
    version, any other kind as it is set in Qovery."""
    before = current_versions(history)
    return tuple(
        ServiceChange(s.id, s.name, s.service_type, before=before.get(s.id))
        for s in sorted(services, key=lambda s: s.name)
    )
