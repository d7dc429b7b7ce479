"""The bot's modals: the webhook form (create, edit), built from the option table, and the Qovery
connection.

Building a view and reading its submission are pure; each form's `private_metadata` carries where
the command came from (channel, response_url), since a submission does not say.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import (
    MAX_MENU_OPTIONS,
    PLACEHOLDER_LIMIT,
    Block,
    input_block,
    modal,
    option,
    plain_text,
    section,
)
from bot.errors import CommandError, FormError
from bot.options import TABLE, Field, Option, WebhookOptions
from bot.qovery import Organization

__all__ = [
    "CONNECT_FORM",
    "LOGIN_FORM",
    "ORGANIZATION_FORM",
    "WEBHOOK_FORM",
    "FormError",
    "connect_form",
    "loading_form",
    "login_form",
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
LOGIN_FORM = "login_form"
ORGANIZATION_FORM = "connect_organization"


def _element(field: Field, text: str) -> Block:
    """The field's element, showing the value whose text form is `text`."""
    if field.kind == "text":
        return {"type": "plain_text_input"} | ({"initial_value": text} if text else {})
    choices = [option(value, label) for value, label in field.choices]
    if field.kind == "radio":
        chosen = [o for o in choices if o["value"] == text] or choices[:1]
        return {"type": "radio_buttons", "options": choices, "initial_option": chosen[0]}
    element: Block = {"type": "checkboxes", "options": choices}
    ticked = [o for o in choices if o["value"] in text.split(",")]
    if ticked:
        element["initial_options"] = ticked
    return element


def webhook_form(
    title: str, metadata: dict[str, str], initial: WebhookOptions | None = None
) -> dict[str, Any]:
    """The create or edit form; `initial` fills it in, each option's default where it gives nothing."""
    blocks = []
    for entry in TABLE:
        value = getattr(initial, entry.key, None) if initial else None
        value = entry.default if value is None else value
        text = "" if value is None else entry.text(value)
        field = entry.field
        blocks.append(
            input_block(
                entry.key, field.label, _element(field, text), optional=field.optional, hint=field.hint
            )
        )
    return modal(
        title, blocks, submit="Save", callback_id=WEBHOOK_FORM, private_metadata=json.dumps(metadata)
    )


def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values: dict[str, Any] = view.get("state", {}).get("values", {}).get(block_id, {})
    state: dict[str, Any] = values.get(block_id, {})
    return state


def _text_of(view: dict[str, Any], entry: Option[Any]) -> str:
    """What the form holds for an option, as the text the option reads."""
    state = _state(view, entry.key)
    if entry.field.kind == "text":
        return str(state.get("value") or "").strip()
    if entry.field.kind == "radio":
        return str((state.get("selected_option") or {}).get("value") or "")
    ticked = ",".join(str(o.get("value")) for o in state.get("selected_options") or [])
    return ticked or entry.field.off


def read_webhook_form(view: dict[str, Any]) -> WebhookOptions:
    """The form's values as options; every field is given, so an edit writes them all (but a blank
    field that means "unchanged"). Refused under its field when a value does not read."""
    values: dict[str, Any] = {}
    sent = view.get("state", {}).get("values", {})
    for entry in TABLE:
        if entry.key not in sent:
            continue  # a field the form did not send changes nothing
        text = _text_of(view, entry)
        if not text and entry.field.blank_means_unchanged:
            continue
        if not text and entry.field.empty:
            raise FormError({entry.key: entry.field.empty})
        try:
            values[entry.key] = entry.read(text)
        except CommandError as error:
            raise FormError({entry.key: error.message.replace("`", "")}) from None
    return WebhookOptions(**values)


def read_metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def loading_form(title: str) -> dict[str, Any]:
    """Shown at once, while the real form's values are fetched: a trigger expires in 3 seconds."""
    return modal(title, [section(":hourglass: Asking Qovery…")])


def notice_form(title: str, mrkdwn: str) -> dict[str, Any]:
    return modal(title, [section(mrkdwn)], close="Close")


def connect_form(metadata: dict[str, str]) -> dict[str, Any]:
    hint = (
        "Create one in the Qovery console: Organization settings → API tokens, with the Admin or DevOps "
        "role. It is stored encrypted and never shown again."
    )
    return _token_form("Connect Qovery", "Qovery API token", hint, "Connect", CONNECT_FORM, metadata)


def login_form(metadata: dict[str, str]) -> dict[str, Any]:
    hint = (
        "Create it in the Qovery console while signed in as yourself: Organization settings → API "
        "tokens, with your own role. Your actions from Slack then run as you at Qovery. It is stored "
        "encrypted, never shown again, and forgotten at logout."
    )
    return _token_form("Log in to Qovery", "Your own Qovery API token", hint, "Log in", LOGIN_FORM, metadata)


def _token_form(
    title: str, label: str, hint: str, submit: str, callback_id: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """A form with one field, for a token pasted once."""
    element = {"type": "plain_text_input", "placeholder": plain_text("qov_...", PLACEHOLDER_LIMIT)}
    return modal(
        title,
        [input_block("token", label, element, hint=hint)],
        submit=submit,
        callback_id=callback_id,
        private_metadata=json.dumps(metadata),
    )


def read_token(view: dict[str, Any]) -> str:
    token = (_state(view, "token").get("value") or "").strip()
    if not token:
        raise FormError({"token": "Paste a Qovery API token."})
    return token


def organization_form(organizations: Sequence[Organization], metadata: dict[str, str]) -> dict[str, Any]:
    menu = {
        "type": "static_select",
        "options": [option(o.id, o.name) for o in organizations[:MAX_MENU_OPTIONS]],
    }
    choice = input_block(
        "organization",
        "Organization",
        menu,
        hint="The token sees several organizations: choose the one this workspace manages.",
    )
    return modal(
        "Connect Qovery",
        [choice],
        submit="Connect",
        callback_id=ORGANIZATION_FORM,
        private_metadata=json.dumps(metadata),
    )


def read_organization(view: dict[str, Any]) -> str:
    chosen = _state(view, "organization").get("selected_option")
    if not chosen:
        raise FormError({"organization": "Choose an organization."})
    return str(chosen["value"])
