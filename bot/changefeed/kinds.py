"""What a change is, in the feed's words (`--kinds`), and which changes a channel keeps: the options of
`/qovery changes subscribe`, one table as the alerts' options are (the same readers and text forms).

A kind is read from the event as Qovery's audit log gives it (bot/qovery/_audit.py): its sub-target
(a variable, a secret, a setting), its event type (a deployment asked for or queued) or its target (a
service, an environment or a project created, deleted or cloned; members, roles, tokens, SSO ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from bot.blocks import escape
from bot.errors import CommandError
from bot.qovery import AuditEvent, AuditKind, EnvironmentType
from bot.subscriptions import Field, Mention, Option, environment_types, mentions, names_of, project_names

__all__ = ["CHANGE_OPTIONS", "CHANGE_TABLE", "ChangeFilters", "ChangeKind", "change_option_named", "kind_of"]


class ChangeKind(StrEnum):
    VARIABLES = "variables"
    SETTINGS = "settings"
    SERVICES = "services"
    ENVIRONMENTS = "environments"
    ACCESS = "access"
    DEPLOYMENTS = "deployments"


DEFAULT_KINDS = tuple(k for k in ChangeKind if k is not ChangeKind.DEPLOYMENTS)
_MADE = frozenset({"CREATE", "DELETE", "CLONE"})
_PLACES = frozenset({"ENVIRONMENT", "PROJECT"})
# Who may do what in the organization: members, roles, invitations, tokens, SSO, git tokens, remote access.
_ACCESS_TARGETS = frozenset({"MEMBERS_AND_ROLES", "ENTERPRISE_CONNECTION"})
_ACCESS_SUBS = frozenset(
    {"API_TOKEN", "CUSTOM_ROLE", "GITHUB_APP", "GIT_TOKEN", "INVITATION", "JWT_TOKEN_FORGED", "MEMBER_ROLE",
     "POLICY_API_TOKEN", "REMOTE_ACCESS", "SSO", "SHELL", "PORT_FORWARD", "REMOTE_DEBUG"}
)  # fmt: skip


def kind_of(event: AuditEvent) -> ChangeKind | None:
    """The feed's kind of an event; None for what the feed does not post (a deployment's outcome ...)."""
    sub = event.sub_target_type
    if sub in _ACCESS_SUBS or event.target_type in _ACCESS_TARGETS:
        return ChangeKind.ACCESS
    match event.kind:
        case AuditKind.VARIABLE | AuditKind.SECRET:
            return ChangeKind.VARIABLES
        case AuditKind.SETTING:
            return ChangeKind.SETTINGS
        case AuditKind.DEPLOYMENT:
            return ChangeKind.DEPLOYMENTS
        case AuditKind.SERVICE:
            return ChangeKind.SERVICES
    if sub is None and event.target_type in _PLACES and event.event_type in _MADE:
        return ChangeKind.ENVIRONMENTS
    return None


def _kinds(value: str) -> tuple[ChangeKind, ...]:
    found: list[ChangeKind] = []
    for word in (w.strip().lower() for w in value.split(",") if w.strip()):
        if word == "all":
            return tuple(ChangeKind)
        if word not in list(ChangeKind):
            raise CommandError(f"Unknown kind `{word[:60]}`.", word=word, accepted=tuple(ChangeKind))
        found.append(ChangeKind(word))
    if not found:
        raise CommandError("`--kinds` needs at least one kind.", word="--kinds", accepted=tuple(ChangeKind))
    return tuple(dict.fromkeys(found))


def _mentions(value: str) -> tuple[Mention, ...]:
    found = mentions(value)
    if any(m.kind == "trigger" for m in found):  # a change's maker is a Qovery e-mail, not a deployment's
        raise CommandError(
            "`trigger` is for deployments: the change feed notifies the people or groups named.",
            word="trigger",
        )
    return found


@dataclass(frozen=True)
class ChangeFilters:
    """A channel's change feed: empty filters keep everything; `kinds`, the kinds posted."""

    projects: tuple[str, ...] = ()
    envs: tuple[EnvironmentType, ...] = ()
    env_names: tuple[str, ...] = ()
    kinds: tuple[ChangeKind, ...] = ()  # none asked for: every kind but deployments (DEFAULT_KINDS)
    mention: tuple[Mention, ...] = ()  # notified in the thread of an access change or a production secret's

    def __post_init__(self) -> None:
        # Asked for: refused in words rather than silently never posted (the default asks for none).
        if ChangeKind.ACCESS in self.kinds and self.by_place():
            raise CommandError(
                "`access` changes are the whole organization's: they are only for a channel that filters "
                "no project or environment. Leave `--projects`, `--envs` and `--env-names` out, or ask "
                "for other kinds.",
                word="access",
            )

    def by_place(self) -> bool:
        return bool(self.projects or self.envs or self.env_names)

    def posted_kinds(self) -> frozenset[ChangeKind]:
        """Access changes are organization-wide: never posted to a channel that filters by place."""
        kinds = frozenset(self.kinds or DEFAULT_KINDS)
        return kinds - {ChangeKind.ACCESS} if self.by_place() else kinds

    def keeps(self, kind: ChangeKind, project: str, environment: str, environment_type: str | None) -> bool:
        if kind not in self.posted_kinds():
            return False
        if kind is ChangeKind.ACCESS:
            return True
        return (
            named(project, self.projects)
            and (not self.envs or environment_type in self.envs)
            and (not self.env_names or (bool(environment) and named(environment, self.env_names)))
        )

    def to_json(self) -> str:
        return json.dumps({o.key: o.text(getattr(self, o.key)) for o in CHANGE_TABLE})

    @staticmethod
    def from_json(stored: str | None) -> ChangeFilters:
        """As stored; a value that no longer reads keeps its default."""
        try:
            values = json.loads(stored or "{}")
        except ValueError:
            values = {}
        found: dict[str, Any] = {}
        for option in CHANGE_TABLE:
            text = values.get(option.key) if isinstance(values, dict) else None
            try:
                found[option.key] = option.read(str(text)) if text else option.default
            except CommandError:
                continue
        try:
            return ChangeFilters(**found)
        except CommandError:
            return ChangeFilters(**(found | {"kinds": ()}))

    def words(self) -> str:
        shown = [
            f"{o.name} `{_shown(o.key, o.text(getattr(self, o.key)))}`"
            for o in CHANGE_TABLE
            if getattr(self, o.key) not in (None, ()) and (o.key != "kinds" or self.kinds != DEFAULT_KINDS)
        ]
        return ", ".join(shown) or "every change of the organization but deployments"


