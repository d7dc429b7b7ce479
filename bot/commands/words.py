"""Reading a subcommand's arguments: a webhook's id, an environment, the options as the option table
(bot/subscriptions/options.py) says, `deploy`'s version. Each refusal names the word."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.actions import ActionKind
from bot.alerts import ALERT_OPTIONS, AlertFilters, alert_option_named
from bot.approvals import GATED_BY_DEFAULT, POLICY_OPTIONS, Policy, policy_option_named
from bot.changefeed import CHANGE_OPTIONS, ChangeFilters, change_option_named
from bot.commands.typed import (
    Act,
    AddFreeze,
    Command,
    FreezesOff,
    ListFreezes,
    Promote,
    RemoveFreeze,
    SetPolicy,
    ShowAudit,
    ShowChanges,
)
from bot.errors import CommandError
from bot.freezes import REASON_LIMIT, FreezeRequest, Window, read_duration, read_window
from bot.qovery import EnvironmentType
from bot.subscriptions import (
    OPTIONS,
    Field,
    Option,
    WebhookOptions,
    environment_types,
    mentions,
    option_named,
    promotion_target,
)

__all__ = [
    "MIN_ID_PREFIX",
    "alert_options",
    "at_most_one",
    "audit",
    "change_options",
    "changes",
    "deploy",
    "exactly_one",
    "freeze",
    "no_more",
    "options",
    "policy",
    "promote",
    "read_options",
    "webhook_id",
]

MIN_ID_PREFIX = 6


def webhook_id(word: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F-]+", word):
        raise CommandError(f"`{word}` is not a webhook id: ids are hexadecimal, such as 3f2a9c.", word=word)
    if len(word) < MIN_ID_PREFIX:
        raise CommandError(
            f"`{word}` is too short: give at least {MIN_ID_PREFIX} characters of the webhook's id.", word=word
        )
    return word.lower()


def at_most_one(what: str, words: list[str]) -> str:
    if len(words) > 1:
        raise CommandError(f"`{what}` takes one name at most, but got `{words[1]}`.", word=words[1])
    return words[0] if words else ""


def exactly_one(what: str, words: list[str], example: str) -> str:
    if not words:
        raise CommandError(f"`{what}` needs the environment, such as {example}.")
    return at_most_one(what, words)


def no_more(what: str, words: list[str]) -> None:
    if words:
        raise CommandError(f"`{what}` takes no arguments, but got `{words[0]}`.", word=words[0])


_DEPLOY_OPTIONS = ("--service", "--commit", "--tag")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # a container image tag, as registries allow


def deploy(words: list[str]) -> Command:
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


def options(words: list[str]) -> WebhookOptions:
    """The options of a webhook, as the webhooks' option table reads them."""
    return WebhookOptions(**read_options(words, option_named, OPTIONS))


def alert_options(words: list[str]) -> AlertFilters:
    """The options of `alerts subscribe`, as the alerts' option table reads them."""
    return AlertFilters(**read_options(words, alert_option_named, ALERT_OPTIONS))


def read_options(
    words: list[str], named: Callable[[str], Option[Any] | None], accepted: tuple[str, ...]
) -> dict[str, Any]:
    """`--name value` or `--name=value`, each read by its option: their values by key."""
    values: dict[str, Any] = {}
    index = 0
    while index < len(words):
        word = words[index]
        name, has_value, value = word.partition("=")
        option = named(name) if name.startswith("--") else None
        if option is None:
            if name.startswith("--"):
                raise CommandError(f"Unknown option `{name}`.", word=name, accepted=accepted)
            raise CommandError(
                f"Unexpected word `{word}`: options start with `--`.", word=word, accepted=accepted
            )
        name = name.lower()
        taken = [value] if has_value else []
        # A value of several words (quiet hours and their zone) may come unquoted, up to the next option.
        while len(taken) < option.words and index + 1 < len(words) and not words[index + 1].startswith("--"):
            index += 1
            taken.append(words[index])
        if not taken:
            raise CommandError(f"`{name}` needs a value.", word=name)
        value = " ".join(taken)
        if option.key in values:
            raise CommandError(f"`{name}` is given twice.", word=name)
        values[option.key] = option.read(value)
        index += 1
    return values


