"""The webhook form (create, edit), built from the option table: building the view and reading its
submission are pure; its `private_metadata` carries where the command came from (channel,
response_url), since a submission does not say."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import Block, input_block, modal, option
from bot.errors import CommandError, FormError
from bot.forms import field_state
from bot.subscriptions.options import TABLE, Field, Option, WebhookOptions

__all__ = ["WEBHOOK_FORM", "read_webhook_form", "webhook_form"]

WEBHOOK_FORM = "webhook_form"


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


def _text_of(view: dict[str, Any], entry: Option[Any]) -> str:
    """What the form holds for an option, as the text the option reads."""
    state = field_state(view, entry.key)
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
