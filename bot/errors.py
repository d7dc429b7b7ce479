"""The core's errors, and the one function that turns any of them into the words a Slack user reads.

    Exception
    ├── UserError        something the user can fix (a token to connect, a prefix too short...): its
    │                    message is shown as it is
    ├── CommandError     the command's text breaks the grammar: the wrong word and the words accepted
    ├── FormError        a form to refuse, with a message under each of its fields
    └── QoveryError      Qovery failed or refused (bot.qovery: its own tree, each with its sentence)

No traceback, token or secret ever reaches these words.
"""

from __future__ import annotations

from bot.blocks import escape
from bot.qovery import QoveryError

__all__ = ["CommandError", "FormError", "UserError", "usage_line", "user_words"]


class UserError(Exception):
    """Something the user can fix; its message is shown as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CommandError(Exception):
    """The text does not follow the grammar; `word` is the offending word, `accepted` what would do."""

    def __init__(self, message: str, word: str = "", accepted: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.word = word
        self.accepted = accepted


class FormError(Exception):
    """A submission to refuse, with a message under each field (block id -> text)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def usage_line(command: str) -> str:
    return f"Usage: `{command} <subcommand> [arguments]` (try `{command} help`)"


def user_words(error: UserError | CommandError | FormError | QoveryError, command: str) -> str:
    """What the user reads (mrkdwn; outside words such as a typed word are escaped)."""
    if isinstance(error, QoveryError):
        return f":x: {error.sentence(command)}"
    if isinstance(error, UserError):
        return f":warning: {error.message}"
    if isinstance(error, FormError):
        return ":warning: " + escape(str(error))
    lines = [f":warning: {escape(error.message)}"]
    if error.accepted:
        lines.append("Accepted: " + ", ".join(f"`{word}`" for word in error.accepted))
    lines.append(usage_line(command))
    return "\n".join(lines)
