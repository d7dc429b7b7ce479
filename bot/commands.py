"""The slash command's grammar: the text after `/qovery` becomes a typed command, or a `CommandError`.

Pure: no I/O. Words are split like a shell does, so quoted arguments keep their spaces; options take
`--name value` or `--name=value`. Event and environment names are read in any case, and the short
event names (`failure`) mean the API's (`DEPLOYMENT_FAILURE`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from bot.qovery import EnvironmentType, WebhookEvent, WebhookKind
from bot.subscriptions import DisplayMode

__all__ = [
    "ALL_EVENTS",
    "OPTIONS",
    "SUBCOMMANDS",
    "WEBHOOK_ACTIONS",
    "Command",
    "CommandError",
    "Connect",
    "CreateWebhook",
    "DeleteWebhook",
    "Disconnect",
    "EditWebhook",
    "Help",
    "ListWebhooks",
    "SetEnabled",
    "ShowDeliveries",
    "ShowWebhook",
    "Unsubscribe",
    "WebhookOptions",
    "parse",
    "parse_events",
]

T = TypeVar("T")

# Every subcommand of the specification, in the order the usage lists them.
SUBCOMMANDS = ("help", "connect", "disconnect", "webhook", "subscribe", "unsubscribe", "deliveries")
WEBHOOK_ACTIONS = ("list", "create", "show", "edit", "enable", "disable", "delete")
MIN_ID_PREFIX = 6

_SHORT_EVENTS = {
    "started": WebhookEvent.DEPLOYMENT_STARTED,
    "successful": WebhookEvent.DEPLOYMENT_SUCCESSFUL,
    "failure": WebhookEvent.DEPLOYMENT_FAILURE,
    "cancelled": WebhookEvent.DEPLOYMENT_CANCELLED,
}
ALL_EVENTS = tuple(_SHORT_EVENTS.values())


class CommandError(Exception):
    """The text does not follow the grammar; `word` is the offending word, `accepted` what would do."""

    def __init__(self, message: str, word: str = "", accepted: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.word = word
        self.accepted = accepted


@dataclass(frozen=True)
class WebhookOptions:
    """The options of create and edit; None means "not given" (edit keeps what the webhook has)."""

    events: tuple[WebhookEvent, ...] | None = None
    projects: tuple[str, ...] | None = None
    envs: tuple[EnvironmentType, ...] | None = None
    description: str | None = None
    kind: WebhookKind | None = None
    enabled: bool | None = None
    mode: DisplayMode | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True)
class Help:
    """Show the usage."""


@dataclass(frozen=True)
class Connect:
    pass


@dataclass(frozen=True)
class Disconnect:
    pass


@dataclass(frozen=True)
class ListWebhooks:
    pass


@dataclass(frozen=True)
class ShowWebhook:
    webhook: str  # a full id or a prefix of at least 6 characters


@dataclass(frozen=True)
class CreateWebhook:
    options: WebhookOptions  # empty: open the form


@dataclass(frozen=True)
class EditWebhook:
    webhook: str
    options: WebhookOptions  # empty: open the form, filled in


@dataclass(frozen=True)
class SetEnabled:
    webhook: str
    enabled: bool


@dataclass(frozen=True)
class DeleteWebhook:
    webhook: str


@dataclass(frozen=True)
class Unsubscribe:
    pass


@dataclass(frozen=True)
class ShowDeliveries:
    """This channel's last deliveries, as the bot saw them."""


Command = (
    Help
    | Connect
    | Disconnect
    | ListWebhooks
    | ShowWebhook
    | CreateWebhook
    | EditWebhook
    | SetEnabled
    | DeleteWebhook
    | Unsubscribe
    | ShowDeliveries
)


def parse(text: str) -> Command:
    try:
        words = shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise CommandError(f"The command could not be read: {error}.", word=text) from None
    if not words or words[0].lower() == "help":
        return Help()
    subcommand, rest = words[0].lower(), words[1:]
    match subcommand:
        case "connect" | "disconnect" | "unsubscribe":
            _no_more(subcommand, rest)
            simple: dict[str, Command] = {
                "connect": Connect(),
                "disconnect": Disconnect(),
                "unsubscribe": Unsubscribe(),
            }
            return simple[subcommand]
        case "subscribe":
            return CreateWebhook(_options(rest))
        case "webhook":
            return _webhook(rest)
        case "deliveries":
            _no_more(subcommand, rest)
            return ShowDeliveries()
    raise CommandError(f"Unknown subcommand `{words[0]}`.", word=words[0], accepted=SUBCOMMANDS)


