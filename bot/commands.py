"""The slash command's grammar: the text after `/qovery` becomes a typed command, or a `CommandError`.

Pure: no I/O. Words are split like a shell does, so quoted arguments keep their spaces.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

__all__ = ["SUBCOMMANDS", "CommandError", "Help", "NotYetAvailable", "parse"]

# Every subcommand of the specification, in the order the usage lists them.
SUBCOMMANDS = (
    "help",
    "connect",
    "disconnect",
    "webhook",
    "subscribe",
    "unsubscribe",
    "deliveries",
)


@dataclass(frozen=True)
class Help:
    """Show the usage."""


@dataclass(frozen=True)
class NotYetAvailable:
    """A subcommand of the specification that this version does not carry out yet."""

    subcommand: str


Command = Help | NotYetAvailable


class CommandError(Exception):
    """The text does not follow the grammar; `word` is the offending word, `accepted` what would do."""

    def __init__(self, message: str, word: str, accepted: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.word = word
        self.accepted = accepted


def parse(text: str) -> Command:
    try:
        words = shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise CommandError(f"The command could not be read: {error}.", word=text) from None
    if not words or words[0].lower() == "help":
        return Help()
    subcommand = words[0].lower()
    if subcommand not in SUBCOMMANDS:
        raise CommandError(f"Unknown subcommand `{words[0]}`.", word=words[0], accepted=SUBCOMMANDS)
    return NotYetAvailable(subcommand)