def change_options(words: list[str]) -> ChangeFilters:
    """The options of `changes subscribe`, as the change feed's option table reads them."""
    return ChangeFilters(**read_options(words, change_option_named, CHANGE_OPTIONS))


def changes(words: list[str]) -> Command:
    """`changes [project[/environment]] [--since 7d] [--user X]`."""
    where = ""
    if words and not words[0].startswith("--"):
        where, words = words[0], words[1:]
    values = read_options(words, _changes_option, ("--since", "--user"))
    return ShowChanges(where, values.get("since", timedelta(days=7)), values.get("user"))


_SINCE = re.compile(r"([1-9][0-9]{0,3})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _read_since(value: str) -> timedelta:
    found = _SINCE.fullmatch(value.strip().lower())
    if found is None:
        raise CommandError(
            f"`{value[:60]}` is not a time: give minutes, hours or days, such as 30m, 12h or 7d.", word=value
        )
    since = timedelta(**{_UNITS[found[2]]: int(found[1])})
    if since > timedelta(days=90):
        raise CommandError("The bot keeps changes 90 days: give `--since 90d` at most.", word=value)
    return since


def _read_person(value: str) -> str:
    if value.startswith("<@"):
        found = mentions(value)
        if len(found) == 1 and found[0].kind == "user":
            return f"<@{found[0].id}>"
    elif re.fullmatch(r"[^@\s<>]{1,64}@[^@\s<>]{1,190}", value):
        return value.lower()
    raise CommandError(f"`{value[:60]}` is not an e-mail nor one person (type @name).", word=value)


_SINCE_OPTION = Option("since", _read_since, str, "30m, 12h, 7d ...", Field("Since", "text"))
_PERSON = Option("user", _read_person, str, "an e-mail or @person", Field("User", "text"))


def _changes_option(name: str) -> Option[Any] | None:
    options: dict[str, Option[Any]] = {"--since": _SINCE_OPTION, "--user": _PERSON}
    return options.get(name.lower())


def policy(words: list[str]) -> Command:
    """`policy approvals [ENV_TYPES] --approvers P [--actions A]`, or `policy approvals off`."""
    if [w.lower() for w in words] == ["off"]:
        return SetPolicy(None)
    types: tuple[EnvironmentType, ...] = (EnvironmentType.PRODUCTION,)
    if words and not words[0].startswith("--"):
        types, words = environment_types(words[0]), words[1:]
    values = read_options(words, policy_option_named, POLICY_OPTIONS)
    if "approvers" not in values:
        raise CommandError(
            "`policy approvals` needs `--approvers`, such as `--approvers @sre-leads`.", word="--approvers"
        )
    return SetPolicy(Policy(types, values["approvers"], values.get("actions", GATED_BY_DEFAULT)))


_PROMOTE_OPTIONS = ("--to", "--services")
_TO = Option("to", promotion_target, str, "ENV or project/ENV", Field("To", "text"))


def _promote_option(name: str) -> Option[Any] | None:
    """`--to` and `--services` (the routing option's names), read as the hooks' option reads it."""
    return (
        _TO if name.lower() == "--to" else option_named("services") if name.lower() == "--services" else None
    )


def promote(words: list[str]) -> Command:
    """`promote <project>/<environment> --to <environment> [--services S]`."""
    if not words or words[0].startswith("--"):
        raise CommandError(
            "`promote` needs the environment first, such as `billing/staging --to production`."
        )
    values = read_options(words[1:], _promote_option, _PROMOTE_OPTIONS)
    if not values.get("to"):
        raise CommandError("`promote` needs `--to` and the environment to promote to.", word="--to")
    return Promote(words[0], values["to"], values.get("services") or ())


def audit(words: list[str]) -> Command:
    """`audit [project[/environment]] [--user @x]`."""
    where = ""
    if words and not words[0].startswith("--"):
        where, words = words[0], words[1:]
    values = read_options(words, _user_option, ("--user",))
    user = values.get("user")
    return ShowAudit(where, user)


def _read_user(value: str) -> str:
    found = mentions(value)
    if len(found) != 1 or found[0].kind != "user":
        raise CommandError(
            f"`{value[:60]}` is not one person: type @name and let Slack fill it in.", word=value
        )
    return found[0].id


_USER = Option("user", _read_user, str, "@person", Field("User", "text"))


def _user_option(name: str) -> Option[Any] | None:
    return _USER if name.lower() == "--user" else None


_FREEZE_ACTIONS = ("add", "now", "list", "remove", "off")


def freeze(words: list[str]) -> Command:
    """`policy freeze add "WINDOW" [ENV_TYPES] --reason R`, `now 4h [ENV_TYPES] --reason R`, `list`,
    `remove <n>`, `off`."""
    action = words[0].lower() if words else ""
    rest = words[1:]
    if action not in _FREEZE_ACTIONS:
        raise CommandError(
            f"`policy freeze` needs one of {', '.join(_FREEZE_ACTIONS)}.",
            word=words[0][:40] if words else "policy freeze",
            accepted=_FREEZE_ACTIONS,
        )
    if action in ("list", "off"):
        no_more(f"policy freeze {action}", rest)
        return ListFreezes() if action == "list" else FreezesOff()
    if action == "remove":
        number = exactly_one("policy freeze remove", rest, "`1` (the number `policy freeze list` shows)")
        if not (number.isascii() and number.isdigit() and 0 < len(number) <= 9):
            raise CommandError(
                f"`{number[:20]}` is not a number `policy freeze list` shows.", word=number[:20]
            )
        return RemoveFreeze(int(number))
    split = next((i for i, w in enumerate(rest) if w.startswith("--")), len(rest))
    when, options_words = rest[:split], rest[split:]
    values = read_options(options_words, _reason_option, ("--reason",))
    if "reason" not in values:
        raise CommandError(
            'A freeze needs `--reason "..."`: it is what everyone stopped reads.', word="--reason"
        )
    if not when:
        example = '"fri 16:00-mon 08:00 Europe/Paris"' if action == "add" else "`4h`"
        raise CommandError(f"`policy freeze {action}` needs when, such as {example}.")
    types: tuple[EnvironmentType, ...] = (EnvironmentType.PRODUCTION,)
    if len(when) > 1 and (last := _types_or_none(when[-1])) is not None:
        types, when = last, when[:-1]
    if action == "now":
        lasting = read_duration(" ".join(when))
        return AddFreeze(FreezeRequest(values["reason"], types, lasting=lasting))
    window: Window = read_window(" ".join(when))
    return AddFreeze(FreezeRequest(values["reason"], types, window=window))


def _types_or_none(word: str) -> tuple[EnvironmentType, ...] | None:
    """`production,staging` after a window; None when the word is the window's (a zone, a time)."""
    try:
        return environment_types(word)
    except CommandError:
        return None


def _read_reason(value: str) -> str:
    reason = value.strip()
    if not reason:
        raise CommandError("`--reason` needs words: it is what everyone stopped reads.", word="--reason")
    if len(reason) > REASON_LIMIT:
        raise CommandError(f"`--reason` is over {REASON_LIMIT} characters: say it shorter.", word="--reason")
    return reason


_REASON = Option("reason", _read_reason, str, "why", Field("Reason", "text"), words=60)


def _reason_option(name: str) -> Option[Any] | None:
    return _REASON if name.lower() == "--reason" else None
