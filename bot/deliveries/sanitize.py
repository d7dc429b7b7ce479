"""The one sanitizer for content posted as it came (SPEC §9): a SLACK body the bot cannot re-render.

What comes through is rebuilt from what only shows, key by key: text, sections, headers, dividers,
context, images, rich text, and attachments' words and fields. Nothing interactive survives (actions
blocks, buttons, selects, inputs, overflow menus, legacy attachment actions), since only the bot's own
cards carry buttons; no mass mention survives in any form (`<!channel>`, `<!here>`, `<!everyone>`,
`<!group>`, `<!subteam^...>`, rich_text `broadcast` and `usergroup`); every text is cut to Slack's limits.
Pure: a dict in, a message out, whatever the dict holds.
"""

from __future__ import annotations

import re
from typing import Any

from bot.blocks import (
    ALT_TEXT_LIMIT,
    ATTACHMENT_LINE_LIMIT,
    ATTACHMENT_TEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    MAX_ATTACHMENTS,
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELDS,
    MESSAGE_TEXT_LIMIT,
    SECTION_LIMIT,
    Block,
    Message,
    cut,
    escape,
    safe_url,
)

__all__ = ["sanitize_slack_body", "without_mass_mentions"]

# `<!...>` is Slack's syntax for special mentions; of them, only a date is harmless.
_SPECIAL = re.compile(r"<!(?!date\^)(?P<name>[^>|]*)(?:\|(?P<label>[^>]*))?>")
_UNCLOSED = re.compile(r"<!(?!date\^)")
_RICH_DEPTH = 4  # rich_text nests lists in sections in lists: deeper is not Slack's


def without_mass_mentions(text: str) -> str:
    """`<!here>` as the words `@here`, `<!subteam^S1|@ops>` as `@ops`: shown, never notified."""

    def words(match: re.Match[str]) -> str:
        word = match.group("label") or match.group("name").split("^")[0]
        return escape("@" + word.removeprefix("@"))

    # What is left of `<!` (unclosed, or left by a label) is made literal: nothing can close it later.
    return _UNCLOSED.sub("&lt;!", _SPECIAL.sub(words, text))


def sanitize_slack_body(body: dict[str, Any]) -> Message:
    """A SLACK body made safe to post as it came: only content that shows, nothing that notifies."""
    blocks = _blocks(body.get("blocks"))
    attachments = [
        kept for item in _items(body.get("attachments"), MAX_ATTACHMENTS) if (kept := _attachment(item))
    ]
    text = _text(body.get("text"), MESSAGE_TEXT_LIMIT) or "Qovery deployment notification"
    message: Message = {"text": text}
    if blocks:
        message["blocks"] = blocks
    if attachments:
        message["attachments"] = attachments
    return message


def _text(value: object, limit: int) -> str | None:
    return cut(without_mass_mentions(value), limit) if isinstance(value, str) and value.strip() else None


def _items(value: object, limit: int) -> list[dict[str, Any]]:
    return [item for item in value[:limit] if isinstance(item, dict)] if isinstance(value, list) else []


def _text_object(value: object, limit: int, *, plain: bool = False) -> Block | None:
    if not isinstance(value, dict) or (text := _text(value.get("text"), limit)) is None:
        return None
    kind = "plain_text" if plain or value.get("type") == "plain_text" else "mrkdwn"
    return {"type": kind, "text": text}


def _image(value: dict[str, Any]) -> Block | None:
    url = safe_url(value.get("image_url"))
    if url is None:
        return None
    return {
        "type": "image",
        "image_url": url,
        "alt_text": _text(value.get("alt_text"), ALT_TEXT_LIMIT) or "image",
    }


def _blocks(value: object) -> list[Block]:
    kept = [block for item in _items(value, MAX_BLOCKS) if (block := _block(item))]
    return kept[:MAX_BLOCKS]


def _block(block: dict[str, Any]) -> Block | None:
    kind = block.get("type")
    if kind == "divider":
        return {"type": "divider"}
    if kind == "header":
        text = _text_object(block.get("text"), HEADER_LIMIT, plain=True)
        return {"type": "header", "text": text} if text else None
    if kind == "image":
        return _image(block)
    if kind == "section":
        section: Block = {"type": "section"}
        if text := _text_object(block.get("text"), SECTION_LIMIT):
            section["text"] = text
        fields = [
            f for item in _items(block.get("fields"), MAX_FIELDS) if (f := _text_object(item, FIELD_LIMIT))
        ]
        if fields:
            section["fields"] = fields
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "image" and (image := _image(accessory)):
            section["accessory"] = image  # an image shows; any other accessory is a control
        return section if "text" in section or "fields" in section else None
    if kind == "context":
        elements = [
            element
            for item in _items(block.get("elements"), MAX_CONTEXT_ELEMENTS)
            if (element := _image(item) if item.get("type") == "image" else _text_object(item, SECTION_LIMIT))
        ]
        return {"type": "context", "elements": elements} if elements else None
    if kind == "rich_text":
        elements = _rich(block.get("elements"), 1)
        return {"type": "rich_text", "elements": elements} if elements else None
    return None  # actions, input, file, call, video, and whatever else: not posted as it came


