"""The slash command's grammar: the text after `/qovery` becomes a typed command, or a `CommandError`.

Pure: no I/O. Words are split like a shell does, so quoted arguments keep their spaces; options take
`--name value` or `--name=value`. Event and environment names are read in any case, and the short
event names (`failure`) mean the API's (`DEPLOYMENT_FAILURE`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.action_plans import ActionKind
from bot.errors import CommandError
from bot.options import ALL_EVENTS, OPTIONS, WebhookOptions, option_named, parse_events

__all__ = [
    "ALL_EVENTS",
    "GRAMMAR",
    "OPTIONS",
    "SUBCOMMANDS",
    "WEBHOOK_ACTIONS",
    "Act",
    "Command",
    "CommandError",
    "Connect",
    "CreateWebhook",
    "DeleteWebhook",
    "Disconnect",
    "Doctor",
    "EditWebhook",
    "Help",
    "ListWebhooks",
    "Login",
    "Logout",
    "SetEnabled",
    "ShowDeliveries",
    "ShowHistory",
    "ShowStatus",
    "ShowWebhook",
    "Subcommand",
    "Unsubscribe",
    "WebhookOptions",
    "parse",
    "parse_events",
]

MIN_ID_PREFIX = 6


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
class ShowStatus:
    """The environments' state; `where` is `project[/environment]` as typed, or empty for all."""

    where: str = ""


@dataclass(frozen=True)
class ShowHistory:
    where: str  # project/environment


@dataclass(frozen=True)
class ShowDeliveries:
    """This channel's last deliveries, as the bot saw them."""


@dataclass(frozen=True)
class Act:
    """An action on an environment (SPEC §12), confirmed before it runs."""

    kind: ActionKind
    where: str  # project/environment
    service: str | None = None  # deploy only: one service, at `commit` or `tag`
    commit: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Doctor:
    """What keeps this workspace's subscriptions from notifying, each with its repair."""


@dataclass(frozen=True)
class Login:
    """Open the form for the user's own Qovery token."""


@dataclass(frozen=True)
class Logout:
    pass


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
    | ShowStatus
    | ShowHistory
    | Act
    | Login
    | Logout
    | Doctor
)


@dataclass(frozen=True)
class Subcommand:
    """One line of the grammar: the words that name it, how its arguments are read, its usage."""

    words: str  # "webhook edit"
    arguments: str  # "<id> [options]", for the usage
    help: str  # what it does, for the usage
    build: Callable[[str, list[str]], Command]  # (its words, the rest of the text) -> the command


def _bare(command: Command) -> Callable[[str, list[str]], Command]:
    def build(words: str, rest: list[str]) -> Command:
        _no_more(words, rest)
        return command

    return build


def _on_webhook(build: Callable[[str, str, list[str]], Command]) -> Callable[[str, list[str]], Command]:
    """A subcommand about one webhook: its id first, then the rest."""

    def read(words: str, rest: list[str]) -> Command:
        if not rest or rest[0].startswith("--"):
            raise CommandError(f"`{words}` needs the webhook's id (or its first 6 characters).")
        return build(words, _webhook_id(rest[0]), rest[1:])

    return read


def _one_webhook(command: Callable[[str], Command]) -> Callable[[str, list[str]], Command]:
    def build(words: str, webhook: str, rest: list[str]) -> Command:
        _no_more(words, rest)
        return command(webhook)

    return _on_webhook(build)


def _acting(kind: ActionKind) -> Callable[[str, list[str]], Command]:
    def build(words: str, rest: list[str]) -> Command:
        return Act(kind, _exactly_one(words, rest, "`billing/production`"))

    return build


_DEPLOY_OPTIONS = ("--service", "--commit", "--tag")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # a container image tag, as registries allow


def _deploy(words: list[str]) -> Command:
    if not words or words[0].startswith("--"):
        raise CommandError("`deploy` needs the environment first, such as `billing/production`.")
    where, rest, values = words[0], list(words[1:]), dict[str, str]()
    while rest:
        name, has_value, value = rest.pop(0).partition("=")
        if name.lower() not in _DEPLOY_OPTIONS:
            raise CommandError(f"Unexpected word `{name}`.", word=name, accepted=_DEPLOY_OPTIONS)
        if not has_value:
            if not rest or rest[0].startswith("--"):
                raise CommandError(f"`{name}` needs a value.", word=name)
            value = rest.pop(0)
        if name.lower() in values:
            raise CommandError(f"`{name}` is given twice.", word=name)
        values[name.lower()] = value
    service, commit, tag = (values.get(o) for o in _DEPLOY_OPTIONS)
    if (service is None) != (commit is None and tag is None) or (commit and tag):
        raise CommandError("Give `--service` with exactly one of `--commit` or `--tag`, or none of them.")
    if commit is not None and not _COMMIT.fullmatch(commit):
        raise CommandError(
            f"`{commit[:60]}` is not a full commit id: give its 40 hexadecimal characters.", word=commit
        )
    if tag is not None and not _TAG.fullmatch(tag):
        raise CommandError(f"`{tag[:60]}` is not an image tag.", word=tag)
    return Act(ActionKind.DEPLOY, where, service, commit.lower() if commit else None, tag)


