"""Which deliveries get a message, by the settings the bot keeps per hook (SPEC §11). Pure.

`--services` and `--env-names` keep only the deployments that touch those services or environments
(names in any case, a trailing `*` a wildcard; a delivery that does not say is kept: nothing is dropped
on a guess). `--only failures` keeps failures and cancellations; `--only changes` keeps those too, and
the success that follows one in the same scope (the environment, or each service when `--services` is
set): "back to normal". A start never gets a card under `--only`. A delivery left out says why, and
`/qovery deliveries` shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.deliveries.events import Deployment, DeploymentStatus
from bot.subscriptions import HookSettings, Only

__all__ = ["by_outcome", "left_out", "matches", "scopes"]

_BAD = (DeploymentStatus.FAILED, DeploymentStatus.CANCELLED)


def matches(patterns: Sequence[str], name: str) -> bool:
    lowered = name.lower()
    for pattern in patterns:
        wanted = pattern.lower()
        if lowered == wanted or (wanted.endswith("*") and lowered.startswith(wanted[:-1])):
            return True
    return False


def left_out(settings: HookSettings, deployment: Deployment) -> str | None:
    """Why `--services` or `--env-names` leave the delivery out; None when they keep it."""
    touched = any(matches(settings.services, service) for service in deployment.services)
    if settings.services and deployment.services and not touched:
        return f"--services {', '.join(settings.services)}: none of its services"
    name = deployment.environment.name
    if settings.env_names and name and not matches(settings.env_names, name):
        return f"--env-names {', '.join(settings.env_names)}: not this environment"
    return None


def scopes(settings: HookSettings, deployment: Deployment) -> tuple[str, ...]:
    """Where `--only changes` remembers outcomes: the environment, or each service named by `--services`."""
    environment = deployment.environment.id or deployment.environment.name or "unknown"
    if not settings.services:
        return (environment,)
    touched = [s for s in deployment.services if matches(settings.services, s)] or list(settings.services)
    return tuple(f"{environment}/{service}" for service in touched)


def by_outcome(only: Only, status: DeploymentStatus, before: Iterable[DeploymentStatus | None]) -> str | None:
    """Why `--only` leaves the event out, given the last outcome seen in each of its scopes."""
    if only is Only.ALL:
        return None
    if status is DeploymentStatus.RUNNING:
        return f"--only {only}: no card at a start"
    if status in _BAD:
        return None
    if only is Only.FAILURES:
        return f"--only {only}: a success"
    if any(previous in _BAD for previous in before):
        return None  # back to normal
    return f"--only {only}: a success after a success, or the first outcome seen"