def _webhook(words: list[str]) -> Command:
    if not words:
        raise CommandError("`webhook` needs an action.", accepted=WEBHOOK_ACTIONS)
    action, rest = words[0].lower(), words[1:]
    match action:
        case "list":
            _no_more("webhook list", rest)
            return ListWebhooks()
        case "create":
            return CreateWebhook(_options(rest))
    if action not in WEBHOOK_ACTIONS:
        raise CommandError(f"Unknown webhook action `{words[0]}`.", word=words[0], accepted=WEBHOOK_ACTIONS)
    if not rest or rest[0].startswith("--"):
        raise CommandError(f"`webhook {action}` needs the webhook's id (or its first 6 characters).")
    webhook, rest = _webhook_id(rest[0]), rest[1:]
    if action == "edit":
        return EditWebhook(webhook, _options(rest))
    _no_more(f"webhook {action}", rest)
    match action:
        case "show":
            return ShowWebhook(webhook)
        case "enable" | "disable":
            return SetEnabled(webhook, enabled=action == "enable")
    return DeleteWebhook(webhook)


def _webhook_id(word: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F-]+", word):
        raise CommandError(f"`{word}` is not a webhook id: ids are hexadecimal, such as 3f2a9c.", word=word)
    if len(word) < MIN_ID_PREFIX:
        raise CommandError(
            f"`{word}` is too short: give at least {MIN_ID_PREFIX} characters of the webhook's id.", word=word
        )
    return word.lower()


def _no_more(what: str, words: list[str]) -> None:
    if words:
        raise CommandError(f"`{what}` takes no arguments, but got `{words[0]}`.", word=words[0])


# -- options -------------------------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_events(value: str) -> tuple[WebhookEvent, ...]:
    """`all`, or comma-separated short or API names in any case."""
    events: list[WebhookEvent] = []
    for word in _split(value):
        lowered = word.lower()
        if lowered == "all":
            return ALL_EVENTS
        event = _SHORT_EVENTS.get(lowered) or _SHORT_EVENTS.get(lowered.removeprefix("deployment_"))
        if event is None:
            accepted = (*_SHORT_EVENTS, "all", *(e.value for e in ALL_EVENTS))
            raise CommandError(f"Unknown event `{word}`.", word=word, accepted=accepted)
        if event not in events:
            events.append(event)
    if not events:
        raise CommandError("`--events` needs at least one event.", accepted=(*_SHORT_EVENTS, "all"))
    return tuple(events)


def _envs(value: str) -> tuple[EnvironmentType, ...]:
    envs: list[EnvironmentType] = []
    for word in _split(value):
        try:
            env = EnvironmentType(word.upper())
        except ValueError:
            accepted = tuple(e.value.lower() for e in EnvironmentType)
            raise CommandError(f"Unknown environment type `{word}`.", word=word, accepted=accepted) from None
        if env not in envs:
            envs.append(env)
    return tuple(envs)


def _projects(value: str) -> tuple[str, ...]:
    for name in _split(value):
        if "*" in name[:-1]:
            raise CommandError(
                f"`{name}`: a `*` is a wildcard only at the end of a project name, such as `billing*`.",
                word=name,
            )
    return tuple(_split(value))


def _choice(option: str, choices: dict[str, T]) -> Callable[[str], T]:
    def read(value: str) -> T:
        try:
            return choices[value.lower()]
        except KeyError:
            accepted = tuple(choices)
            raise CommandError(
                f"`{value}` is not a value of `--{option}`.", word=value, accepted=accepted
            ) from None

    return read


_KINDS = _choice("kind", {"slack": WebhookKind.SLACK, "standard": WebhookKind.STANDARD})
_BOOLEANS = _choice("enabled", {"true": True, "false": False})
_MODES = _choice("mode", {mode.value: mode for mode in DisplayMode})

OPTIONS = ("--events", "--projects", "--envs", "--description", "--kind", "--enabled", "--mode")


def _options(words: list[str]) -> WebhookOptions:
    values: dict[str, Any] = {}
    index = 0
    while index < len(words):
        word = words[index]
        name, has_value, value = word.partition("=")
        if not name.startswith("--") or name.lower() not in OPTIONS:
            if name.startswith("--"):
                raise CommandError(f"Unknown option `{name}`.", word=name, accepted=OPTIONS)
            raise CommandError(
                f"Unexpected word `{word}`: options start with `--`.", word=word, accepted=OPTIONS
            )
        name = name.lower()
        if not has_value:
            index += 1
            if index >= len(words) or words[index].startswith("--"):
                raise CommandError(f"`{name}` needs a value.", word=name)
            value = words[index]
        key = name.removeprefix("--")
        if key in values:
            raise CommandError(f"`{name}` is given twice.", word=name)
        values[key] = _read_option(key, value)
        index += 1
    return WebhookOptions(**values)


def _read_option(key: str, value: str) -> Any:
    match key:
        case "events":
            return parse_events(value)
        case "projects":
            return _projects(value)
        case "envs":
            return _envs(value)
        case "description":
            return value
        case "kind":
            return _KINDS(value)
        case "enabled":
            return _BOOLEANS(value)
    return _MODES(value)
