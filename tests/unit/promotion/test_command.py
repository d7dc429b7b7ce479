"""`/qovery promote` read from what was typed: its environments and `--services`, and hostile words
refused with the word named (nothing is asked of Qovery)."""

from __future__ import annotations

import pytest

from bot.commands import parse
from bot.commands.typed import Promote
from bot.errors import CommandError


def test_promote_reads_its_environments_and_services() -> None:
    assert parse("promote billing/staging --to production") == Promote("billing/staging", "production")
    assert parse("promote billing/staging --to=web/production --services api,worker*") == Promote(
        "billing/staging", "web/production", ("api", "worker*")
    )


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("promote", "promote"),
        ("promote billing/staging", "--to"),
        ("promote billing/staging --to <!channel>", "<!channel>"),
        ("promote billing/staging --to a/b/c", "a/b/c"),
        ("promote billing/staging --to production --services a*b", "a*b"),
        ("promote billing/staging --to production --force", "--force"),
    ],
)
def test_a_bad_promote_is_refused_naming_the_word(typed: str, word: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse(typed)
    assert word in str(refused.value.message) + str(refused.value.word or "")
