"""The change feed's words and bursts, pure: `/qovery changes ...` read through the grammar, bursts cut
at 2 minutes of quiet or 10 minutes long, and each kind of change said without a value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.changefeed import Change, ChangeFilters, ChangeKind, burst_message, bursts, kind_of
from bot.commands.parser import parse
from bot.commands.typed import ChangesSubscribe, ShowChanges
from bot.errors import CommandError
from bot.qovery import AuditEvent

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ENV = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"


def change(seconds: float, who: str = "alice@acme.com", **more: object) -> Change:
    fields: dict[str, object] = {
        "key": f"{who}{seconds}", "at": T0 + timedelta(seconds=seconds), "kind": ChangeKind.VARIABLES,
        "event_type": "UPDATE", "target_type": "APPLICATION", "target_name": "api",
        "sub_target_type": "VARIABLE", "name": "LOG_LEVEL", "origin": "CONSOLE", "triggered_by": who,
        "project_name": "backend",
        "environment_id": ENV, "environment_name": "production", "environment_type": "PRODUCTION",
    }  # fmt: skip
    return Change(**(fields | more))  # type: ignore[arg-type]


def test_changes_each_within_two_minutes_of_the_last_are_one_burst_that_ends_two_minutes_after() -> None:
    run = [change(0), change(100), change(200)]
    assert bursts(run, T0 + timedelta(seconds=300)) == [(run, False)]  # 100 s of quiet: not over yet
    assert bursts(run, T0 + timedelta(seconds=321)) == [(run, True)]


def test_a_burst_lasts_ten_minutes_at_most_and_another_person_is_another_burst() -> None:
    steady = [change(n * 90.0) for n in range(10)]  # every 90 s for 13.5 minutes
    found = bursts([*steady, change(10, who="bob@acme.com")], T0 + timedelta(seconds=830))
    assert [len(run) for run, _ in found] == [7, 1, 3]
    assert [ended for _, ended in found] == [True, True, False]


def test_the_subcommands_read_their_options_through_the_table() -> None:
    assert parse("changes") == ShowChanges()
    assert parse("changes billing/production --since 2d --user Bob@Acme.com") == ShowChanges(
        "billing/production", timedelta(days=2), "bob@acme.com"
    )
    subscribed = parse("changes subscribe --envs production --kinds variables,settings")
    assert isinstance(subscribed, ChangesSubscribe)
    assert subscribed.filters.kinds == (ChangeKind.VARIABLES, ChangeKind.SETTINGS)
    with pytest.raises(CommandError, match="only for a channel that filters no project"):
        parse("changes subscribe --env-names prod* --kinds all")
    with pytest.raises(CommandError, match="90 days"):
        parse("changes --since 120d")
    # Access is organization-wide: a channel filtering by place never gets it, a whole one does.
    assert ChangeKind.ACCESS not in ChangeFilters(projects=("billing",)).posted_kinds()
    assert ChangeKind.ACCESS in ChangeFilters().posted_kinds()


def test_each_kind_is_read_from_the_event() -> None:
    def kind(**fields: object) -> ChangeKind | None:
        base = {"timestamp": "1796720400000000000", "event_type": "UPDATE", "target_type": "APPLICATION"}
        event = AuditEvent.read(base | fields)
        assert event is not None
        return kind_of(event)

    assert kind(sub_target_type="SECRET") is ChangeKind.VARIABLES
    assert kind(sub_target_type="ADVANCED_SETTINGS") is ChangeKind.SETTINGS
    assert kind(event_type="DELETE") is ChangeKind.SERVICES
    assert kind(event_type="CLONE", target_type="ENVIRONMENT") is ChangeKind.ENVIRONMENTS
    assert kind(target_type="MEMBERS_AND_ROLES") is ChangeKind.ACCESS
    assert (
        kind(target_type="ORGANIZATION", sub_target_type="API_TOKEN", event_type="CREATE")
        is ChangeKind.ACCESS
    )
    assert kind(event_type="TRIGGER_DEPLOY") is ChangeKind.DEPLOYMENTS
    assert kind(event_type="DEPLOYED") is None  # an outcome: the webhooks' cards say it


def test_a_burst_says_who_from_where_and_what_escaped_and_cut() -> None:
    message = burst_message([change(0, name="DATABASE_URL", sub_target_type="SECRET"),
                             change(1, name="<!channel>", event_type="CREATE"),
                             change(2, who="<!here>", name="X" * 5000)])  # fmt: skip
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(
        ":warning: *alice@acme.com*, from the console, changed 3 variables of backend / production:"
    )
    assert "`DATABASE_URL` (secret, changed)" in text
    assert "`&lt;!channel&gt;` (created)" in text
    assert "<!" not in text
    assert len(text) <= 3000


def test_access_asked_for_by_a_channel_that_filters_by_place_is_refused_however_the_kinds_are_typed() -> None:
    every_default_kind = "variables,settings,services,environments,access"  # the default's, in its order
    with pytest.raises(CommandError, match="only for a channel that filters no project"):
        parse(f"changes subscribe --projects billing --kinds {every_default_kind}")
    subscribed = parse("changes subscribe --projects billing")  # the default kinds: accepted, no access
    assert isinstance(subscribed, ChangesSubscribe)
    assert ChangeKind.ACCESS not in subscribed.filters.posted_kinds()
    assert ChangeKind.VARIABLES in subscribed.filters.posted_kinds()


def test_mention_trigger_which_the_feed_cannot_notify_is_refused_in_words() -> None:
    with pytest.raises(CommandError, match="`trigger`"):
        parse("changes subscribe --mention trigger")
    subscribed = parse("changes subscribe --mention <@U0SRE|sre>")
    assert isinstance(subscribed, ChangesSubscribe)


def test_a_channels_filters_are_said_with_the_names_escaped() -> None:
    subscribed = parse("changes subscribe --projects <!channel> --env-names <!here>*")
    assert isinstance(subscribed, ChangesSubscribe)
    words = subscribed.filters.words()
    assert "<!channel>" not in words
    assert "<!here>" not in words
    assert "&lt;!channel&gt;" in words
