"""Block Kit building blocks: the one place that knows Slack's limits and mrkdwn escaping.

Blocks are plain dicts, ready for `chat.postMessage`. Every text from outside goes through `escape`
(so `<!channel>` or a stray `<https://...|link>` stays literal) and every field is cut to its limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ALT_TEXT_LIMIT",
    "ATTACHMENT_LINE_LIMIT",
    "ATTACHMENT_TEXT_LIMIT",
    "BUTTON_TEXT_LIMIT",
    "BUTTON_VALUE_LIMIT",
    "FIELD_LIMIT",
    "HEADER_LIMIT",
    "MAX_ATTACHMENTS",
    "MAX_BLOCKS",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_FIELDS",
    "MAX_MENU_OPTIONS",
    "MESSAGE_TEXT_LIMIT",
    "MODAL_TITLE_LIMIT",
    "PLACEHOLDER_LIMIT",
    "ROW_ID_MAX",
    "SECTION_LIMIT",
    "URL_LIMIT",
    "Block",
    "Message",
    "button",
    "confirm",
    "context",
    "cut",
    "escape",
    "header",
    "input_block",
    "modal",
    "option",
    "plain",
    "plain_text",
    "read_row_id",
    "safe_url",
    "section",
    "sections",
    "slack_date",
    "whole_lines",
]

Block = dict[str, Any]
Message = dict[str, Any]

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
MAX_BLOCKS = 50
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75  # a choice's label in checkboxes, radio buttons and menus
MODAL_TITLE_LIMIT = 24  # a modal's title, and its submit and close buttons
LABEL_LIMIT = 2000  # an input's label and hint
MAX_MENU_OPTIONS = 100
PLACEHOLDER_LIMIT = 150
ALT_TEXT_LIMIT = 2000
MAX_FIELDS = 10  # a section's fields
MAX_CONTEXT_ELEMENTS = 10
MAX_ATTACHMENTS = 20  # Slack's advice for legacy attachments
ATTACHMENT_TEXT_LIMIT = 3000  # an attachment's fallback, pretext, title or text, as the bot keeps them
ATTACHMENT_LINE_LIMIT = 300  # an attachment's footer, author or field title
URL_LIMIT = 3000
MESSAGE_TEXT_LIMIT = 40000  # a message's top-level text; Slack cuts longer ones itself
# The largest id of a row the bot names in a button (cards, firings, actions, deliveries): the tables'
# INTEGER ids. A click naming a larger one names nothing (and never reaches the database's driver).
ROW_ID_MAX = 2**31 - 1
_CONTEXT_LIMIT = 3000  # per context element
_CONFIRM_TEXT_LIMIT = 300
_CONFIRM_TITLE_LIMIT = 100
_CONFIRM_BUTTON_LIMIT = 30


def escape(text: str) -> str:
    """Make outside text literal in mrkdwn: Slack reads only these three characters as control."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut_text = text[: limit - 1]
    # Do not leave half an escape such as `&am` behind.
    amp = cut_text.rfind("&", max(0, len(cut_text) - 5))
    if amp != -1 and ";" not in cut_text[amp:]:
        cut_text = cut_text[:amp]
    return cut_text + "…"


