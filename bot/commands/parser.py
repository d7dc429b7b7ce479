"""The slash command's parser: the text after `/qovery` becomes a typed command, or a `CommandError`.

Pure: no I/O. Words are split like a shell does, so quoted arguments keep their spaces; options take
`--name value` or `--name=value`. Event and environment names are read in any case, and the short
event names (`failure`) mean the API's (`DEPLOYMENT_FAILURE`).
"""

from __future__ import annotations

import shlex

from bot.commands.grammar import BY_WORDS, GROUPS, SUBCOMMANDS
from bot.commands.typed import Command, Help
from bot.errors import CommandError

__all__ = ["parse"]


def parse(text: str) -> Command:
    try:
        words = shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise CommandError(f"The command could not be read: {error}.", word=text) from None
    if not words:
        return Help()
    first = words[0].lower()
    if first == "help":
        return Help()  # whatever follows: help is never refused
    # A group that is a subcommand of its own too (`changes`): its own unless one of its actions follows.
    own = first in BY_WORDS and (len(words) < 2 or f"{first} {words[1].lower()}" not in BY_WORDS)
    if first in GROUPS and not own:
        actions = GROUPS[first]
        if len(words) < 2:
            raise CommandError(f"`{first}` needs an action.", accepted=actions)
        found = BY_WORDS.get(f"{first} {words[1].lower()}")
        if found is None:
            raise CommandError(f"Unknown {first} action `{words[1]}`.", word=words[1], accepted=actions)
        return found.build(found.words, words[2:])
    found = BY_WORDS.get(first)
    if found is None:
        raise CommandError(f"Unknown subcommand `{words[0]}`.", word=words[0], accepted=SUBCOMMANDS)
    return found.build(found.words, words[1:])
