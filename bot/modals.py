"""The bot's modals: the webhook form (create, edit), and the Qovery connection.

Building a view and reading its submission are pure; each form's `private_metadata` carries where
the command came from (channel, response_url), since a submission does not say.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, cut
from bot.commands import ALL_EVENTS, CommandError, WebhookOptions, parse_events
from bot.qovery import EnvironmentType, Organization, WebhookKind
from bot.subscriptions import DisplayMode

__all__ = [
    "CONNECT_FORM",
    "ORGANIZATION_FORM",
    "WEBHOOK_FORM",
    "FormError",
    "connect_form",
    "loading_form",
    "notice_form",
    "organization_form",
    "read_metadata",
    "read_organization",
    "read_token",
    "read_webhook_form",
    "webhook_form",
]

WEBHOOK_FORM = "webhook_form"
CONNECT_FORM = "connect_form"
ORGANIZATION_FORM = "connect_organization"

_EVENT_LABELS = {
    "DEPLOYMENT_STARTED": "Started",
    "DEPLOYMENT_SUCCESSFUL": "Successful",
    "DEPLOYMENT_FAILURE": "Failed",
    "DEPLOYMENT_CANCELLED": "Cancelled",
}
_MODE_LABELS = {
    DisplayMode.UPDATE: "One card per deployment, edited in place",
    DisplayMode.THREAD: "One card, later events in its thread",
    DisplayMode.POST: "A new message for each event",
}


class FormError(Exception):
    """A submission to refuse, with a message under each field (block id -> text)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _text(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(value, 75)}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": {"action_id": block_id, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": cut(hint, 2000)}
    return block


def _checkboxes(options: list[dict[str, Any]], chosen: Sequence[str]) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "checkboxes", "options": options}
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return element


def _radio(options: list[dict[str, Any]], chosen: str) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "options": options,
        "initial_option": next(o for o in options if o["value"] == chosen),
    }


def webhook_form(
    title: str, metadata: dict[str, str], initial: WebhookOptions | None = None
) -> dict[str, Any]:
    """The create or edit form; `initial` fills it in (create: all events, enabled, Slack kind)."""
    now = initial or WebhookOptions()
    events = [e.value for e in (now.events if now.events is not None else ALL_EVENTS)]
    envs = [e.value for e in now.envs or ()]
    text_input: dict[str, Any] = {"type": "plain_text_input"}
    return {
        "type": "modal",
        "callback_id": WEBHOOK_FORM,
        "private_metadata": json.dumps(metadata),
        "title": _text(title),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "blocks": [
            _input(
                "events",
                "Events",
                _checkboxes([_option(v, label) for v, label in _EVENT_LABELS.items()], events),
            ),
            _input(
                "envs",
                "Environment types",
                _checkboxes([_option(e.value, e.value.title()) for e in EnvironmentType], envs),
                optional=True,
                hint="None ticked: every environment type.",
            ),
            _input(
                "projects",
                "Project names",
                text_input | ({"initial_value": ", ".join(now.projects)} if now.projects else {}),
                optional=True,
                hint="Comma-separated; a trailing * is a wildcard, such as billing*. Empty: every project.",
            ),
            _input(
                "description",
                "Description",
                text_input | ({"initial_value": now.description} if now.description else {}),
                optional=True,
                hint="Empty: Slack #channel.",
            ),
            _input(
                "mode",
                "In the channel",
                _radio(
                    [_option(m.value, label) for m, label in _MODE_LABELS.items()],
                    (now.mode or DisplayMode.UPDATE).value,
                ),
            ),
            _input(
                "kind",
                "Kind",
                _radio(
                    [_option("SLACK", "Slack message"), _option("STANDARD", "Standard JSON event")],
                    (now.kind or WebhookKind.SLACK).value,
                ),
            ),
            _input(
                "enabled",
                "State",
                _checkboxes([_option("true", "Enabled")], ["true"] if now.enabled is not False else []),
                optional=True,
            ),
        ],
    }


def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values: dict[str, Any] = view.get("state", {}).get("values", {}).get(block_id, {})
    state: dict[str, Any] = values.get(block_id, {})
    return state


def _selected(view: dict[str, Any], block_id: str) -> list[str]:
    return [str(o["value"]) for o in _state(view, block_id).get("selected_options") or []]


def read_webhook_form(view: dict[str, Any]) -> WebhookOptions:
    """The form's values as options; every field is given, so an edit writes them all."""
    try:
        events = parse_events(",".join(_selected(view, "events")))
    except CommandError:
        raise FormError({"events": "Tick at least one event."}) from None
    projects = tuple(p.strip() for p in (_state(view, "projects").get("value") or "").split(",") if p.strip())
    bad = [p for p in projects if "*" in p[:-1]]
    if bad:
        raise FormError(
            {"projects": f"A * is a wildcard only at the end of a name, such as billing* ({bad[0]})."}
        )
    return WebhookOptions(
        events=events,
        projects=projects,
        envs=tuple(EnvironmentType(v) for v in _selected(view, "envs")),
        description=(_state(view, "description").get("value") or "").strip() or None,
        kind=WebhookKind(_state(view, "kind")["selected_option"]["value"]),
        enabled="true" in _selected(view, "enabled"),
        mode=DisplayMode(_state(view, "mode")["selected_option"]["value"]),
    )


def read_metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def loading_form(title: str) -> dict[str, Any]:
    """Shown at once, while the real form's values are fetched: a trigger expires in 3 seconds."""
    return {
        "type": "modal",
        "title": _text(title),
        "close": _text("Cancel"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ":hourglass: Asking Qovery…"}}],
    }


def notice_form(title: str, mrkdwn: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _text(title),
        "close": _text("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": cut(mrkdwn, 3000)}}],
    }


def connect_form(metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CONNECT_FORM,
        "private_metadata": json.dumps(metadata),
        "title": _text("Connect Qovery"),
        "submit": _text("Connect"),
        "close": _text("Cancel"),
        "blocks": [
            _input(
                "token",
                "Qovery API token",
                {"type": "plain_text_input", "placeholder": _text("qov_...")},
                hint="Create one in the Qovery console: Organization settings → API tokens, with the "
                "Admin or DevOps role. It is stored encrypted and never shown again.",
            )
        ],
    }


def read_token(view: dict[str, Any]) -> str:
    token = (_state(view, "token").get("value") or "").strip()
    if not token:
        raise FormError({"token": "Paste a Qovery API token."})
    return token


def organization_form(organizations: Sequence[Organization], metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ORGANIZATION_FORM,
        "private_metadata": json.dumps(metadata),
        "title": _text("Connect Qovery"),
        "submit": _text("Connect"),
        "close": _text("Cancel"),
        "blocks": [
            _input(
                "organization",
                "Organization",
                {
                    "type": "static_select",
                    "options": [_option(o.id, o.name) for o in organizations[:100]],
                },
                hint="The token sees several organizations: choose the one this workspace manages.",
            )
        ],
    }


def read_organization(view: dict[str, Any]) -> str:
    chosen = _state(view, "organization").get("selected_option")
    if not chosen:
        raise FormError({"organization": "Choose an organization."})
    return str(chosen["value"])
