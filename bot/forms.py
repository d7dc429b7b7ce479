"""The bot's forms every capability uses: a token pasted once (connect, login), the organization
chosen, a notice, a loading view, and reading what a submission carries back. The webhook form is the
subscriptions' (`bot.subscriptions.form`).

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
    input_block,
    modal,
    option,
    plain_text,
    section,
)
from bot.errors import FormError
from bot.qovery import Organization

__all__ = [
    "CONNECT_FORM",
    "LOGIN_FORM",
    "ORGANIZATION_FORM",
    "FormError",
    "connect_form",
    "field_state",
    "loading_form",
    "login_form",
    "notice_form",
    "organization_form",
    "read_metadata",
    "read_organization",
    "read_token",
]

CONNECT_FORM = "connect_form"
LOGIN_FORM = "login_form"
ORGANIZATION_FORM = "connect_organization"


def field_state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """What a submitted view holds for one field (its block and element share the id)."""
    values: dict[str, Any] = view.get("state", {}).get("values", {}).get(block_id, {})
    state: dict[str, Any] = values.get(block_id, {})
    return state


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
    token = (field_state(view, "token").get("value") or "").strip()
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
    chosen = field_state(view, "organization").get("selected_option")
    if not chosen:
        raise FormError({"organization": "Choose an organization."})
    return str(chosen["value"])
