"""The parts of a card that Qovery's deployment history adds (SPEC §10), and the log reply of a failure.

Pure. Every word here came from outside (names, commit messages, authors, log lines): each is escaped,
and cut to Slack's limits; a commit's link is kept only when it is a plain http(s) URL.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import (
    MESSAGE_TEXT_LIMIT,
    SECTION_LIMIT,
    Block,
    Message,
    context,
    cut,
    escape,
    safe_url,
    section,
    whole_lines,
)
from bot.deliveries.deployment_details import Details, ServiceLine
from bot.deliveries.events import DeploymentStatus
from bot.qovery import type_words

__all__ = [
    "STATUS_EMOJI",
    "detail_blocks",
    "duration_words",
    "log_reply",
    "origin_words",
    "service_words",
    "status_emoji",
    "trigger_words",
    "versions_words",
]

_SERVICES_SHOWN = 20
# What is said of a service whose version the history does not give (a database, an Argo CD application).
NOT_VERSIONED = "version not known to the bot"
_ACTIONS = {
    "DEPLOY": "Deployment", "RESTART": "Restart", "STOP": "Stop", "DELETE": "Deletion",
    "DEPLOY_DRY_RUN": "Dry run", "UNINSTALL": "Uninstall", "DELETE_RESOURCES_ONLY": "Deletion of resources",
}  # fmt: skip
_ORIGINS = {
    "CONSOLE": "the console", "API": "the API", "CLI": "the CLI", "GIT": "a git push",
    "TERRAFORM_PROVIDER": "Terraform", "QOVERY_INTERNAL": "Qovery", "SKILL": "an AI skill",
}  # fmt: skip
STATUS_EMOJI = {
    DeploymentStatus.RUNNING: ":large_blue_circle:",
    DeploymentStatus.SUCCESSFUL: ":white_check_mark:",
    DeploymentStatus.FAILED: ":x:",
    DeploymentStatus.CANCELLED: ":no_entry_sign:",
}


def duration_words(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def status_emoji(status: DeploymentStatus | None) -> str:
    """A status's emoji; a white circle for one Qovery gave that the bot does not know."""
    return STATUS_EMOJI[status] if status else ":white_circle:"


def origin_words(origin: str) -> str:
    """`the console`, `the API`, ... for one of Qovery's origins (not escaped)."""
    return _ORIGINS.get(origin.upper(), origin.lower().replace("_", " "))


def trigger_words(details: Details) -> str:
    """`Restart by alice@acme.com from the console`, escaped."""
    action = _ACTIONS.get(details.action.upper(), details.action.replace("_", " ").capitalize())
    words = action
    if details.triggered_by:
        words += f" by {details.triggered_by}"
    if details.origin:
        words += f" from {_ORIGINS.get(details.origin.upper(), details.origin.lower())}"
    return escape(words)


def service_words(name: str, kind: str | None, longest: int = 60, *, bold: bool = False) -> str:
    """`api (application)`, `chart (Helm chart)`, `x (FOO_BAR)` for a kind the bot does not know: escaped,
    the name cut to `longest`."""
    shown = escape(cut(name, longest))
    words = f"*{shown}*" if bold else shown
    kind_words = type_words(kind)
    return f"{words} ({escape(kind_words)})" if kind_words else words


def _version(line: ServiceLine) -> str:
    if line.sha:
        url = safe_url(line.commit_url)
        sha = f"<{url}|`{escape(line.sha)}`>" if url else f"`{escape(line.sha)}`"
        parts = [sha]
        if line.message:
            parts.append(escape(cut(line.message, 80)))
        if line.author:
            parts.append(f"by {escape(cut(line.author, 60))}")
        return " ".join(parts)
    return f"`{escape(cut(line.image, 120))}`" if line.image else ""


def versions_words(lines: Sequence[ServiceLine], most: int) -> str:
    """`api (application) `3f2a9c1`, worker (container) `acme/worker:1.4` · version not known to the bot:
    db (database)`: what each service runs, `most` services at most, then how many more; escaped. Empty
    when the history names no service."""
    known = [
        f"{service_words(line.name, line.service_type, 40)} `{escape(line.sha or cut(line.image or '', 60))}`"
        for line in lines
        if line.sha or line.image
    ][:most]
    unknown = [
        service_words(line.name, line.service_type, 40) for line in lines if not (line.sha or line.image)
    ]
    unknown = unknown[: most - len(known)]
    words = ", ".join(known)
    if unknown:
        words += (" · " if words else "") + f"{NOT_VERSIONED}: " + ", ".join(unknown)
    more = len(lines) - len(known) - len(unknown)
    return words + (f" and {more} more" if more > 0 else "")


def _service_line(line: ServiceLine) -> str:
    emoji = status_emoji(line.status)
    parts = [
        f"{emoji} {service_words(line.name, line.service_type, 80, bold=True)}",
        _version(line) or NOT_VERSIONED,
    ]
    if line.seconds is not None:
        parts.append(duration_words(line.seconds))
    return " · ".join(parts)


def detail_blocks(details: Details) -> list[Block]:
    """What the history adds below the card's facts: services, and why it failed."""
    blocks: list[Block] = []
    if details.services:
        lines = [_service_line(line) for line in details.services[:_SERVICES_SHOWN]]
        blocks.append(section(whole_lines(lines, len(details.services))))
    if details.failed_stage or details.failed_services:
        where = f"stage *{escape(details.failed_stage)}*" if details.failed_stage else "a stage"
        failed = ", ".join(f"*{escape(name)}*" for name in details.failed_services[:10])
        text = f":warning: Failed at {where}" + (f": {failed}" if failed else "") + "."
        if details.why:
            text += f" Qovery says: {escape(details.why)}."
        blocks.append(section(text))
    links = [(name, url) for name, url in details.links if safe_url(url)]
    if links:
        shown = " · ".join(f"<{url}|{escape(cut(name, 60))}>" for name, url in links[:10])
        blocks.append(context(f":link: {shown}"))
    return blocks


def log_reply(where: str, details: Details) -> Message | None:
    """The reply in a failed deployment's thread: its last log lines, errors first, in a code block."""
    if not details.log_lines:
        return None
    # Three backticks would close the block early: the lines are shown, the block stays whole.
    body = "\n".join(escape(line).replace("```", "` ` `") for line in details.log_lines)
    head = f"Last lines of the log of {escape(where)} (errors first):"
    text = cut(f"{head}\n```\n{body}\n```", SECTION_LIMIT - 4)
    if not text.endswith("```"):
        text = text.rstrip("…") + "\n```"
    return {
        "text": cut(f"{head} {len(details.log_lines)} lines", MESSAGE_TEXT_LIMIT),
        "blocks": [section(text)],
    }
