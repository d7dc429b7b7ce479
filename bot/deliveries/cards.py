"""The deployment card: one Block Kit message per deployment, kept up to date as its events arrive.

Pure: a `Deployment` and what is known of its timing in, a message for chat.postMessage/chat.update out.
Every text from outside is escaped and cut to Slack's limits (`bot.blocks`); the top-level `text` is
the notification's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.blocks import (
    FIELD_LIMIT,
    SECTION_LIMIT,
    Block,
    Message,
    button,
    confirm,
    context,
    cut,
    escape,
    read_row_id,
    section,
    slack_date,
)
from bot.deliveries.bodies import DeliveryKind, read_deployment
from bot.deliveries.card_details import detail_blocks, duration_words, trigger_words
from bot.deliveries.deployment_details import Details, details, tie
from bot.deliveries.events import Deployment, DeploymentStatus, classify
from bot.deliveries.ports import CardCarried, CardNote
from bot.deliveries.sanitize import sanitize_slack_body
from bot.qovery import DeploymentHistory

__all__ = [
    "CANCEL_ACTION",
    "LOGS_ACTION",
    "OPEN_ACTION",
    "PROMOTE_CARD_ACTION",
    "REDEPLOY_ACTION",
    "ROLLBACK_ACTION",
    "CardButton",
    "console_url",
    "deployments_url",
    "duration_words",
    "render_card",
    "render_delivery",
    "unknown_event_words",
    "where_words",
]

REDEPLOY_ACTION = "deployment_redeploy"
CANCEL_ACTION = "deployment_cancel"
ROLLBACK_ACTION = "deployment_rollback"
PROMOTE_CARD_ACTION = "promotion_from_card"  # a success card's "Promote to ENV" (bot.promotion)
OPEN_ACTION = "deployment_open"
LOGS_ACTION = "deployment_logs"
CONSOLE = "https://console.qovery.com"
_NAMES_IN_A_CONFIRMATION = 150  # of a confirmation's 300 characters: the environment's id must fit too

_LOOKS = {
    DeploymentStatus.RUNNING: (":large_blue_circle:", "Deployment started", "#3b82f6"),
    DeploymentStatus.SUCCESSFUL: (":white_check_mark:", "Deployment successful", "#2eb67d"),
    DeploymentStatus.FAILED: (":x:", "Deployment failed", "#e01e5a"),
    DeploymentStatus.CANCELLED: (":no_entry_sign:", "Deployment cancelled", "#9e9ea6"),
}


@dataclass(frozen=True)
class CardButton:
    """What a card's button carries back: the bot's own card, and the environment the card showed when
    the button was drawn. The action reads the rest from the database, never from the click."""

    card_id: int
    environment_id: str

    def dump(self) -> str:
        return f"card:{self.card_id}:{self.environment_id}"

    @staticmethod
    def load(value: object) -> CardButton | None:
        """The reference a click carries, or None for anything else (a forged or an older value)."""
        card, _, environment_id = value.rpartition(":") if isinstance(value, str) else ("", "", "")
        card_id = read_row_id(card, "card:")
        if card_id is None or not re.fullmatch(r"[0-9a-f-]{36}", environment_id):
            return None
        return CardButton(card_id, environment_id)


def console_url(deployment: Deployment) -> str | None:
    org, project, env = deployment.organization.id, deployment.project.id, deployment.environment.id
    if org and project and env:
        return f"{CONSOLE}/organization/{org}/project/{project}/environment/{env}/overview"
    return None


def deployments_url(deployment: Deployment) -> str | None:
    """The environment's deployments page in Qovery's console (where a failure's logs are)."""
    url = console_url(deployment)
    return url.removesuffix("/overview") + "/deployments" if url else None


def where_words(deployment: Deployment) -> str:
    """`billing / production`, as far as the names are known (not escaped)."""
    names = [deployment.project.name, deployment.environment.name]
    return " / ".join(n for n in names if n) or "an environment"


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", FIELD_LIMIT)}


def render_card(
    deployment: Deployment,
    *,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    card_id: int | None = None,
    details: Details | None = None,
    note: CardNote | None = None,
    carried: CardCarried | None = None,
    promote_to: str = "",
) -> Message:
    """The card for a deployment's latest event; the duration runs from `started_at` to `finished_at`.
    Its Redeploy and Cancel buttons need the card's id, which they carry back (`CardButton`).
    `details` (Qovery's deployment history) adds who triggered it, each service's version, and why it
    failed; `carried`, what the deployment carried since the previous successful one; `promote_to`, the
    hook's `--promote-to`: a success card of another environment offers "Promote to" it."""
    emoji, words, colour = _LOOKS[deployment.status]
    where = where_words(deployment)
    headline = f"{emoji} *{words}*: {escape(where)}"
    if details is not None:
        headline += f"\n{trigger_words(details)}"

    environment = escape(deployment.environment.name or deployment.environment.id or "unknown")
    if deployment.environment_type:
        environment += f" ({escape(deployment.environment_type.lower())})"
    status = deployment.status.value
    if started_at and finished_at and deployment.status.terminal:
        status += f" after {duration_words((finished_at - started_at).total_seconds())}"
    fields = [
        _field("Project", escape(deployment.project.name or deployment.project.id or "unknown")),
        _field("Environment", environment),
        _field("Status", escape(status)),
    ]
    if deployment.services and details is None:  # the history lists them, each with its version
        fields.insert(2, _field("Services", escape(", ".join(deployment.services))))
    blocks: list[Block] = [section(headline), {"type": "section", "fields": fields}]
    if details is not None:
        blocks += detail_blocks(details)
    if carried is not None:
        blocks.append(context(carried.shown()))  # already escaped by its capability
    if deployment.details:
        blocks.append(context(escape(deployment.details)))
    if note is not None:
        blocks += [context(line) for line in note.lines()]  # already escaped by their capability

    when = finished_at if deployment.status.terminal and finished_at else deployment.at or started_at
    facts = [slack_date(when)] if when else []
    organization = deployment.organization.name  # a bare id says nothing to a reader
    if organization:
        facts.append(f"Organization {escape(organization)}")
    if facts:
        blocks.append(context(" · ".join(facts)))

    buttons = _buttons(
        deployment, card_id, rollback=note is not None and note.rollback, promote_to=promote_to
    )
    if buttons:
        blocks.append({"type": "actions", "block_id": "deployment_actions", "elements": buttons})
    # The notification's words are mrkdwn too: escaped, or a project named <!channel> would ping everyone.
    fallback = escape(f"{words}: {where}" + (f" ({organization})" if organization else ""))
    return {
        "text": cut(fallback, SECTION_LIMIT),
        "attachments": [{"color": colour, "blocks": blocks, "fallback": cut(fallback, SECTION_LIMIT)}],
    }


def _promotes(deployment: Deployment, promote_to: str) -> bool:
    """A success of an environment other than the one it would promote to (`web/production` is not
    billing's production: the project counts when it is named)."""
    project, _, target = promote_to.lower().rpartition("/")
    here = (deployment.environment.name or "").lower()
    same_project = not project or project == (deployment.project.name or "").lower()
    itself = here == target and same_project
    return bool(target) and deployment.status is DeploymentStatus.SUCCESSFUL and not itself


def _buttons(
    deployment: Deployment, card_id: int | None, *, rollback: bool = False, promote_to: str = ""
) -> list[Block]:
    buttons: list[Block] = []
    url = console_url(deployment)
    if url:
        buttons.append(button("Open in Qovery", OPEN_ACTION, url=url))
        if deployment.status is DeploymentStatus.FAILED:
            buttons.append(button("View logs", LOGS_ACTION, url=deployments_url(deployment)))
    if not deployment.environment.id or card_id is None:
        return buttons
    value = CardButton(card_id, deployment.environment.id).dump()
    # The confirmation names the environment by name and by id: exactly what will be acted on.
    names = cut(escape(where_words(deployment)), _NAMES_IN_A_CONFIRMATION)
    where = f"{names} (environment `{deployment.environment.id}`)"
    if deployment.status in (DeploymentStatus.FAILED, DeploymentStatus.CANCELLED):
        sure = confirm("Redeploy?", f"Qovery deploys {where} again.", "Redeploy")
        buttons.append(button("Redeploy", REDEPLOY_ACTION, value=value, style="primary", confirm=sure))
    if deployment.status is DeploymentStatus.FAILED or rollback:
        # No dialog: the click answers with a confirmation showing each service's version before and after.
        buttons.append(button("Rollback", ROLLBACK_ACTION, value=value))
    if _promotes(deployment, promote_to):
        # No dialog: the click posts the plan in the card's thread, with its own Promote button.
        buttons.append(button(f"Promote to {promote_to}", PROMOTE_CARD_ACTION, value=value))
    if deployment.status is DeploymentStatus.RUNNING:
        sure = confirm("Cancel the deployment?", f"Qovery stops deploying {where}.", "Cancel it", danger=True)
        buttons.append(button("Cancel deployment", CANCEL_ACTION, value=value, style="danger", confirm=sure))
    return buttons


def render_delivery(
    body: object, card_id: int | None = 1, history: Sequence[DeploymentHistory] = ()
) -> Message | None:
    """What the bot would post for one delivery body on its own (as card `card_id`), completed from
    `history` (an environment's deployments, newest first) when the delivery ties to one for sure;
    None for a body that is not one."""
    kind = classify(body)
    if kind is None or not isinstance(body, dict):
        return None
    deployment = read_deployment(DeliveryKind(kind), body)
    if deployment is not None:
        entry = tie(list(history), deployment, deployment.at or datetime.now(UTC)) if history else None
        return render_card(deployment, card_id=card_id, details=details(entry) if entry else None)
    if kind == "SLACK":
        return sanitize_slack_body(body)
    return {"text": unknown_event_words(body)}


def unknown_event_words(body: dict[str, Any]) -> str:
    return f"Qovery sent an event this bot does not know yet: `{escape(str(body.get('event_type')))[:80]}`."
