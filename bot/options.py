"""The options of `webhook create`, `webhook edit` and `subscribe`, each declared once, in `TABLE`.

The table drives the command line's parser, the usage, the webhook form, `webhook show` and the bot's
stored settings. An option is either a field of the Qovery webhook (`qovery` names it) or a setting the
bot keeps per hook (`HookSettings`, stored as one JSON column). Every value goes through its text form:
`read(text)` and `text(value)`; the form's fields and the stored settings use the same two.

Adding an option: a field in `WebhookOptions` (and in `HookSettings` when the bot keeps it) and one
`Option` in `TABLE`, all in this file; then the code that acts on it. (The file is a little over 300
lines because the whole table stays in one place, which is its point.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from bot.errors import CommandError
from bot.qovery import EnvironmentType, WebhookEvent, WebhookKind

__all__ = [
    "ALL_EVENTS",
    "BOT_KEPT",
    "MENTION_FORMS",
    "OPTIONS",
    "TABLE",
    "DisplayMode",
    "Field",
    "HookSettings",
    "Mention",
    "Only",
    "Option",
    "WebhookOptions",
    "option_named",
    "parse_events",
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
    services: tuple[str, ...] | None = None
    env_names: tuple[str, ...] | None = None
    only: Only | None = None
    mention: tuple[Mention, ...] | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class HookSettings:
    """What the bot keeps per hook, beside the webhook at Qovery: one value, one column."""

    mode: DisplayMode = DisplayMode.UPDATE
    services: tuple[str, ...] = ()  # only deployments touching these (a trailing * is a wildcard)
    env_names: tuple[str, ...] = ()  # only these environments (likewise)
    only: Only = Only.ALL
    mention: tuple[Mention, ...] = ()  # notified of a failure or a cancellation

    def merged(self, options: WebhookOptions) -> HookSettings:
        """These settings, changed by the options given."""
        return replace(self, **{o.key: v for o in BOT_KEPT if (v := getattr(options, o.key)) is not None})

    def to_json(self) -> str:
        return json.dumps({o.key: o.text(getattr(self, o.key)) for o in BOT_KEPT})

    @staticmethod
    def from_json(stored: str | None) -> HookSettings:
        """The settings as stored; one unknown or unreadable setting keeps its default."""
        try:
            values = json.loads(stored or "{}")
        except ValueError:
            values = {}
        found: dict[str, Any] = {}
        for option in BOT_KEPT:
            try:
                found[option.key] = option.read(str(values[option.key]))
            except (KeyError, CommandError, TypeError):
                continue
        return HookSettings(**found)

    def words(self) -> str:
        """`mode `update``, as `webhook show` says it: each setting that is not its default, and the
        mode always; a mention Slack could not resolve is said to be so."""
        shown = [
            f"{o.name} `{o.text(getattr(self, o.key))}`"
            for o in BOT_KEPT
            if o.name == "mode" or getattr(self, o.key) != o.default
        ]
        unresolved = [m.label for m in self.mention if m.kind == "unresolved"]
        if unresolved:
            shown.append(f"not found in Slack, so never notified: `{', '.join(unresolved)}`")
        return ", ".join(shown)


# -- reading values ----------------------------------------------------------------------------------------

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


def _names(value: str) -> tuple[str, ...]:
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


def _joined(values: tuple[Any, ...]) -> str:
    return ",".join(str(v) for v in values)


def _names_of(what: str) -> Callable[[str], tuple[str, ...]]:
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


def _mentions(value: str) -> tuple[Mention, ...]:
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


# -- the table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """How the webhook form shows an option. `choices` are (text, label); a lone checkbox reads `off`
    when unticked; `empty` is what to say when a required field is left empty."""

    label: str
    kind: Literal["checkboxes", "radio", "text"]
    choices: tuple[tuple[str, str], ...] = ()
    optional: bool = False
    hint: str = ""
    empty: str | None = None
    off: str = ""
    blank_means_unchanged: bool = False  # an empty text field changes nothing


@dataclass(frozen=True)
class Option(Generic[T]):
    name: str
    read: Callable[[str], T]  # raises CommandError naming the wrong word
    text: Callable[[T], str]
    help: str  # the usage's words for its values
    field: Field
    default: T | None = None  # on create, and in a new form
    qovery: str | None = None  # the Qovery webhook field it is; None: kept by the bot (HookSettings)

    @property
    def key(self) -> str:
        """Its field in WebhookOptions and HookSettings, and its id in forms and storage: `env_names`."""
        return self.name.replace("-", "_")


TABLE: tuple[Option[Any], ...] = (
    Option(
        "events",
        parse_events,
        _joined,
        "started,successful,failure,cancelled or all (default all)",
        Field(
            "Events",
            "checkboxes",
            (
                ("DEPLOYMENT_STARTED", "Started"),
                ("DEPLOYMENT_SUCCESSFUL", "Successful"),
                ("DEPLOYMENT_FAILURE", "Failed"),
                ("DEPLOYMENT_CANCELLED", "Cancelled"),
            ),
            empty="Tick at least one event.",
        ),
        default=ALL_EVENTS,
        qovery="events",
    ),
    Option(
        "projects",
        _names,
        ", ".join,
        "project names, a trailing * is a wildcard",
        Field(
            "Project names",
            "text",
            optional=True,
            hint="Comma-separated; a trailing * is a wildcard, such as billing*. Empty: every project.",
        ),
        default=(),
        qovery="project_names_filter",
    ),
    Option(
        "envs",
        _envs,
        _joined,
        "production,staging,development,preview",
        Field(
            "Environment types",
            "checkboxes",
            tuple((e.value, e.value.title()) for e in EnvironmentType),
            optional=True,
            hint="None ticked: every environment type.",
        ),
        default=(),
        qovery="environment_types_filter",
    ),
    Option(
        "description",
        lambda value: value,
        lambda value: value,
        "text (default: Slack #channel)",
        Field(
            "Description", "text", optional=True, hint="Empty: Slack #channel.", blank_means_unchanged=True
        ),
        qovery="description",
    ),
    Option(
        "kind",
        _choice("kind", {"slack": WebhookKind.SLACK, "standard": WebhookKind.STANDARD}),
        lambda kind: kind.value,
        "slack (default) or standard",
        Field("Kind", "radio", (("SLACK", "Slack message"), ("STANDARD", "Standard JSON event"))),
        default=WebhookKind.SLACK,
        qovery="kind",
    ),
    Option(
        "enabled",
        _choice("enabled", {"true": True, "false": False}),
        lambda enabled: "true" if enabled else "false",
        "true (default) or false",
        Field("State", "checkboxes", (("true", "Enabled"),), optional=True, off="false"),
        default=True,
        qovery="enabled",
    ),
    Option(
        "mode",
        _choice("mode", {mode.value: mode for mode in DisplayMode}),
        lambda mode: mode.value,
        "update (default: one card edited in place), thread or post",
        Field(
            "In the channel",
            "radio",
            (
                ("update", "One card per deployment, edited in place"),
                ("thread", "One card, later events in its thread"),
                ("post", "A new message for each event"),
            ),
        ),
        default=DisplayMode.UPDATE,
    ),
    Option(
        "services",
        _names_of("a service name"),
        ", ".join,
        "service names, a trailing * is a wildcard: only deployments touching them",
        Field("Services", "text", optional=True, hint="Comma-separated, such as api, worker*. Empty: all."),
        default=(),
    ),
    Option(
        "env-names",
        _names_of("an environment name"),
        ", ".join,
        "environment names, a trailing * is a wildcard (Qovery filters by type only)",
        Field("Environment names", "text", optional=True, hint="Comma-separated, such as prod*. Empty: all."),
        default=(),
    ),
    Option(
        "only",
        _choice("only", {only.value: only for only in Only}),
        lambda only: only.value,
        "all (default), failures, or changes (failures, and the success after one)",
        Field(
            "Which deployments",
            "radio",
            (
                ("all", "All of them"),
                ("failures", "Only failures and cancellations"),
                ("changes", "Failures, and the success after one"),
            ),
        ),
        default=Only.ALL,
    ),
    Option(
        "mention",
        _mentions,
        lambda mentions: ", ".join(m.text() for m in mentions),
        "@people, @groups or trigger (who triggered it): notified of a failure or cancellation",
        Field(
            "Mention on a failure",
            "text",
            optional=True,
            hint="Comma-separated: <@U…> users, <!subteam^S…> groups (in the command, type @name and "
            "Slack fills them in), and trigger for whoever triggered the deployment.",
        ),
        default=(),
    ),
)

OPTIONS = tuple(f"--{option.name}" for option in TABLE)
BOT_KEPT = tuple(option for option in TABLE if option.qovery is None)
_BY_NAME = {option.name: option for option in TABLE}


def option_named(name: str) -> Option[Any] | None:
    """The option `--name` (any case), if there is one."""
    return _BY_NAME.get(name.lower().removeprefix("--"))
