"""What a deployment carried, and how the card and its thread say it (pure).

The card gets one line ("3 commits to api, worker 1.4.2 → 1.5.0 · 2 configuration changes"); the
card's thread one reply, "What's in this deployment": per service its commits (short SHA linked, the
first line of the message, the author; 10 at most, then how many more), its tag, or "unchanged"; then
the configuration changes, with who, from where and when. Every word from outside (commit messages,
authors, names, settings' values) is escaped and cut (`bot.blocks`); the reply is split into several
messages when Slack's limits ask for it, and past a few messages says how much is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import MAX_BLOCKS, SECTION_LIMIT, Message, context, cut, escape, safe_url, section, slack_date
from bot.contents.configuration import ConfigurationChange
from bot.contents.versions import Change, ServiceChange
from bot.deliveries import origin_words
from bot.qovery import AuditKind, Commit

__all__ = ["COMMITS_SHOWN", "Carried", "card_line", "reply_link", "reply_messages"]

COMMITS_SHOWN = 10  # per service, then "and N more"
_CHANGES_SHOWN = 60
_SERVICES_IN_LINE = 6
_SERVICES_LINE_LIMIT = 400  # the card's line stays a line
_SECTIONS_A_MESSAGE = 20
_MESSAGES = 3
_LINE_LIMIT = 900  # one commit or one change, before it is packed into a section
_SETTINGS = {
    "ADVANCED_SETTINGS": "advanced settings", "CONFIG": "configuration", "DEPLOYMENT_RULE": "deployment rule",
    "CUSTOM_DOMAIN": "custom domain", "DEPLOYMENT_STAGE": "deployment stage",
    "KUBERNETES_CONFIGURATION": "Kubernetes configuration",
}  # fmt: skip


@dataclass(frozen=True)
class Carried:
    """What one deployment carried since the environment's previous successful deployment."""

    services: tuple[ServiceChange, ...]
    configuration: tuple[ConfigurationChange, ...] | None  # None: the audit log could not be read
    configuration_cut: bool = False  # only the latest events of the window were read

    @property
    def changed(self) -> tuple[ServiceChange, ...]:
        quiet = (Change.UNCHANGED, Change.UNVERSIONED)
        return tuple(s for s in self.services if s.change not in quiet)

    @property
    def anything(self) -> bool:
        return bool(self.changed or self.configuration)


def _short(version: str | None) -> str:
    if version is None:
        return "?"
    return version[:7] if ":" not in version and "/" not in version and len(version) >= 20 else version


def _code(text: str, limit: int = 120) -> str:
    """Outside text as inline code: escaped, and without a backtick that would end the code early."""
    plain = text.replace("`", "'")
    return f"`{escape(cut(plain, limit))}`"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _tags(change: ServiceChange) -> tuple[str, str]:
    """`1.4.2`, `1.5.0` when the image stays the same; the whole image:tag of each otherwise."""
    old, new = change.old or "?", change.new or "?"
    old_image, _, old_tag = old.rpartition(":")
    new_image, _, new_tag = new.rpartition(":")
    return (old_tag, new_tag) if old_image == new_image and old_tag and new_tag else (old, new)


def card_line(carried: Carried) -> str:
    """The card's one line (mrkdwn, escaped)."""
    parts = []
    for change in carried.changed:
        name = escape(cut(change.name, 60))
        if change.change is Change.COMMITS:
            parts.append(f"{_plural(len(change.commits), 'commit')} to {name}")
        elif change.change is Change.ROLLBACK:
            parts.append(f"{name} rolls back {_plural(len(change.commits), 'commit')}")
        elif change.change is Change.TAG:
            old, new = _tags(change)
            parts.append(f"{name} {escape(cut(old, 80))} → {escape(cut(new, 80))}")
        elif change.change is Change.NEW:
            parts.append(f"{name} added")
        else:  # too far, or commits unread: the two versions are all that is sure
            parts.append(f"{name} {escape(_short(change.old))} → {escape(_short(change.new))}")
    more = len(parts) - _SERVICES_IN_LINE
    words = cut(", ".join(parts[:_SERVICES_IN_LINE]), _SERVICES_LINE_LIMIT) + (
        f" and {more} more" if more > 0 else ""
    )
    if carried.configuration:
        configuration = _plural(len(carried.configuration), "configuration change")
        words = f"{words} · {configuration}" if words else configuration
    if words:
        return words
    if carried.configuration is None:
        return "Same versions as the previous successful deployment"
    return "Nothing changed since the previous successful deployment"


def _commit_line(commit: Commit) -> str:
    url = safe_url(commit.commit_page_url)
    sha = f"`{escape(commit.git_commit_id[:7])}`"
    words = f"• {f'<{url}|{sha}>' if url else sha} {escape(cut(commit.first_line, 100))}"
    return words + (f" — {escape(cut(commit.author_name, 60))}" if commit.author_name.strip() else "")


