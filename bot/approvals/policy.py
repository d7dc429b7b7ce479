"""A workspace's approval policy (SPEC §16), pure: which actions on which environment types wait for an
approver, and who approves.

`cancel` is never held back: stopping a deployment that goes wrong must never wait.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.actions import ActionKind
from bot.blocks import escape
from bot.errors import CommandError
from bot.qovery import EnvironmentType
from bot.subscriptions import Field, Mention, Option, environment_types, mentions

__all__ = [
    "GATED_BY_DEFAULT",
    "POLICY_OPTIONS",
    "POLICY_TABLE",
    "Policy",
    "policy_option_named",
    "read_actions",
    "read_approvers",
]

GATED_BY_DEFAULT = (
    ActionKind.DEPLOY,
    ActionKind.REDEPLOY,
    ActionKind.ROLLBACK,
    ActionKind.STOP,
    ActionKind.PROMOTE,
)
# What a policy set without `--actions` stored before promotions: it means the default, now five.
_OLD_DEFAULT = ("deploy", "redeploy", "rollback", "stop")


@dataclass(frozen=True)
class Policy:
    """Actions of `actions` on environments of `environment_types` wait for one of `approvers`."""

    environment_types: tuple[EnvironmentType, ...]
    approvers: tuple[Mention, ...]
    actions: tuple[ActionKind, ...] = GATED_BY_DEFAULT

    def gates(self, kind: ActionKind, environment_type: str) -> bool:
        return (
            kind is not ActionKind.CANCEL
            and kind in self.actions
            and environment_type.upper() in {e.value for e in self.environment_types}
        )

    def words(self) -> str:
        """`deploy, redeploy on PRODUCTION environments wait for <@U1>, <!subteam^S1>` (mrkdwn)."""
        kinds = ", ".join(k.value for k in self.actions)
        places = ", ".join(e.value for e in self.environment_types)
        who = ", ".join(m.text() if m.kind != "unresolved" else escape(m.label) for m in self.approvers)
        return f"`{kinds}` on {places} environments wait for the approval of {who}."

    def to_json(self) -> str:
        return json.dumps({
            "environment_types": [e.value for e in self.environment_types],
            "approvers": ",".join(m.text() for m in self.approvers),
            "actions": [k.value for k in self.actions],
        })  # fmt: skip

    @staticmethod
    def from_json(stored: str | None) -> Policy | None:
        """As stored; None when it no longer reads (nothing is then held back, and `policy show` says so)."""
        try:
            found: Any = json.loads(stored or "null")
            actions = GATED_BY_DEFAULT if tuple(found["actions"]) == _OLD_DEFAULT else None
            return Policy(
                environment_types(",".join(found["environment_types"])),
                mentions(found["approvers"]),
                actions or read_actions(",".join(found["actions"])),
            )
        except (ValueError, TypeError, KeyError, CommandError):
            return None


def read_actions(value: str) -> tuple[ActionKind, ...]:
    """`deploy,rollback`: the actions a policy holds back; `cancel` is refused (never held back)."""
    accepted = tuple(k.value for k in GATED_BY_DEFAULT)
    found: list[ActionKind] = []
    for word in (w.strip().lower() for w in value.split(",") if w.strip()):
        if word == ActionKind.CANCEL.value:
            raise CommandError(
                "`cancel` is never held back: stopping a deployment must never wait.", word=word
            )
        if word not in accepted:
            raise CommandError(f"Unknown action `{word}`.", word=word, accepted=accepted)
        if ActionKind(word) not in found:
            found.append(ActionKind(word))
    if not found:
        raise CommandError("`--actions` needs at least one action.", accepted=accepted)
    return tuple(found)


def read_approvers(value: str) -> tuple[Mention, ...]:
    """People and user groups by id (`<@U..>`, `<!subteam^S..>`, as Slack fills in @names)."""
    found = mentions(value)
    for mention in found:
        if mention.kind not in ("user", "group"):
            word = mention.label or mention.kind
            raise CommandError(
                f"`{word}` is not a person or user group Slack resolved: type @name, Slack fills it in.",
                word=word,
                accepted=("@person", "@user-group"),
            )
    if not found:
        raise CommandError("`--approvers` needs at least one person or user group.", word="--approvers")
    return found


POLICY_TABLE: tuple[Option[Any], ...] = (
    Option("approvers", read_approvers, lambda m: ", ".join(x.text() for x in m), "@people or @groups",
           Field("Approvers", "text")),
    Option("actions", read_actions, lambda k: ",".join(x.value for x in k),
           "deploy,redeploy,rollback,stop,promote (the default)", Field("Actions", "text")),
)  # fmt: skip
POLICY_OPTIONS = tuple(f"--{o.name}" for o in POLICY_TABLE)


def policy_option_named(name: str) -> Option[Any] | None:
    return next((o for o in POLICY_TABLE if f"--{o.name}" == name.lower()), None)
