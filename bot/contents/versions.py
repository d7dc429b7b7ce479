"""What changed in each service between two deployments of an environment (pure): an application's
commits, walked from the deployed one back to the previous one, a container's tag, or nothing.

The walk is git's `previous..deployed` over the list Qovery gives (the branch's last 100 commits,
newest first): the commits from the deployed one back to, not including, the previous one. When the
deployed commit comes after the previous one in that list, it is older: the deployment rolls back
that many commits. When either is not in the list, the bot cannot tell which commits lie between
(more than 100, or a history rewritten) and says so, never a wrong list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.deliveries import DeploymentStatus, seconds_of, status_of
from bot.qovery import COMMIT_SERVICE_TYPES, Commit, DeploymentHistory

__all__ = [
    "MOST_COMMITS",
    "Change",
    "ServiceChange",
    "ServiceVersion",
    "changes",
    "moved",
    "versions_before",
    "versions_of",
    "walk",
]

MOST_COMMITS = 100  # what Qovery lists: the walk reads no further
# The actions after which an environment runs what was deployed (a stop or a dry run deploys nothing).
_DEPLOYING = {"DEPLOY", "REDEPLOY", "RESTART", "UNKNOWN"}


class Change(StrEnum):
    COMMITS = "commits"  # new commits, listed
    ROLLBACK = "rollback"  # an older commit than the previous one
    TOO_FAR = "too far"  # more than 100 commits, or history rewritten: not listed
    UNREAD = "unread"  # Qovery did not answer the list of commits: only the two versions are said
    TAG = "tag"  # a container's image or tag
    UNCHANGED = "unchanged"
    NEW = "new"  # not in the previous deployment
    UNVERSIONED = "unversioned"  # Qovery gives no version to compare (a database, a type it adds)


@dataclass(frozen=True)
class ServiceVersion:
    """A service as one deployment shows it."""

    name: str
    service_id: str | None
    service_type: str  # APPLICATION, CONTAINER ... as Qovery says it; UNKNOWN when it does not
    sha: str | None = None
    image: str | None = None  # image name
    tag: str | None = None

    @property
    def version(self) -> str | None:
        return self.sha or self.tag

    @property
    def has_commits(self) -> bool:
        return self.sha is not None and self.service_type in COMMIT_SERVICE_TYPES


@dataclass(frozen=True)
class ServiceChange:
    name: str
    service_type: str
    change: Change
    old: str | None = None  # the previous version: a SHA, or an image:tag
    new: str | None = None
    commits: tuple[Commit, ...] = ()  # the new ones (COMMITS) or those rolled back (ROLLBACK), newest first


def versions_of(entry: DeploymentHistory) -> dict[str, ServiceVersion]:
    """Each service of a deployment by its id (else its name); a later stage tells the later state."""
    found: dict[str, ServiceVersion] = {}
    for stage in entry.stages:
        for service in stage.services:
            ident, details = service.identifier, service.details
            commit = details.commit if details else None
            found[ident.service_id or ident.name] = ServiceVersion(
                name=ident.name,
                service_id=ident.service_id,
                service_type=(ident.service_type or "UNKNOWN").upper(),
                sha=commit.git_commit_id.strip().lower() if commit and commit.git_commit_id.strip() else None,
                image=details.image_name if details and not commit else None,
                tag=details.tag if details and not commit else None,
            )
    return found


def _same(one: str, other: str) -> bool:
    one, other = one.lower(), other.lower()
    return one == other or (
        min(len(one), len(other)) >= 7 and (one.startswith(other) or other.startswith(one))
    )


def _index(commits: Sequence[Commit], sha: str) -> int | None:
    return next((n for n, c in enumerate(commits) if _same(c.git_commit_id, sha)), None)


def walk(
    name: str, service_type: str, commits: Sequence[Commit], previous: str, deployed: str
) -> ServiceChange:
    """`previous..deployed` over `commits` (newest first, the first 100 read)."""
    base = ServiceChange(name, service_type, Change.UNCHANGED, previous, deployed)
    if _same(previous, deployed):
        return base
    listed = list(commits[:MOST_COMMITS])
    new_at, old_at = _index(listed, deployed), _index(listed, previous)
    if new_at is None or old_at is None:
        return ServiceChange(name, service_type, Change.TOO_FAR, previous, deployed)
    if new_at < old_at:
        return ServiceChange(
            name, service_type, Change.COMMITS, previous, deployed, tuple(listed[new_at:old_at])
        )
    return ServiceChange(
        name, service_type, Change.ROLLBACK, previous, deployed, tuple(listed[old_at:new_at])
    )


def changes(
    deployed: dict[str, ServiceVersion],
    previous: dict[str, ServiceVersion],
    commits: dict[str, Sequence[Commit] | None],
) -> tuple[ServiceChange, ...]:
    """What changed in each service of `deployed` since `previous`; `commits` holds, by service key, the
    list Qovery gave for each service whose commit moved (None: Qovery did not answer)."""
    found: list[ServiceChange] = []
    for key, now in deployed.items():
        before = previous.get(key) or next((p for p in previous.values() if p.name == now.name), None)
        kind = now.service_type
        if before is None:
            found.append(ServiceChange(now.name, kind, Change.NEW, None, _label(now)))
        elif now.sha and before.sha:
            listed = commits.get(key)
            if _same(now.sha, before.sha):
                found.append(ServiceChange(now.name, kind, Change.UNCHANGED, before.sha, now.sha))
            elif listed is None:
                found.append(ServiceChange(now.name, kind, Change.UNREAD, before.sha, now.sha))
            else:
                found.append(walk(now.name, kind, listed, before.sha, now.sha))
        elif now.tag and before.tag:
            same = now.tag == before.tag and now.image == before.image
            found.append(
                ServiceChange(
                    now.name, kind, Change.UNCHANGED if same else Change.TAG, _label(before), _label(now)
                )
            )
        else:
            found.append(ServiceChange(now.name, kind, Change.UNVERSIONED))
    return tuple(found)


def moved(deployed: dict[str, ServiceVersion], previous: dict[str, ServiceVersion]) -> list[str]:
    """The keys of the services whose commit moved: the only ones whose commits are asked for."""
    found = []
    for key, now in deployed.items():
        before = previous.get(key) or next((p for p in previous.values() if p.name == now.name), None)
        if (
            now.has_commits
            and now.service_id
            and before
            and before.sha
            and not _same(before.sha, now.sha or "")
        ):
            found.append(key)
    return found


def _label(version: ServiceVersion) -> str | None:
    if version.sha:
        return version.sha
    if version.image and version.tag:
        return f"{version.image}:{version.tag}"
    return version.tag


def _successes_before(
    entry: DeploymentHistory, history: Sequence[DeploymentHistory]
) -> list[DeploymentHistory]:
    """The environment's successful deployments before `entry`, oldest first. Only this environment's:
    an entry Qovery lists of another is not its past."""
    found = [
        e
        for e in history
        if e.identifier.execution_id != entry.identifier.execution_id
        and e.identifier.environment_id == entry.identifier.environment_id
        and e.auditing_data.created_at < entry.auditing_data.created_at
        and status_of(e.status) is DeploymentStatus.SUCCESSFUL
        and e.trigger_action.upper() in _DEPLOYING
    ]
    return sorted(found, key=lambda e: e.auditing_data.created_at)


def previous_success(
    entry: DeploymentHistory, history: Sequence[DeploymentHistory]
) -> DeploymentHistory | None:
    """The environment's latest successful deployment before `entry`, in `history`; None when the
    history does not reach one (nothing is then said, rather than something unsure)."""
    found = _successes_before(entry, history)
    return found[-1] if found else None


def versions_before(
    entry: DeploymentHistory, history: Sequence[DeploymentHistory]
) -> dict[str, ServiceVersion]:
    """Each service as the latest successful deployment before `entry` that deployed it left it: a
    deployment of one service lists that one alone, and the others kept what they ran."""
    found: dict[str, ServiceVersion] = {}
    for earlier in _successes_before(entry, history):
        found |= versions_of(earlier)
    return found


def ended_at(entry: DeploymentHistory) -> datetime:
    """When a deployment ended: Qovery's last update of it, else its start and duration, else its start."""
    if entry.auditing_data.updated_at is not None:
        return entry.auditing_data.updated_at
    lasted = seconds_of(entry.total_duration)
    return entry.auditing_data.created_at + timedelta(seconds=lasted or 0)
