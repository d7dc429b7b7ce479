"""What Qovery's deployment history says of one deployment, read into what a card shows (SPEC §10).

Pure. `tie` finds the history's entry for a delivery, or nothing when it cannot be sure: a card that
says nothing more is true, one that names the wrong commit is not. `details` reads the entry: who
triggered what from where, each service's version and duration, and on failure the stage, the services
and Qovery's words for why. `log_lines` keeps a failed deployment's last log lines, errors first,
with anything that looks like a secret hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deliveries.events import Deployment, DeploymentStatus
from bot.qovery import DeploymentHistory, EnvironmentLog, HistoryService, ServiceType

__all__ = ["Details", "ServiceLine", "details", "log_lines", "seconds_of", "tie"]

MAX_LOG_LINES = 15
_LOG_LINE_LIMIT = 300
# How long before the event a deployment found only by its environment may have started.
_SAME_DEPLOYMENT = timedelta(hours=2)
# Longer than any deployment lasts: a duration past it is not a reading.
_LONGEST = timedelta(days=31)

# Qovery's StateEnum, by what a card says of it.
# Queued and waiting states run too: a deployment just asked for is one (its last one ended before).
_RUNNING = {"QUEUED", "DEPLOYING", "BUILDING", "RESTARTING", "STOPPING", "DELETING", "CANCELING", "EXECUTING",
            "QUEUED_DEPLOYING", "WAITING_RUNNING", "ONGOING", "DEPLOYMENT_QUEUED", "RESTART_QUEUED",
            "STOP_QUEUED", "DELETE_QUEUED", "WAITING_RESTARTING", "WAITING_STOPPING",
            "WAITING_DELETING"}  # fmt: skip
_FAILED = {"DEPLOYMENT_ERROR", "BUILD_ERROR", "STOP_ERROR", "DELETE_ERROR", "RESTART_ERROR", "ERROR",
           "EXECUTION_ERROR", "DRY_RUN_ERROR"}  # fmt: skip
_SUCCEEDED = {"DEPLOYED", "STOPPED", "DELETED", "RESTARTED", "SUCCESS", "DONE", "EXECUTED", "DRY_RUN"}
_CANCELLED = {"CANCELED", "CANCELLED"}


def status_of(state: str) -> DeploymentStatus | None:
    """What a card calls one of Qovery's states; None for a state it does not know."""
    upper = state.upper()
    for states, status in (
        (_FAILED, DeploymentStatus.FAILED),
        (_CANCELLED, DeploymentStatus.CANCELLED),
        (_SUCCEEDED, DeploymentStatus.SUCCESSFUL),
        (_RUNNING, DeploymentStatus.RUNNING),
    ):
        if upper in states:
            return status
    return None


@dataclass(frozen=True)
class ServiceLine:
    name: str
    status: DeploymentStatus | None
    service_id: str | None = None
    service_type: ServiceType | str = ""  # "" when Qovery gave none
    sha: str | None = None  # an application's commit
    commit_url: str | None = None
    message: str | None = None  # the commit message's first line
    author: str | None = None
    image: str | None = None  # a container's or job's image:tag, a Helm chart's name and version
    seconds: float | None = None


@dataclass(frozen=True)
class Details:
    execution_id: str
    action: str  # DEPLOY, RESTART, STOP ...
    triggered_by: str | None
    origin: str | None  # CONSOLE, API, CLI, GIT ...
    services: tuple[ServiceLine, ...]
    failed_stage: str | None = None
    failed_services: tuple[str, ...] = ()
    why: str | None = None  # Qovery's words for the failure
    links: tuple[tuple[str, str], ...] = ()  # (service, URL) of a preview environment
    log_lines: tuple[str, ...] = ()


def tie(history: list[DeploymentHistory], deployment: Deployment, at: datetime) -> DeploymentHistory | None:
    """The entry of `history` (newest first) that is this deployment's, when it can be told for sure:
    by its execution id, else as the only deployment of the environment since shortly before `at`
    whose state says what the event says."""
    if deployment.deployment_id:
        same = [e for e in history if e.identifier.execution_id == deployment.deployment_id]
        if same:
            return same[0]
    if not history:
        return None
    recent = [
        e
        for e in history
        if at - _SAME_DEPLOYMENT <= e.auditing_data.created_at <= at + timedelta(seconds=60)
    ]
    newest = history[0]
    if len(recent) != 1 or recent[0] is not newest or status_of(newest.status) is not deployment.status:
        return None  # none, several, or another story: say nothing rather than something false
    return newest


