"""The values of the options (options.py beside it): the enums and the mention they hold, and how each
is read from its text, on the command line, in a form or from storage alike. A wrong word raises a
`CommandError` that names it and what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeVar

from bot.errors import CommandError
from bot.qovery import EnvironmentType, WebhookEvent

__all__ = [
    "ALL_EVENTS",
    "MENTION_FORMS",
    "DisplayMode",
    "Mention",
    "Only",
    "QuietFailures",
    "choice",
    "environment_types",
    "joined",
    "mentions",
    "minutes",
    "names_of",
    "parse_events",
    "project_names",
    "promotion_target",
]

T = TypeVar("T")


class DisplayMode(StrEnum):
    """How a deployment's later events show in the channel."""

    UPDATE = "update"  # the card is edited in place
    THREAD = "thread"  # replies in the card's thread
    POST = "post"  # a new message for each event


class Only(StrEnum):
    """Which deployments get a card."""

    ALL = "all"
    FAILURES = "failures"  # failed and cancelled ones, and no card at their start
    CHANGES = "changes"  # failures, and the success that follows one ("back to normal")


class QuietFailures(StrEnum):
    """Whether quiet hours hold failures and cancellations too."""

    POST = "post"  # posted at once, quiet hours or not
    HOLD = "hold"  # held and summed up with the rest


@dataclass(frozen=True)
class Mention:
    """Who a failure notifies: a Slack user or user group by id, `trigger` (whoever triggered the
    deployment, by e-mail), or a name Slack did not resolve (shown as unresolved, never dropped)."""

    kind: Literal["user", "group", "trigger", "unresolved"]
    id: str = ""  # U..., W... or S...
    label: str = ""  # the name it was typed with

    def text(self) -> str:
        if self.kind == "user":
            return f"<@{self.id}|{self.label}>" if self.label else f"<@{self.id}>"
        if self.kind == "group":
            return f"<!subteam^{self.id}|{self.label}>" if self.label else f"<!subteam^{self.id}>"
        return "trigger" if self.kind == "trigger" else self.label

    def notifies(self) -> str:
        """What to write for Slack to notify: `<@U1>`, `<!subteam^S1>`; nothing for the others."""
        return {"user": f"<@{self.id}>", "group": f"<!subteam^{self.id}>"}.get(self.kind, "")


_SHORT_EVENTS = {
    "started": WebhookEvent.DEPLOYMENT_STARTED,
    "successful": WebhookEvent.DEPLOYMENT_SUCCESSFUL,
    "failure": WebhookEvent.DEPLOYMENT_FAILURE,
    "cancelled": WebhookEvent.DEPLOYMENT_CANCELLED,
}
ALL_EVENTS = tuple(_SHORT_EVENTS.values())


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


def environment_types(value: str) -> tuple[EnvironmentType, ...]:
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


def project_names(value: str) -> tuple[str, ...]:
    for name in _split(value):
        if "*" in name[:-1]:
            raise CommandError(
                f"`{name}`: a `*` is a wildcard only at the end of a project name, such as `billing*`.",
                word=name,
            )
    return tuple(_split(value))


def choice(option: str, choices: dict[str, T]) -> Callable[[str], T]:
    def read(value: str) -> T:
        try:
            return choices[value.lower()]
        except KeyError:
            accepted = tuple(choices)
            raise CommandError(
                f"`{value}` is not a value of `--{option}`.", word=value, accepted=accepted
            ) from None

    return read


def minutes(option: str, most: int) -> Callable[[str], int]:
    """A whole number of minutes, from 0 to `most`."""

    def read(value: str) -> int:
        if not value.strip().isdigit() or int(value) > most:
            raise CommandError(
                f"`{value[:40]}` is not a number of minutes for `--{option}`: give 0 to {most}.",
                word=value,
                accepted=("0", "15", str(most)),
            )
        return int(value)

    return read


_PLACE = re.compile(r"[^/\s<>@`*]{1,80}(?:/[^/\s<>@`*]{1,80})?")


def promotion_target(value: str) -> str:
    """`--promote-to production` (an environment of the same project) or `billing/production`; `off`
    or nothing: no Promote button."""
    wanted = value.strip()
    if wanted.lower() in ("", "off"):
        return ""
    if not _PLACE.fullmatch(wanted):
        raise CommandError(
            f"`{wanted[:60]}` is not an environment for `--promote-to`: give its name, or "
            "`project/environment`.",
            word=wanted,
            accepted=("production", "billing/production", "off"),
        )
    return wanted


def joined(values: tuple[Any, ...]) -> str:
    return ",".join(str(v) for v in values)


def names_of(what: str) -> Callable[[str], tuple[str, ...]]:
    def read(value: str) -> tuple[str, ...]:
        for name in _split(value):
            if "*" in name[:-1]:
                raise CommandError(
                    f"`{name}`: a `*` is a wildcard only at the end of {what}, such as `api*`.", word=name
                )
        return tuple(_split(value))

    return read


_USER = re.compile(r"<@([UW][A-Z0-9]{2,30})(?:\|([^>]{0,80}))?>|([UW][A-Z0-9]{8,30})")
_GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]{2,30})(?:\|([^>]{0,80}))?>")
_MASS = {"@here", "@channel", "@everyone", "<!here>", "<!channel>", "<!everyone>"}
MENTION_FORMS = ("@name", "@group", "<@U...>", "<!subteam^S...>", "trigger")


def mentions(value: str) -> tuple[Mention, ...]:
    found: list[Mention] = []
    for word in _split(value):
        if word.lower() in _MASS or word.lower().startswith(("<!here", "<!channel", "<!everyone")):
            raise CommandError(
                f"`{word}` would notify everyone: name people or a user group.",
                word=word,
                accepted=MENTION_FORMS,
            )
        if word.lower() == "trigger":
            mention = Mention("trigger")
        elif user := _USER.fullmatch(word):
            mention = Mention("user", user.group(1) or user.group(3), (user.group(2) or "").removeprefix("@"))
        elif group := _GROUP.fullmatch(word):
            mention = Mention("group", group.group(1), (group.group(2) or "").removeprefix("@"))
        elif re.fullmatch(r"@[\w.\-]{1,80}", word):
            mention = Mention("unresolved", label=word)  # Slack resolves @names in the command; not this one
        else:
            raise CommandError(
                f"`{word}` is not a Slack user or user group.", word=word, accepted=MENTION_FORMS
            )
        if mention not in found:
            found.append(mention)
    return tuple(found)