def _service_lines(change: ServiceChange) -> list[str]:
    name = f"*{escape(cut(change.name, 80))}*"
    versions = f"{_code(_short(change.old))} → {_code(_short(change.new))}"
    count = len(change.commits)
    match change.change:
        case Change.COMMITS:
            head = f"{name}: {_plural(count, 'commit')} ({versions})"
        case Change.ROLLBACK:
            head = f"{name}: rolls back {_plural(count, 'commit')} ({versions})"
        case Change.TOO_FAR:
            head = f"{name}: {versions}: more than 100 commits, or history rewritten"
        case Change.UNREAD:
            head = f"{name}: {versions} (Qovery did not list its commits)"
        case Change.TAG:
            head = f"{name}: {_code(change.old or '?')} → {_code(_tags(change)[1])}"  # image:1.4.2 → 1.5.0
        case Change.NEW:
            head = f"{name}: new in this deployment" + (
                f" ({_code(_short(change.new))})" if change.new else ""
            )
        case Change.UNCHANGED:
            head = f"{name}: unchanged"
        case _:
            head = f"{name}: no version to compare ({escape(cut(change.service_type.lower(), 40))})"
    lines = [head, *(_commit_line(c) for c in change.commits[:COMMITS_SHOWN])]
    if count > COMMITS_SHOWN:
        lines.append(f"and {count - COMMITS_SHOWN} more")
    return lines


def _change_line(change: ConfigurationChange) -> str:
    target = escape(cut(change.target_name or change.target_type.lower(), 80))
    if change.kind in (AuditKind.VARIABLE, AuditKind.SECRET):
        name = _code(change.shown.name or "a variable", 80)
        what = f"{name} ({change.kind.value}, {escape(change.done)}) on {target}"
    elif change.kind is AuditKind.SETTING:
        setting = _SETTINGS.get(change.sub_target or "", "settings")
        what = f"{setting} of {target} {escape(change.done)}"
        keys = [
            f"{_code(s.key, 80)} (value not shown)"
            if s.hidden
            else f"{_code(s.key, 80)} {_code(s.old or '—')} → {_code(s.new or '—')}"
            for s in change.shown.settings
        ]
        if change.shown.more_settings:
            keys.append(f"and {change.shown.more_settings} more")
        what += f": {'; '.join(keys)}" if keys else ""
    else:
        what = f"{escape(change.target_type.lower())} *{target}* {escape(change.done)}"
    who = [escape(cut(change.triggered_by, 80))] if change.triggered_by else []
    if change.origin:
        who.append(f"from {escape(origin_words(change.origin))}")
    return f"• {what} · {', '.join(w for w in (' '.join(who), slack_date(change.at)) if w)}"


def _lines(carried: Carried) -> list[str]:
    lines = ["*What's in this deployment*"]
    for change in carried.services:
        lines += _service_lines(change)
    if carried.configuration is not None:
        changes = carried.configuration
        if not changes:
            lines.append("*Configuration*: no change since the previous successful deployment")
        else:
            lines.append(
                f"*Configuration*: {_plural(len(changes), 'change')} since the previous successful deployment"
            )
            lines += [_change_line(change) for change in changes[:_CHANGES_SHOWN]]
            if len(changes) > _CHANGES_SHOWN:
                lines.append(f"and {len(changes) - _CHANGES_SHOWN} more")
        if carried.configuration_cut:
            lines.append(
                "(only the latest events of Qovery's audit log were read: older changes may be missing)"
            )
    return [cut(line, _LINE_LIMIT) for line in lines]


def reply_messages(carried: Carried) -> list[Message]:
    """The reply in the card's thread, in as many messages as Slack's limits ask (a few at most)."""
    sections: list[str] = []
    for line in _lines(carried):
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_LIMIT:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    per_message = min(_SECTIONS_A_MESSAGE, MAX_BLOCKS - 1)
    chunks = [sections[n : n + per_message] for n in range(0, len(sections), per_message)]
    left_out = sum(len(chunk) for chunk in chunks[_MESSAGES:])
    messages: list[Message] = []
    for number, chunk in enumerate(chunks[:_MESSAGES], start=1):
        blocks = [section(text) for text in chunk]
        if number == _MESSAGES and left_out:
            blocks.append(context(f"… and {left_out} more parts, left out: Slack's limits."))
        part = f" ({number}/{min(len(chunks), _MESSAGES)})" if len(chunks) > 1 else ""
        messages.append({"text": f"What's in this deployment{part}", "blocks": blocks})
    return messages


def reply_link(channel_id: str, thread_ts: str, reply_ts: str) -> str:
    """A link to the reply in the card's thread."""
    return (
        f"https://slack.com/archives/{channel_id}/p{reply_ts.replace('.', '')}"
        f"?thread_ts={thread_ts}&cid={channel_id}"
    )