def seconds_of(duration: str | None) -> float | None:
    """A duration as Qovery writes it: ISO 8601 (`PT4M12S`), `HH:MM:SS`, or seconds; None when it is none
    of these, or longer than any deployment lasts (a time plus it could not even be computed)."""
    if not duration or len(duration) > 64:
        return None
    seconds: float | None = None
    iso = re.fullmatch(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", duration.strip())
    clock = re.fullmatch(r"(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)", duration.strip())
    if iso and any(iso.groups()):
        days, hours, minutes, second = (float(g) if g else 0.0 for g in iso.groups())
        seconds = ((days * 24 + hours) * 60 + minutes) * 60 + second
    elif clock:
        seconds = int(clock.group(1)) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3))
    else:
        try:
            seconds = float(duration)
        except ValueError:
            return None
    if seconds != seconds or seconds > _LONGEST.total_seconds():  # nan, inf, or longer than any deployment
        return None
    return max(0.0, seconds)


def _line(service: HistoryService) -> ServiceLine:
    details = service.details
    commit = details.commit if details else None
    image = f"{details.image_name}:{details.tag}" if details and details.image_name and details.tag else None
    return ServiceLine(
        name=service.identifier.name,
        status=status_of(service.status),
        service_id=service.identifier.service_id,
        service_type=service.identifier.service_type or "",
        sha=commit.git_commit_id[:7] if commit and commit.git_commit_id else None,
        commit_url=commit.commit_page_url if commit else None,
        message=(commit.message.strip().splitlines() or [""])[0] if commit and commit.message else None,
        author=commit.author_name or None if commit else None,
        image=None if commit else image or (details.chart if details else None),
        seconds=seconds_of(service.total_duration),
    )


def details(entry: DeploymentHistory) -> Details:
    lines: dict[str, ServiceLine] = {}
    failed_stage, failed, why = None, [], []
    for stage in entry.stages:
        for service in stage.services:
            lines[service.identifier.name] = _line(service)  # a later stage tells the later state
            if status_of(service.status) is DeploymentStatus.FAILED:
                failed_stage = failed_stage or stage.name
                failed.append(service.identifier.name)
                found = service.status_details
                said = (found.action, found.sub_action, found.status) if found else ()
                words = " ".join(w for w in said if w and w.upper() != "NONE").lower().replace("_", " ")
                if words and f"{service.identifier.name}: {words}" not in why:
                    why.append(f"{service.identifier.name}: {words}")
        if stage.status.upper() in _FAILED and failed_stage is None:
            failed_stage = stage.name
    return Details(
        execution_id=entry.identifier.execution_id,
        action=entry.trigger_action,
        triggered_by=entry.auditing_data.triggered_by or None,
        origin=entry.auditing_data.origin,
        services=tuple(lines.values()),
        failed_stage=failed_stage,
        failed_services=tuple(dict.fromkeys(failed)),
        why="; ".join(why) or None,
    )


# Anything that looks like a secret in a log line is hidden before it reaches a channel.
_SECRETS = (
    re.compile(r"(?i)\b((?:bearer|basic|token)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|authorization|credentials?)"
        r"[\"']?\s*[:=]\s*)[\"']?[^\s\"',;]+"
    ),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in a URL
    re.compile(
        r"\b(?:qov_[A-Za-z0-9_]+|xox[a-z]-[A-Za-z0-9-]+|gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}"
        r"|AKIA[0-9A-Z]{16}|sk_(?:live|test)_[A-Za-z0-9]+)"
    ),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*"),
)
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_+/=-]{32,}")


def redact(line: str) -> str:
    for pattern in _SECRETS:
        line = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[hidden]", line)

    def token(match: re.Match[str]) -> str:
        word = match.group(0)
        if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", word):
            return word  # a commit or a digest, not a secret
        mixed = re.search(r"\d", word) and re.search(r"[A-Za-z]", word)
        return "[hidden]" if mixed else word

    return _LONG_TOKEN.sub(token, line)


def log_lines(logs: list[EnvironmentLog], execution_id: str) -> tuple[str, ...]:
    """The deployment's last lines: errors first, as Qovery marks them, then the last others."""
    mine = [line for line in logs if line.execution_id in (None, execution_id)]
    errors, others = [], []
    for line in mine:
        if line.error is not None:
            text = line.error.user_log_message or line.error.hint_message or line.error.tag or ""
            errors.append(text)
        elif line.message is not None and line.message.safe_message:
            others.append(line.message.safe_message)
    kept = errors[-MAX_LOG_LINES:]
    kept += others[-(MAX_LOG_LINES - len(kept)) :] if len(kept) < MAX_LOG_LINES else []
    return tuple(_clean(text) for text in kept if text.strip())


def _clean(text: str) -> str:
    one_line = " ".join(text.split())
    return redact(one_line)[:_LOG_LINE_LIMIT]
