"""The deployment card: one Block Kit message per deployment, kept up to date as its events arrive.

Pure: a `Deployment` and what is known of its timing in, a message for chat.postMessage/chat.update out.
Every text from outside is escaped and cut to Slack's limits (`bot.blocks`); the top-level `text` is
the notification's words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import (
    BUTTON_TEXT_LIMIT,
    FIELD_LIMIT,
    SECTION_LIMIT,
    Block,
    Message,
    context,
    cut,
    escape,
    section,
    slack_date,
)
from bot.events import Deployment, DeploymentStatus, classify, read_slack_body, read_standard_body

__all__ = [
    "CANCEL_ACTION",
    "OPEN_ACTION",
    "REDEPLOY_ACTION",
    "ButtonValue",
    "console_url",
    "duration_words",
    "render_card",
    "render_delivery",
    "sanitize_slack_body",
    "unknown_event_words",
]

REDEPLOY_ACTION = "deployment_redeploy"
CANCEL_ACTION = "deployment_cancel"
OPEN_ACTION = "deployment_open"
CONSOLE = "https://console.qovery.com"

_LOOKS = {
    DeploymentStatus.RUNNING: (":large_blue_circle:", "Deployment started", "#3b82f6"),
    DeploymentStatus.SUCCESSFUL: (":white_check_mark:", "Deployment successful", "#2eb67d"),
    DeploymentStatus.FAILED: (":x:", "Deployment failed", "#e01e5a"),
    DeploymentStatus.CANCELLED: (":no_entry_sign:", "Deployment cancelled", "#9e9ea6"),
}


@dataclass(frozen=True)
class ButtonValue:
    """What a card's button carries back: which environment, and of which organization."""

    environment_id: str
    organization_id: str | None = None

    def dump(self) -> str:
        return json.dumps({"environment": self.environment_id, "organization": self.organization_id})

    @staticmethod
    def load(value: str) -> ButtonValue:
        data = json.loads(value)
        return ButtonValue(str(data["environment"]), data.get("organization"))


def console_url(deployment: Deployment) -> str | None:
    org, project, env = deployment.organization.id, deployment.project.id, deployment.environment.id
    if org and project and env:
        return f"{CONSOLE}/organization/{org}/project/{project}/environment/{env}/overview"
    return None


def duration_words(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _where(deployment: Deployment) -> str:
    names = [deployment.project.name, deployment.environment.name]
    return " / ".join(n for n in names if n) or "an environment"


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", FIELD_LIMIT)}


def _button(text: str, action_id: str, **extra: Any) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(text, BUTTON_TEXT_LIMIT)},
        "action_id": action_id,
    } | extra


def _confirm(title: str, text: str, yes: str) -> dict[str, Any]:
    return {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "mrkdwn", "text": cut(text, 300)},
        "confirm": {"type": "plain_text", "text": yes},
        "deny": {"type": "plain_text", "text": "No"},
    }


def render_card(
    deployment: Deployment,
    *,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> Message:
    """The card for a deployment's latest event; the duration runs from `started_at` to `finished_at`."""
    emoji, words, colour = _LOOKS[deployment.status]
    where = _where(deployment)
    headline = f"{emoji} *{words}*: {escape(where)}"

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
    if deployment.services:
        fields.insert(2, _field("Services", escape(", ".join(deployment.services))))
    blocks: list[Block] = [section(headline), {"type": "section", "fields": fields}]
    if deployment.details:
        blocks.append(context(escape(deployment.details)))

    when = finished_at if deployment.status.terminal and finished_at else deployment.at or started_at
    facts = [slack_date(when)] if when else []
    organization = deployment.organization.name  # a bare id says nothing to a reader
    if organization:
        facts.append(f"Organization {escape(organization)}")
    if facts:
        blocks.append(context(" · ".join(facts)))

    buttons = _buttons(deployment)
    if buttons:
        blocks.append({"type": "actions", "block_id": "deployment_actions", "elements": buttons})
    # The notification's words are mrkdwn too: escaped, or a project named <!channel> would ping everyone.
    fallback = escape(f"{words}: {where}" + (f" ({organization})" if organization else ""))
    return {
        "text": cut(fallback, SECTION_LIMIT),
        "attachments": [{"color": colour, "blocks": blocks, "fallback": cut(fallback, SECTION_LIMIT)}],
    }


def _buttons(deployment: Deployment) -> list[Block]:
    buttons: list[Block] = []
    url = console_url(deployment)
    if url:
        buttons.append(_button("Open in Qovery", OPEN_ACTION, url=url))
    if not deployment.environment.id:
        return buttons
    value = ButtonValue(deployment.environment.id, deployment.organization.id).dump()
    where = escape(_where(deployment))
    if deployment.status in (DeploymentStatus.FAILED, DeploymentStatus.CANCELLED):
        confirm = _confirm("Redeploy?", f"Qovery deploys {where} again.", "Redeploy")
        buttons.append(_button("Redeploy", REDEPLOY_ACTION, style="primary", value=value, confirm=confirm))
    elif deployment.status is DeploymentStatus.RUNNING:
        confirm = _confirm("Cancel the deployment?", f"Qovery stops deploying {where}.", "Cancel it")
        confirm["style"] = "danger"
        buttons.append(
            _button("Cancel deployment", CANCEL_ACTION, style="danger", value=value, confirm=confirm)
        )
    return buttons


# What a SLACK body may carry into the channel; anything else (a username, an icon, a channel) is dropped.
_KEPT_KEYS = ("text", "blocks", "attachments")
_MASS_MENTION = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>")


def sanitize_slack_body(body: dict[str, Any]) -> Message:
    """A SLACK body the bot could not read, posted as it came but for what could harm the channel:
    mass mentions become plain words, and only message content is kept."""
    kept = {key: body[key] for key in _KEPT_KEYS if key in body}
    cleaned = json.loads(
        _MASS_MENTION.sub(lambda m: "@" + m.group(0)[2:].split("|")[0].rstrip(">"), json.dumps(kept))
    )
    if isinstance(cleaned.get("blocks"), list):
        cleaned["blocks"] = cleaned["blocks"][:50]
    if not isinstance(cleaned.get("text"), str) or not cleaned["text"].strip():
        cleaned["text"] = "Qovery deployment notification"
    return dict(cleaned)


def render_delivery(body: object) -> Message | None:
    """What the bot would post for one delivery body on its own; None for a body that is not one."""
    kind = classify(body)
    if kind is None or not isinstance(body, dict):
        return None
    deployment = read_standard_body(body) if kind == "STANDARD" else read_slack_body(body)
    if deployment is not None:
        return render_card(deployment)
    if kind == "SLACK":
        return sanitize_slack_body(body)
    return {"text": unknown_event_words(body)}


def unknown_event_words(body: dict[str, Any]) -> str:
    return f"Qovery sent an event this bot does not know yet: `{escape(str(body.get('event_type')))[:80]}`."
