"""How the card and its thread say what a deployment carried: the card's one line in the words users
read, and the reply escaped, cut and within Block Kit's limits however much Qovery sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block

from bot.blocks import MAX_BLOCKS, SECTION_LIMIT
from bot.contents import Carried, Change, ConfigurationChange, ServiceChange, card_line, reply_messages
from bot.qovery import AuditKind, AuditShown, Commit

AT = datetime(2026, 12, 7, 10, tzinfo=UTC)


def commits(count: int, message: str = "Fix invoices", author: str = "Alice") -> tuple[Commit, ...]:
    return tuple(
        Commit(
            git_commit_id=f"{n:040x}",
            message=message,
            author_name=author,
            commit_page_url=f"https://github.com/acme/billing/commit/{n:040x}",
        )
        for n in range(count)
    )


def variable(name: str, n: int = 0) -> ConfigurationChange:
    return ConfigurationChange(
        AuditKind.VARIABLE,
        "changed",
        "APPLICATION",
        "api",
        "VARIABLE",
        AuditShown(name=name),
        "alice@acme.com",
        "CONSOLE",
        AT + timedelta(seconds=n),
    )


def test_the_card_line_sums_it_up() -> None:
    carried = Carried(
        (
            ServiceChange("api", "APPLICATION", Change.COMMITS, "a" * 40, "b" * 40, commits(3)),
            ServiceChange(
                "worker", "CONTAINER", Change.TAG, "ghcr.io/acme/worker:1.4.2", "ghcr.io/acme/worker:1.5.0"
            ),
            ServiceChange("db", "DATABASE", Change.UNVERSIONED),
            ServiceChange("cron", "JOB", Change.UNCHANGED, "c" * 40, "c" * 40),
        ),
        (variable("A"), variable("B")),
    )
    assert card_line(carried) == "3 commits to api, worker 1.4.2 → 1.5.0 · 2 configuration changes"
    rollback = Carried(
        (ServiceChange("api", "APPLICATION", Change.ROLLBACK, "b" * 40, "a" * 40, commits(1)),), ()
    )
    assert card_line(rollback) == "api rolls back 1 commit"
    assert card_line(Carried((ServiceChange("db", "DATABASE", Change.UNCHANGED),), ())) == (
        "Nothing changed since the previous successful deployment"
    )
    assert card_line(Carried((), None)) == "Same versions as the previous successful deployment"


def test_a_service_shows_ten_commits_then_how_many_more() -> None:
    carried = Carried(
        (ServiceChange("api", "APPLICATION", Change.COMMITS, "a" * 40, "b" * 40, commits(24)),), None
    )
    [message] = reply_messages(carried)
    lines = message["blocks"][0]["text"]["text"].splitlines()
    assert lines[1] == "*api*: 24 commits (`aaaaaaa` → `bbbbbbb`)"
    assert len([line for line in lines if line.startswith("• ")]) == 10
    assert lines[-1] == "and 14 more"


def test_hostile_commits_and_names_are_escaped_cut_and_within_block_kits_limits() -> None:
    hostile = "<!channel> <@U0BOSS> <!subteam^S0ALL|all> `code` " + "x" * 10_000
    services = tuple(
        ServiceChange(
            f"<!here>{n}" * 30,
            "APPLICATION",
            Change.COMMITS,
            "a" * 40,
            "b" * 40,
            commits(500, hostile, hostile),
        )
        for n in range(40)
    )
    carried = Carried(services, tuple(variable("<!here>`" + "k" * 500, n) for n in range(300)), True)
    messages = reply_messages(carried)
    shown = json.dumps(messages)
    for mass in ("<!channel>", "<!here>", "<@U0BOSS>", "<!subteam"):
        assert mass not in shown
    assert 1 <= len(messages) <= 3
    for message in messages:
        assert len(message["blocks"]) <= MAX_BLOCKS
        for block in message["blocks"]:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
            text = block["text"]["text"] if "text" in block else block["elements"][0]["text"]
            assert len(text) <= SECTION_LIMIT
    assert shown.count("and 490 more") == 40  # 10 commits a service shown
    assert "and 240 more" in shown  # of the 300 changes, 60 listed
    assert len(card_line(carried)) < 600