# Rich text: containers hold elements; each leaf keeps only the keys that show.
_RICH_CONTAINERS = {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
_CONTAINER_KEYS = ("style", "indent", "offset", "border")
_LEAF_KEYS = {
    "text": ("text", "style"),
    "link": ("url", "text", "style"),
    "emoji": ("name", "unicode"),
    "user": ("user_id", "style"),
    "channel": ("channel_id", "style"),
    "date": ("timestamp", "format", "fallback"),
    "color": ("value",),
}


def _rich(value: object, depth: int) -> list[Block]:
    if depth > _RICH_DEPTH:
        return []
    kept: list[Block] = []
    for item in _items(value, 500):
        kind = item.get("type")
        if kind in _RICH_CONTAINERS:
            inner = _rich(item.get("elements"), depth + 1)
            if inner:
                extra = {k: item[k] for k in _CONTAINER_KEYS if isinstance(item.get(k), str | int)}
                kept.append({"type": kind, "elements": inner} | extra)
        elif kind == "broadcast":  # @here, @channel, @everyone: the words, not the ping
            kept.append({"type": "text", "text": "@" + str(item.get("range", "channel"))[:20]})
        elif kind == "usergroup":
            kept.append({"type": "text", "text": "@group"})
        elif kind in _LEAF_KEYS:
            leaf = _leaf(kind, item)
            if leaf is not None:
                kept.append(leaf)
    return kept


def _leaf(kind: str, item: dict[str, Any]) -> Block | None:
    leaf: Block = {"type": kind}
    for key in _LEAF_KEYS[kind]:
        value = item.get(key)
        if key == "style" and isinstance(value, dict):
            leaf[key] = {k: v for k, v in value.items() if isinstance(v, bool) and k in _STYLES}
        elif key == "url":
            if (url := safe_url(value)) is None:
                return None
            leaf[key] = url
        elif isinstance(value, str):
            leaf[key] = cut(without_mass_mentions(value), SECTION_LIMIT)
        elif isinstance(value, int) and not isinstance(value, bool):
            leaf[key] = value
    required = _LEAF_KEYS[kind][0]
    return leaf if required in leaf else None


_STYLES = {"bold", "italic", "strike", "code"}


_ATTACHMENT_TEXTS = (
    ("fallback", ATTACHMENT_TEXT_LIMIT),
    ("pretext", ATTACHMENT_TEXT_LIMIT),
    ("title", ATTACHMENT_TEXT_LIMIT),
    ("text", SECTION_LIMIT),
    ("footer", ATTACHMENT_LINE_LIMIT),
    ("author_name", ATTACHMENT_LINE_LIMIT),
)


def _attachment(item: dict[str, Any]) -> Block | None:
    kept: Block = {}
    for key, limit in _ATTACHMENT_TEXTS:
        if text := _text(item.get(key), limit):
            kept[key] = text
    for key in ("title_link", "author_link", "image_url", "thumb_url"):
        if url := safe_url(item.get(key)):
            kept[key] = url
    color = item.get("color")
    if isinstance(color, str) and re.fullmatch(r"#?[0-9a-fA-F]{3,6}|good|warning|danger", color):
        kept["color"] = color
    fields = [
        {
            "title": _text(f.get("title"), ATTACHMENT_LINE_LIMIT) or "",
            "value": _text(f.get("value"), FIELD_LIMIT) or "",
            "short": f.get("short") is True,
        }
        for f in _items(item.get("fields"), MAX_FIELDS)
    ]
    if fields:
        kept["fields"] = fields
    if isinstance(item.get("mrkdwn_in"), list):
        kept["mrkdwn_in"] = [v for v in item["mrkdwn_in"] if v in ("text", "pretext", "fields")]
    if blocks := _blocks(item.get("blocks")):
        kept["blocks"] = blocks
    shown = {"fallback", "color", "mrkdwn_in"}
    return kept if set(kept) - shown else None
