"""Which deployment an alert followed (pure): the environment's deployment that ended within the 30
minutes before the alert began, read from Qovery's deployment history.

Nothing is named when none ended in that window: an alert is not pinned on a deployment that cannot
have caused it, and a wrong name is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.deliveries import Card, DeploymentStatus, details, seconds_of, status_of
from bot.qovery import DeploymentHistory, utc_time

__all__ = ["BLAME_WINDOW", "Blame", "blamed"]

BLAME_WINDOW = timedelta(minutes=30)
_TEXT_LIMIT = 200


@dataclass(frozen=True)
class Blame:
    """The deployment an alert followed: who, which versions, when it ended; the channel's card of it."""

    execution_id: str
    environment_id: str
    ended_at: datetime
    status: str  # successful, failed, cancelled
    triggered_by: str | None = None
    versions: tuple[str, ...] = ()  # `api 3f2a9c1`, `worker ghcr.io/acme/worker:1.4.2`
    card_ts: str | None = None  # the channel's card of that deployment, when it has one
    carried: str | None = None  # what that deployment carried, as its card says it (mrkdwn, escaped)
    carried_ts: str | None = None  # the reply in the card's thread that says it whole

    def shown_by(self, card: Card | None) -> Blame:
        """This deployment as the channel's card of it shows it: its thread, and what it carried (read
        from what was kept for the card: no call to Qovery when an alert fires)."""
        if card is None:
            return self
        other = card.deployment.deployment_id not in (None, self.execution_id)
        carried = None if other else card.carried  # the nearest card may be another deployment's
        return replace(self, card_ts=card.thread_ts or card.ts, carried=carried.line if carried else None,
                       carried_ts=carried.reply_ts if carried else None)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "execution_id": self.execution_id, "environment_id": self.environment_id,
            "ended_at": self.ended_at.isoformat(), "status": self.status, "triggered_by": self.triggered_by,
            "versions": list(self.versions), "card_ts": self.card_ts, "carried": self.carried,
            "carried_ts": self.carried_ts,
        }  # fmt: skip

    @staticmethod
    def from_json(found: Any) -> Blame | None:
        try:
            # Read as every time is (aware UTC): a row kept before that may hold one without a zone.
            ended_at = utc_time(found["ended_at"])
            if ended_at is None:
                return None
            return Blame(
                str(found["execution_id"])[:_TEXT_LIMIT],
                str(found["environment_id"])[:_TEXT_LIMIT],
                ended_at,
                str(found["status"])[:20],
                str(found["triggered_by"])[:_TEXT_LIMIT] if found.get("triggered_by") else None,
                tuple(str(v)[:_TEXT_LIMIT] for v in found.get("versions") or ())[:10],
                str(found["card_ts"])[:32] if found.get("card_ts") else None,
                str(found["carried"])[:2000] if found.get("carried") else None,
                str(found["carried_ts"])[:32] if found.get("carried_ts") else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def ended_at(entry: DeploymentHistory) -> datetime | None:
    """When a deployment that is over ended: Qovery's last update of it, else its start and duration."""
    if status_of(entry.status) in (None, DeploymentStatus.RUNNING):
        return None
    if entry.auditing_data.updated_at is not None:
        return entry.auditing_data.updated_at
    lasted = seconds_of(entry.total_duration)
    return entry.auditing_data.created_at + timedelta(seconds=lasted) if lasted is not None else None


def blamed(history: list[DeploymentHistory], environment_id: str, starts_at: datetime) -> Blame | None:
    """The latest deployment of the environment that ended in the window before `starts_at`."""
    found: list[tuple[datetime, DeploymentHistory]] = []
    for entry in history:
        end = ended_at(entry)
        if end is not None and starts_at - BLAME_WINDOW <= end <= starts_at:
            found.append((end, entry))
    if not found:
        return None
    end, entry = max(found, key=lambda pair: pair[0])
    said = details(entry)
    versions = tuple(
        f"{line.name} {line.sha or line.image}"[:_TEXT_LIMIT]
        for line in said.services
        if line.sha or line.image
    )
    status = status_of(entry.status)
    return Blame(
        execution_id=entry.identifier.execution_id[:_TEXT_LIMIT],
        environment_id=environment_id,
        ended_at=end,
        status=status.value if status else "",
        triggered_by=said.triggered_by[:_TEXT_LIMIT] if said.triggered_by else None,
        versions=versions[:10],
    )