def slack_date(moment: datetime, link: str | None = None) -> str:
    """A time each reader sees in their own time zone, with a UTC fallback for old clients; `link` makes
    it a link (a link's label cannot hold a date of its own)."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    linked = f"^{link}" if link else ""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}{linked}|{fallback}>"


def read_row_id(value: object, prefix: str = "") -> int | None:
    """The bot's own row a button's value names (`action:12` read with the prefix `action:`), or None for
    anything else: ASCII digits only (`int` would take `٣` or `+1`), 0 < id <= ROW_ID_MAX."""
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    digits = value[len(prefix) :]
    if not 0 < len(digits) <= len(str(ROW_ID_MAX)) or not (digits.isascii() and digits.isdigit()):
        return None
    found = int(digits)
    return found if 0 < found <= ROW_ID_MAX else None


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(text, HEADER_LIMIT), "emoji": True}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(mrkdwn, SECTION_LIMIT)}}


def sections(lines: Iterable[str]) -> list[Block]:
    """Lines of mrkdwn in as few sections as hold them whole (a line is cut only when it alone is over a
    section's limit): a long list is split, never cut."""
    texts: list[str] = []
    for line in (cut(line, SECTION_LIMIT) for line in lines):
        if texts and len(texts[-1]) + 1 + len(line) <= SECTION_LIMIT:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return [section(text) for text in texts]


def whole_lines(lines: Sequence[str], total: int | None = None, noun: str = "") -> str:
    """As many of `lines` as one section holds whole, one a line, then `… and N more {noun}`: a cut never
    falls mid-line nor loses the count. `total` counts what `lines` are the first of, when they are."""
    kept: list[str] = []
    room = SECTION_LIMIT - 40  # for the line that says how many more
    for line in lines:
        room -= len(line) + 1
        if room < 0:
            break
        kept.append(line)
    more = (len(lines) if total is None else total) - len(kept)
    if more > 0:
        kept.append(f"… and {more} more" + (f" {noun}" if noun else ""))
    return "\n".join(kept)


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(mrkdwn, _CONTEXT_LIMIT)}]}


def safe_url(value: object) -> str | None:
    """A URL from outside, kept only when it is plain http(s), fits Slack's limit, and cannot break out of
    a mrkdwn link (`<url|words>`): no space, `<`, `>` or `|`."""
    if isinstance(value, str) and len(value) <= URL_LIMIT and re.fullmatch(r"https?://[^\s<>|]+", value):
        return value
    return None


def button(
    text: str, action_id: str, *, value: str | None = None, url: str | None = None, **extra: Any
) -> Block:
    """A button; its value and URL must fit (a value is the bot's own short reference, never content)."""
    if value is not None and len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError("a button's value is over Slack's limit")
    if url is not None and len(url) > URL_LIMIT:
        raise ValueError("a button's URL is over Slack's limit")
    found: Block = {"type": "button", "text": {"type": "plain_text", "text": cut(text, BUTTON_TEXT_LIMIT)}}
    found["action_id"] = action_id
    if value is not None:
        found["value"] = value
    if url is not None:
        found["url"] = url
    return found | extra


def confirm(title: str, mrkdwn: str, yes: str, *, no: str = "No", danger: bool = False) -> Block:
    """The dialog Slack shows before a button acts."""
    dialog: Block = {
        "title": plain_text(title, _CONFIRM_TITLE_LIMIT),
        "text": {"type": "mrkdwn", "text": cut(mrkdwn, _CONFIRM_TEXT_LIMIT)},
        "confirm": plain_text(yes, _CONFIRM_BUTTON_LIMIT),
        "deny": plain_text(no, _CONFIRM_BUTTON_LIMIT),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def plain_text(text: str, limit: int = LABEL_LIMIT) -> Block:
    return {"type": "plain_text", "text": cut(text, limit)}


def option(value: str, label: str) -> Block:
    """A choice of checkboxes, radio buttons or a menu."""
    return {"text": plain_text(label, OPTION_TEXT_LIMIT), "value": value}


def input_block(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    """A form's field; its element answers under the same id as the block."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": {"action_id": block_id, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint)
    return block


def modal(
    title: str, blocks: list[Block], *, submit: str | None = None, close: str = "Cancel", **extra: Any
) -> Block:
    view: Block = {"type": "modal", **extra, "title": plain_text(title, MODAL_TITLE_LIMIT)}
    if submit is not None:
        view["submit"] = plain_text(submit, MODAL_TITLE_LIMIT)
    view["close"] = plain_text(close, MODAL_TITLE_LIMIT)
    view["blocks"] = blocks[:100]  # Slack's limit for a modal
    return view


def plain(text: str) -> Message:
    """A one-paragraph ephemeral answer; `text` is already mrkdwn."""
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