# The grammar, in the order the usage lists it. Adding a subcommand: a line here, its command above,
# and its handler in bot/handlers.py.
GRAMMAR: tuple[Subcommand, ...] = (
    Subcommand("help", "", "this help", _bare(Help())),
    Subcommand("connect", "", "paste a Qovery API token for this workspace (admins)", _bare(Connect())),
    Subcommand("disconnect", "", "forget this workspace's Qovery token (admins)", _bare(Disconnect())),
    Subcommand(
        "webhook list", "", "every webhook of the organization, and the channel each one notifies",
        _bare(ListWebhooks()),
    ),
    Subcommand(
        "webhook create", "[options]", "a webhook that notifies this channel; no options opens a form",
        lambda _, rest: CreateWebhook(_options(rest)),
    ),
    Subcommand("webhook show", "<id>", "one webhook and its last 10 deliveries", _one_webhook(ShowWebhook)),
    Subcommand(
        "webhook edit", "<id> [options]", "change only the options given; no options opens a form",
        _on_webhook(lambda _, webhook, rest: EditWebhook(webhook, _options(rest))),
    ),
    Subcommand(
        "webhook enable", "<id>", "turn a webhook on", _one_webhook(lambda w: SetEnabled(w, enabled=True))
    ),
    Subcommand(
        "webhook disable", "<id>", "turn a webhook off", _one_webhook(lambda w: SetEnabled(w, enabled=False))
    ),
    Subcommand(
        "webhook delete", "<id>", "delete a webhook, after a confirmation", _one_webhook(DeleteWebhook)
    ),
    Subcommand(
        "subscribe", "[options]", "same as webhook create",
        lambda _, rest: CreateWebhook(_options(rest)),
    ),
    Subcommand(
        "unsubscribe", "", "the webhooks that notify this channel, each with a delete button",
        _bare(Unsubscribe()),
    ),
    Subcommand(
        "deliveries", "", "this channel's last 20 deliveries; failed ones can be replayed",
        _bare(ShowDeliveries()),
    ),
    Subcommand(
        "status", "[project[/environment]]", "the environments' state and their last deployment",
        lambda words, rest: ShowStatus(_at_most_one(words, rest)),
    ),
    Subcommand(
        "history", "<project>/<environment>", "its last 10 deployments: when, who, what, versions",
        lambda words, rest: ShowHistory(_exactly_one(words, rest, "`billing/production`")),
    ),
    Subcommand(
        "deploy", "<project>/<environment> [--service S --commit SHA | --tag T]",
        "every service at its latest version, or one service at a version", lambda _, rest: _deploy(rest),
    ),
    Subcommand("redeploy", "<project>/<environment>", "deploy it again", _acting(ActionKind.REDEPLOY)),
    Subcommand(
        "cancel", "<project>/<environment>", "cancel its running deployment", _acting(ActionKind.CANCEL)
    ),
    Subcommand("stop", "<project>/<environment>", "stop its services", _acting(ActionKind.STOP)),
    Subcommand(
        "rollback", "<project>/<environment>", "every service back to its version in the last good one",
        _acting(ActionKind.ROLLBACK),
    ),
    Subcommand(
        "doctor", "", "what keeps subscriptions from notifying (a moved bot, a deleted webhook ...)",
        _bare(Doctor()),
    ),
    Subcommand("login", "", "your own Qovery token: your actions then run as you at Qovery", _bare(Login())),
    Subcommand("logout", "", "forget your own Qovery token", _bare(Logout())),
)  # fmt: skip
_BY_WORDS = {subcommand.words: subcommand for subcommand in GRAMMAR}
SUBCOMMANDS = tuple(dict.fromkeys(subcommand.words.split()[0] for subcommand in GRAMMAR))
WEBHOOK_ACTIONS = tuple(s.words.split()[1] for s in GRAMMAR if s.words.startswith("webhook "))


def parse(text: str) -> Command:
    try:
        words = shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise CommandError(f"The command could not be read: {error}.", word=text) from None
    if not words:
        return Help()
    first = words[0].lower()
    if first == "help":
        return Help()  # whatever follows: help is never refused
    if first == "webhook":
        if len(words) < 2:
            raise CommandError("`webhook` needs an action.", accepted=WEBHOOK_ACTIONS)
        found = _BY_WORDS.get(f"webhook {words[1].lower()}")
        if found is None:
            raise CommandError(
                f"Unknown webhook action `{words[1]}`.", word=words[1], accepted=WEBHOOK_ACTIONS
            )
        return found.build(found.words, words[2:])
    found = _BY_WORDS.get(first)
    if found is None:
        raise CommandError(f"Unknown subcommand `{words[0]}`.", word=words[0], accepted=SUBCOMMANDS)
    return found.build(found.words, words[1:])


def _webhook_id(word: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F-]+", word):
        raise CommandError(f"`{word}` is not a webhook id: ids are hexadecimal, such as 3f2a9c.", word=word)
    if len(word) < MIN_ID_PREFIX:
        raise CommandError(
            f"`{word}` is too short: give at least {MIN_ID_PREFIX} characters of the webhook's id.", word=word
        )
    return word.lower()


def _at_most_one(what: str, words: list[str]) -> str:
    if len(words) > 1:
        raise CommandError(f"`{what}` takes one name at most, but got `{words[1]}`.", word=words[1])
    return words[0] if words else ""


def _exactly_one(what: str, words: list[str], example: str) -> str:
    if not words:
        raise CommandError(f"`{what}` needs the environment, such as {example}.")
    return _at_most_one(what, words)


def _no_more(what: str, words: list[str]) -> None:
    if words:
        raise CommandError(f"`{what}` takes no arguments, but got `{words[0]}`.", word=words[0])


# -- options: read as the option table (bot/options.py) says --------------------------------------


def _options(words: list[str]) -> WebhookOptions:
    values: dict[str, Any] = {}
    index = 0
    while index < len(words):
        word = words[index]
        name, has_value, value = word.partition("=")
        option = option_named(name) if name.startswith("--") else None
        if option is None:
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
        if option.key in values:
            raise CommandError(f"`{name}` is given twice.", word=name)
        values[option.key] = option.read(value)
        index += 1
    return WebhookOptions(**values)