def _shown(key: str, text: str) -> str:
    """Names as typed are escaped (`--projects <!channel>` mentions nobody); mentions stay mentions."""
    return text if key == "mention" else escape(text)


def named(name: str, patterns: tuple[str, ...]) -> bool:
    """Names match in any case; a trailing `*` is a wildcard (as Qovery's own project filter)."""
    if not patterns:
        return True
    lowered = name.lower()
    return any(fnmatchcase(lowered, p.lower()) if p.endswith("*") else lowered == p.lower() for p in patterns)


CHANGE_TABLE: tuple[Option[Any], ...] = (
    Option(
        "projects", project_names, ", ".join, "project names, a trailing * is a wildcard",
        Field("Project names", "text", optional=True), default=(),
    ),
    Option(
        "envs", environment_types, lambda found: ",".join(str(e) for e in found),
        "production,staging,development,preview", Field("Environment types", "text", optional=True),
        default=(),
    ),
    Option(
        "env-names", names_of("an environment name"), ", ".join,
        "environment names, a trailing * is a wildcard",
        Field("Environment names", "text", optional=True), default=(),
    ),
    Option(
        "kinds", _kinds, lambda found: ",".join(k.value for k in found),
        "variables,settings,services,environments,access,deployments or all (default: all but deployments)",
        Field("Kinds", "text", optional=True), default=(),
    ),
    Option(
        "mention", _mentions, lambda found: ", ".join(m.text() for m in found),
        "@people or @groups: notified of access changes and of a production environment's secrets",
        Field("Mention", "text", optional=True), default=(),
    ),
)  # fmt: skip
CHANGE_OPTIONS = tuple(f"--{option.name}" for option in CHANGE_TABLE)
_BY_NAME = {option.name: option for option in CHANGE_TABLE}


def change_option_named(name: str) -> Option[Any] | None:
    return _BY_NAME.get(name.lower().removeprefix("--"))
