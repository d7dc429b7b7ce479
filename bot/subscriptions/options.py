"""The options of `webhook create`, `webhook edit` and `subscribe`, each declared once, in `TABLE`.

The table drives the command line's parser, the usage, the webhook form, `webhook show` and the bot's
stored settings. An option is either a field of the Qovery webhook (`qovery` names it) or a setting the
bot keeps per hook (`HookSettings`, stored as one JSON column). Every value goes through its text form:
`read(text)` and `text(value)`; the form's fields and the stored settings use the same two.

Adding an option: a field in `WebhookOptions` (and in `HookSettings` when the bot keeps it) and one
`Option` in `TABLE`, all in this file (a reader of a new kind of value goes in option_values.py beside
it); then the code that acts on it. (A little over 300 lines: the whole table in one file is the point.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, Literal, TypeVar

from bot.blocks import escape
from bot.errors import CommandError
from bot.qovery import EnvironmentType, WebhookEvent, WebhookKind
from bot.subscriptions.option_values import (
    ALL_EVENTS,
    MENTION_FORMS,
    DisplayMode,
    Mention,
    Only,
    QuietFailures,
    choice,
    environment_types,
    joined,
    mentions,
    minutes,
    names_of,
    parse_events,
    project_names,
    promotion_target,
)
from bot.subscriptions.times import (
    NO_DIGEST,
    NO_QUIET,
    DigestSchedule,
    QuietHours,
    digest_schedule,
    quiet_hours,
)

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
    "QuietFailures",
    "WebhookOptions",
    "option_named",
    "parse_events",
]

T = TypeVar("T")


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
    watch: int | None = None
    quiet: QuietHours | None = None
    quiet_failures: QuietFailures | None = None
    digest: DigestSchedule | None = None
    changes: bool | None = None
    promote_to: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True)
class HookSettings:
    """What the bot keeps per hook, beside the webhook at Qovery: one value, one column."""

    mode: DisplayMode = DisplayMode.UPDATE
    services: tuple[str, ...] = ()  # only deployments touching these (a trailing * is a wildcard)
    env_names: tuple[str, ...] = ()  # only these environments (likewise)
    only: Only = Only.ALL
    mention: tuple[Mention, ...] = ()  # notified of a failure or a cancellation
    watch: int = 15  # minutes the card of a success watches the alert rules of what it deployed; 0: off
    quiet: QuietHours = NO_QUIET  # started and successful deployments held, then summed up
    quiet_failures: QuietFailures = QuietFailures.POST
    digest: DigestSchedule = NO_DIGEST  # a message with the deployments' figures, daily or weekly
    changes: bool = True  # what each deployment carried: a line on its card, a reply in its thread
    promote_to: str = ""  # success cards offer "Promote to" this environment; "": no button

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
        """`mode `update``, as `webhook show` says it (mrkdwn, escaped: names are the user's words): each
        setting that is not its default, and the mode always; a mention Slack could not resolve is said
        to be so."""
        shown = [
            f"{o.name} `{escape(o.text(getattr(self, o.key)))}`"
            for o in BOT_KEPT
            if o.name == "mode" or getattr(self, o.key) != o.default
        ]
        unresolved = [m.label for m in self.mention if m.kind == "unresolved"]
        if unresolved:
            shown.append(f"not found in Slack, so never notified: `{escape(', '.join(unresolved))}`")
        return ", ".join(shown)


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
    words: int = 1  # how many words its value may take on the command line, unquoted

    @property
    def key(self) -> str:
        """Its field in WebhookOptions and HookSettings, and its id in forms and storage: `env_names`."""
        return self.name.replace("-", "_")


TABLE: tuple[Option[Any], ...] = (
    Option(
        "events",
        parse_events,
        joined,
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
        project_names,
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
        environment_types,
        joined,
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
        choice("kind", {"slack": WebhookKind.SLACK, "standard": WebhookKind.STANDARD}),
        lambda kind: kind.value,
        "slack (default) or standard",
        Field("Kind", "radio", (("SLACK", "Slack message"), ("STANDARD", "Standard JSON event"))),
        default=WebhookKind.SLACK,
        qovery="kind",
    ),
    Option(
        "enabled",
        choice("enabled", {"true": True, "false": False}),
        lambda enabled: "true" if enabled else "false",
        "true (default) or false",
        Field("State", "checkboxes", (("true", "Enabled"),), optional=True, off="false"),
        default=True,
        qovery="enabled",
    ),
    Option(
        "mode",
        choice("mode", {mode.value: mode for mode in DisplayMode}),
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
        names_of("a service name"),
        ", ".join,
        "service names, a trailing * is a wildcard: only deployments touching them",
        Field("Services", "text", optional=True, hint="Comma-separated, such as api, worker*. Empty: all."),
        default=(),
    ),
    Option(
        "env-names",
        names_of("an environment name"),
        ", ".join,
        "environment names, a trailing * is a wildcard (Qovery filters by type only)",
        Field("Environment names", "text", optional=True, hint="Comma-separated, such as prod*. Empty: all."),
        default=(),
    ),
    Option(
        "only",
        choice("only", {only.value: only for only in Only}),
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
        mentions,
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
    Option(
        "watch",
        minutes("watch", 24 * 60),
        str,
        "minutes a success's card watches its services' alert rules (default 15; 0: off)",
        Field(
            "Watch after a success",
            "text",
            hint="Minutes the card watches the deployed services' alert rules: 15, say; 0 turns it off.",
            empty="Give a number of minutes, 0 to turn it off.",
        ),
        default=15,
    ),
    Option(
        "quiet",
        quiet_hours,
        QuietHours.text,
        '"22:00-08:00 [Zone]" or off: started and successful deployments held, summed up at the end',
        Field(
            "Quiet hours",
            "text",
            optional=True,
            hint="Such as 22:00-08:00 Europe/Paris (without a zone: the bot's). Deployments that start or "
            "succeed then are summed up in one message when they end. Empty: off.",
        ),
        default=NO_QUIET,
        words=2,
    ),
    Option(
        "quiet-failures",
        choice("quiet-failures", {q.value: q for q in QuietFailures}),
        lambda held: held.value,
        "post (default: failures and cancellations posted at once in quiet hours) or hold",
        Field(
            "Failures in quiet hours",
            "radio",
            (("post", "Posted at once"), ("hold", "Held and summed up too")),
        ),
        default=QuietFailures.POST,
    ),
    Option(
        "digest",
        digest_schedule,
        DigestSchedule.text,
        '"daily@HH:MM [Zone]", "weekly@mon-HH:MM [Zone]" or off: the deployments\' figures',
        Field(
            "Digest",
            "text",
            optional=True,
            hint="daily@09:00 or weekly@mon-09:00, then a zone if you like: counts, failures, change "
            "failure rate, durations, time to recover, who deployed. Empty: off.",
        ),
        default=NO_DIGEST,
        words=2,
    ),
    Option(
        "changes",
        choice("changes", {"on": True, "off": False}),
        lambda shown: "on" if shown else "off",
        "on (default: commits and configuration changes on the card and in its thread) or off",
        Field(
            "What changed",
            "checkboxes",
            (("on", "Commits and configuration changes on each card and in its thread"),),
            optional=True,
            off="off",
        ),
        default=True,
    ),
    Option(
        "promote-to",
        promotion_target,
        lambda place: place or "off",
        "ENV or project/ENV (or off): success cards carry Promote to ENV, which posts the plan",
        Field(
            "Promote to",
            "text",
            optional=True,
            hint="An environment of the same project (production), or project/environment. Empty: off.",
        ),
        default="",
    ),
)

OPTIONS = tuple(f"--{option.name}" for option in TABLE)
BOT_KEPT = tuple(option for option in TABLE if option.qovery is None)
_BY_NAME = {option.name: option for option in TABLE}


def option_named(name: str) -> Option[Any] | None:
    """The option `--name` (any case), if there is one."""
    return _BY_NAME.get(name.lower().removeprefix("--"))
