"""The change feed's words: one message per burst of changes, its mention in the thread, and the lines
of `/qovery changes`. Every name from Qovery is escaped (a variable named `<!channel>` mentions nobody)
and every message is cut within Block Kit's limits (bot/blocks.py). No value of a variable or a secret
is ever here: the bot never kept one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.blocks import SECTION_LIMIT, Message, context, cut, escape, section, slack_date
from bot.changefeed.kinds import ChangeKind
from bot.changefeed.ports import Change
from bot.subscriptions import Mention

__all__ = ["burst_message", "change_line", "is_marked", "mention_reply"]

_ITEMS_SHOWN = 20
_ORIGINS = {"CONSOLE": "the console", "API": "the API", "CLI": "the CLI", "GIT": "git",
            "TERRAFORM_PROVIDER": "Terraform", "QOVERY_INTERNAL": "Qovery itself"}  # fmt: skip
_VERBS = {
    "CREATE": "created",
    "UPDATE": "changed",
    "DELETE": "deleted",
    "CLONE": "cloned",
    "ACCEPT": "accepted",
}
_NOUNS = {
    ChangeKind.VARIABLES: ("variable", "variables"),
    ChangeKind.SETTINGS: ("setting", "settings"),
    ChangeKind.SERVICES: ("service", "services"),
    ChangeKind.ENVIRONMENTS: ("environment or project", "environments or projects"),
    ChangeKind.ACCESS: ("access setting", "access settings"),
    ChangeKind.DEPLOYMENTS: ("deployment", "deployments"),
}


def is_marked(change: Change) -> bool:
    """Access changes, and a production environment's secrets: marked, and `--mention` notified."""
    secret = change.sub_target_type == "SECRET" and (change.environment_type or "").upper() == "PRODUCTION"
    return change.kind is ChangeKind.ACCESS or secret


def _verb(change: Change) -> str:
    return _VERBS.get(change.event_type) or change.event_type.lower().replace("_", " ")


def _origin(origin: str | None) -> str:
    return _ORIGINS.get(origin or "", (origin or "an unknown place").lower().replace("_", " "))


def _place(change: Change) -> str:
    if change.kind is ChangeKind.ACCESS or not (change.project_name or change.environment_name):
        return "the organization"
    return " / ".join(escape(n) for n in (change.project_name, change.environment_name) if n)


def _item(change: Change) -> str:
    match change.kind:
        case ChangeKind.VARIABLES:
            secret = "secret, " if change.sub_target_type == "SECRET" else ""
            return f"`{escape(change.name or change.target_name or '?')}` ({secret}{_verb(change)})"
        case ChangeKind.SETTINGS:
            what = (change.sub_target_type or "settings").lower().replace("_", " ")
            return f"{what} of `{escape(change.target_name or '?')}` ({_verb(change)})"
        case ChangeKind.ACCESS:
            what = (change.sub_target_type or change.target_type).lower().replace("_", " ")
            named = f" `{escape(change.target_name)}`" if change.target_name else ""
            return f"{what}{named} ({_verb(change)})"
        case _:
            return f"{change.target_type.lower()} `{escape(change.target_name or '?')}` ({_verb(change)})"


def burst_message(changes: Sequence[Change]) -> Message:
    """`alice@acme.com, from the console, changed 3 variables of backend / production: ...`."""
    first = changes[0]
    counts = Counter(c.kind for c in changes)
    what = ", ".join(f"{n} {_NOUNS[k][n != 1]}" for k, n in counts.items())
    marked = ":warning: " if any(is_marked(c) for c in changes) else ""
    who = escape(first.triggered_by or "someone")
    items = ", ".join(_item(c) for c in changes[:_ITEMS_SHOWN])
    more = f", and {len(changes) - _ITEMS_SHOWN} more" if len(changes) > _ITEMS_SHOWN else ""
    text = f"{marked}*{who}*, from {_origin(first.origin)}, changed {what} of {_place(first)}: {items}{more}"
    text = cut(text, SECTION_LIMIT)
    last = changes[-1].at
    when = slack_date(first.at) if first.at == last else f"{slack_date(first.at)} to {slack_date(last)}"
    return {"text": text, "blocks": [section(text), context(f"Qovery's audit log · {when}")]}


def mention_reply(mention: Sequence[Mention]) -> Message | None:
    """The thread's reply that notifies the channel's `--mention`; None when there is no one to notify."""
    notified = " ".join(n for m in mention if (n := m.notifies()))
    if not notified:
        return None
    text = f"{notified} :point_up: an access change or a production secret's, above."
    return {"text": text, "blocks": [section(text)]}


def change_line(change: Change) -> str:
    """One line of `/qovery changes`."""
    who = escape(change.triggered_by or "someone")
    marked = ":warning: " if is_marked(change) else ""
    where = f"{_place(change)}, from {_origin(change.origin)}"
    return f"{marked}{slack_date(change.at)} *{who}* {_item(change)} · {where}"
