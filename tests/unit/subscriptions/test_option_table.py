"""The option table: each option's text form reads back to its value, on the command line, in the form
and in the stored settings alike."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from bot.commands import CreateWebhook, parse
from bot.commands.usage import help_message
from bot.errors import CommandError, FormError
from bot.qovery import EnvironmentType, WebhookEvent, WebhookKind
from bot.subscriptions.form import read_webhook_form, webhook_form
from bot.subscriptions.options import (
    BOT_KEPT,
    TABLE,
    DisplayMode,
    HookSettings,
    Mention,
    Only,
    QuietFailures,
    WebhookOptions,
)
from bot.subscriptions.times import DigestSchedule, QuietHours

VALUES: dict[str, Any] = {
    "events": (WebhookEvent.DEPLOYMENT_FAILURE, WebhookEvent.DEPLOYMENT_CANCELLED),
    "projects": ("billing*", "web"),
    "envs": (EnvironmentType.PRODUCTION,),
    "description": "Slack #ops",
    "kind": WebhookKind.STANDARD,
    "enabled": False,
    "mode": DisplayMode.THREAD,
    "services": ("api", "worker*"),
    "env_names": ("prod*",),
    "only": Only.CHANGES,
    "mention": (
        Mention("user", "U0ALICE01", "alice"),
        Mention("group", "S0ONCALL1", "oncall"),
        Mention("trigger"),
    ),
    "watch": 30,
    "quiet": QuietHours(time(22), time(8, 30), "Europe/Paris"),
    "quiet_failures": QuietFailures.HOLD,
    "digest": DigestSchedule(time(9), 0, "America/New_York"),
    "changes": False,
    "promote_to": "billing/production",
}


def test_every_option_has_a_value_here() -> None:
    assert [option.key for option in TABLE] == list(VALUES)


@pytest.mark.parametrize("option", TABLE, ids=lambda o: o.name)
def test_the_text_of_a_value_reads_back_to_it(option: Any) -> None:
    value = VALUES[option.key]
    assert option.read(option.text(value)) == value
    assert parse(f"subscribe --{option.name}={option.text(value)!r}") == CreateWebhook(
        WebhookOptions(**{option.key: value})
    )


def submitted(view: dict[str, Any]) -> dict[str, Any]:
    """The form sent back as it was opened: each field's initial value as the state Slack sends."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "plain_text_input":
            entry = {"value": element.get("initial_value", "")}
        elif element["type"] == "checkboxes":
            entry = {"selected_options": element.get("initial_options", [])}
        else:
            entry = {"selected_option": element["initial_option"]}
        state[block["block_id"]] = {block["block_id"]: entry}
    return {"state": {"values": state}}


def test_the_form_shows_every_option_and_reads_back_what_it_showed() -> None:
    view = webhook_form("Edit webhook", {}, WebhookOptions(**VALUES))
    assert [block["block_id"] for block in view["blocks"]] == list(VALUES)
    assert read_webhook_form(submitted(view)) == WebhookOptions(**VALUES)


def test_a_new_form_holds_the_defaults() -> None:
    options = read_webhook_form(submitted(webhook_form("New webhook", {})))
    assert set(options.events or ()) == set(WebhookEvent)
    assert (options.kind, options.enabled, options.mode) == (WebhookKind.SLACK, True, DisplayMode.UPDATE)
    assert options.description is None  # blank: the webhook keeps (or gets) its default


def test_a_form_without_events_is_refused_under_its_field() -> None:
    view = submitted(webhook_form("New webhook", {}))
    view["state"]["values"]["events"]["events"]["selected_options"] = []
    with pytest.raises(FormError) as refused:
        read_webhook_form(view)
    assert refused.value.errors == {"events": "Tick at least one event."}


def test_the_usage_lists_every_option() -> None:
    options = str(help_message("/qovery")["blocks"][2])
    assert all(f"`--{option.name}`" in options for option in TABLE)


def test_the_bot_kept_settings_survive_their_column() -> None:
    assert [option.name for option in BOT_KEPT] == [
        "mode",
        "services",
        "env-names",
        "only",
        "mention",
        "watch",
        "quiet",
        "quiet-failures",
        "digest",
        "changes",
        "promote-to",
    ]
    settings = HookSettings().merged(WebhookOptions(mode=DisplayMode.POST, events=VALUES["events"]))
    assert settings == HookSettings(mode=DisplayMode.POST)
    everything = HookSettings().merged(WebhookOptions(**VALUES))
    assert HookSettings.from_json(everything.to_json()) == everything
    assert HookSettings.from_json(settings.to_json()) == settings
    assert HookSettings.from_json('{"mode": "no such mode", "colour": "red"}') == HookSettings()
    assert HookSettings.from_json("not json") == HookSettings()


def test_a_wrong_value_names_the_accepted_ones() -> None:
    with pytest.raises(CommandError) as wrong:
        parse("subscribe --mode edit")
    assert wrong.value.accepted == ("update", "thread", "post")
