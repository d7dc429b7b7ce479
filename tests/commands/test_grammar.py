"""The slash command's grammar, as a pure function: every subcommand, option and value of the spec."""

from __future__ import annotations

import pytest

from bot.commands import (
    ALL_EVENTS,
    OPTIONS,
    CommandError,
    Connect,
    CreateWebhook,
    DeleteWebhook,
    Disconnect,
    EditWebhook,
    Help,
    ListWebhooks,
    SetEnabled,
    ShowDeliveries,
    ShowWebhook,
    Unsubscribe,
    WebhookOptions,
    parse,
)
from bot.qovery import EnvironmentType, WebhookEvent, WebhookKind
from bot.subscriptions.options import DisplayMode

ID = "3f2a9c1b-0000-4000-8000-000000000001"
ALL = ALL_EVENTS


def error_of(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("help", Help()),
        ("connect", Connect()),
        ("DISCONNECT", Disconnect()),
        ("unsubscribe", Unsubscribe()),
        ("deliveries", ShowDeliveries()),
        ("webhook list", ListWebhooks()),
        (f"webhook show {ID}", ShowWebhook(ID)),
        ("webhook show 3F2A9C", ShowWebhook("3f2a9c")),
        ("webhook enable 3f2a9c", SetEnabled("3f2a9c", enabled=True)),
        ("webhook disable 3f2a9c", SetEnabled("3f2a9c", enabled=False)),
        ("webhook delete 3f2a9c", DeleteWebhook("3f2a9c")),
        ("webhook create", CreateWebhook(WebhookOptions())),
        ("subscribe", CreateWebhook(WebhookOptions())),
        ("webhook edit 3f2a9c", EditWebhook("3f2a9c", WebhookOptions())),
    ],
)
def test_each_subcommand(text: str, command: object) -> None:
    assert parse(text) == command


def test_every_option_in_both_forms() -> None:
    text = (
        "webhook create --events=failure,CANCELLED --projects 'billing*,web' "
        '--envs Production,staging --description "Prod failures" --kind STANDARD '
        "--enabled=false --mode thread"
    )
    assert parse(text) == CreateWebhook(
        WebhookOptions(
            events=(WebhookEvent.DEPLOYMENT_FAILURE, WebhookEvent.DEPLOYMENT_CANCELLED),
            projects=("billing*", "web"),
            envs=(EnvironmentType.PRODUCTION, EnvironmentType.STAGING),
            description="Prod failures",
            kind=WebhookKind.STANDARD,
            enabled=False,
            mode=DisplayMode.THREAD,
        )
    )


@pytest.mark.parametrize(
    ("value", "events"),
    [
        ("all", ALL),
        ("ALL", ALL),
        ("started", (WebhookEvent.DEPLOYMENT_STARTED,)),
        ("DEPLOYMENT_FAILURE", (WebhookEvent.DEPLOYMENT_FAILURE,)),
        (
            "deployment_successful,Failure",
            (WebhookEvent.DEPLOYMENT_SUCCESSFUL, WebhookEvent.DEPLOYMENT_FAILURE),
        ),
        ("failure,failure", (WebhookEvent.DEPLOYMENT_FAILURE,)),
    ],
)
def test_event_names_in_any_case_and_form(value: str, events: tuple[WebhookEvent, ...]) -> None:
    assert parse(f"subscribe --events {value}") == CreateWebhook(WebhookOptions(events=events))


def test_edit_takes_only_what_is_given() -> None:
    assert parse("webhook edit 3f2a9c --mode post") == EditWebhook(
        "3f2a9c", WebhookOptions(mode=DisplayMode.POST)
    )


def test_an_empty_filter_clears_it() -> None:
    assert parse("webhook edit 3f2a9c --projects '' --envs=") == EditWebhook(
        "3f2a9c", WebhookOptions(projects=(), envs=())
    )


@pytest.mark.parametrize(
    ("text", "word", "accepted"),
    [
        (
            "deploi",
            "deploi",
            ("help", "connect", "disconnect", "webhook", "subscribe", "unsubscribe", "deliveries"),
        ),
        (
            "webhook remove 3f2a9c",
            "remove",
            ("list", "create", "show", "edit", "enable", "disable", "delete"),
        ),
        ("subscribe --colour red", "--colour", OPTIONS),
        ("subscribe failure", "failure", OPTIONS),
        ("subscribe --events deployed", "deployed", ("started", "successful", "failure", "cancelled", "all")),
        ("subscribe --envs prod", "prod", ("development", "preview", "production", "staging")),
        ("subscribe --kind teams", "teams", ("slack", "standard")),
        ("subscribe --enabled yes", "yes", ("true", "false")),
        ("subscribe --mode edit", "edit", ("update", "thread", "post")),
    ],
)
def test_a_wrong_word_is_named_with_the_accepted_ones(
    text: str, word: str, accepted: tuple[str, ...]
) -> None:
    error = error_of(text)
    assert error.word == word
    assert f"`{word}`" in error.message
    assert error.accepted[: len(accepted)] == accepted


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe --events", "`--events` needs a value"),
        ("subscribe --events --envs production", "`--events` needs a value"),
        ("subscribe --events=", "`--events` needs at least one event"),
        ("subscribe --mode post --mode thread", "`--mode` is given twice"),
        ("subscribe --projects 'bil*ing'", "a `*` is a wildcard only at the end"),
        ("webhook show", "`webhook show` needs the webhook's id"),
        ("webhook show 3f2a9", "`3f2a9` is too short: give at least 6 characters"),
        ("webhook show my-hook", "`my-hook` is not a webhook id"),
        ("webhook show 3f2a9c extra", "`webhook show` takes no arguments, but got `extra`"),
        ("webhook list all", "`webhook list` takes no arguments, but got `all`"),
        ("webhook", "`webhook` needs an action"),
        ("deliveries all", "`deliveries` takes no arguments, but got `all`"),
        ("webhook create --description 'half", "could not be read"),
    ],
)
def test_malformed_commands_are_explained(text: str, says: str) -> None:
    assert says in error_of(text).message
