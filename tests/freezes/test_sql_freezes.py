"""Freezes kept on both databases and read at a moved clock: a weekend window across the night Paris
falls back holds until Monday 08:00 local time; a span from now ends when it says; an exception's reason
is kept with its request; another workspace's freezes hold nothing here."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.sql.actions import SqlActions
from adapters.sql.engine import create_engine, migrate
from adapters.sql.freezes import SqlFreezes
from bot.access import Access, BotConfig
from bot.actions import Action, ActionKind, ActionState
from bot.actions.plans import Target
from bot.freezes import Freeze, Freezes, Span, read_window
from bot.qovery import EnvironmentType
from tests.fakes.memory import MemoryQovery, MemoryWorkspaces

FRIDAY = datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # 16:00 in Paris, the weekend the clocks go back
TARGET = Target("0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f", "production", "billing", "PRODUCTION", "org")


def test_a_weekend_freeze_across_a_dst_change_holds_to_its_local_end_on_both_databases(
    database_url: str,
) -> None:
    moments = {
        "friday 15:59 Paris": FRIDAY - timedelta(minutes=1),
        "friday 16:00 Paris": FRIDAY,
        "sunday, after the change": datetime(2026, 10, 25, 12, 0, tzinfo=UTC),
        "monday 07:59 Paris": datetime(2026, 10, 26, 6, 59, tzinfo=UTC),
        "monday 08:00 Paris": datetime(2026, 10, 26, 7, 0, tzinfo=UTC),
    }

    async def scenario() -> tuple[dict[str, str | None], int, str | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            records = SqlFreezes(engine)
            weekend = read_window("fri 16:00-mon 08:00 Europe/Paris")
            production, staging = (EnvironmentType.PRODUCTION,), (EnvironmentType.STAGING,)
            await records.add("T1", Freeze("weekend", production, weekend, set_by="U1"), FRIDAY)
            span = Span(FRIDAY - timedelta(hours=3), FRIDAY - timedelta(hours=1))
            await records.add("T1", Freeze("incident", production, span=span, set_by="U1"), FRIDAY)
            await records.add("T2", Freeze("theirs", staging, weekend, set_by="U9"), FRIDAY)
            access = Access(BotConfig("http://bot"), MemoryWorkspaces(), lambda _: MemoryQovery("org"))
            freezes = Freezes(access, records, "/qovery", "UTC")
            found = {}
            for name, at in moments.items():
                holding = await freezes.in_force("T1", "production", at)
                found[name] = holding.freeze.reason if holding else None
            for name, kind, at in (
                ("staging", "STAGING", FRIDAY),
                ("two hours before", "PRODUCTION", FRIDAY - timedelta(hours=2)),
            ):
                holding = await freezes.in_force("T1", kind, at)
                found[name] = holding.freeze.reason if holding else None
            actions = SqlActions(engine)
            action_id = await actions.add(Action("T1", "U1", "C1", ActionKind.DEPLOY, TARGET), FRIDAY)
            await actions.hold(action_id, FRIDAY - timedelta(minutes=10), FRIDAY, exception="hotfix")
            kept = await actions.get(action_id)
            return found, await records.clear("T1"), kept.exception if kept else None
        finally:
            await engine.dispose()

    found, cleared, exception = asyncio.run(scenario())
    assert found == {
        "friday 15:59 Paris": None,
        "friday 16:00 Paris": "weekend",
        "sunday, after the change": "weekend",
        "monday 07:59 Paris": "weekend",
        "monday 08:00 Paris": None,
        "staging": None,
        "two hours before": "incident",
    }
    assert cleared == 2
    assert exception == "hotfix"


def test_a_freeze_starting_in_the_hour_the_clock_skips_holds_from_the_jump_on_both_databases(
    database_url: str,
) -> None:
    """Paris springs forward on Sunday 29 March 2026 at 02:00 (01:00 UTC) to 03:00: a freeze from
    02:30, a time the clock skips, holds from the jump, as quiet hours do; not from 03:30."""
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    moments = {
        "saturday 23:59 Paris": jump - timedelta(hours=2, minutes=1),
        "03:00 Paris, the jump": jump,
        "03:10 Paris": jump + timedelta(minutes=10),
        "03:59 Paris": jump + timedelta(minutes=59),
        "04:00 Paris": jump + timedelta(hours=1),
    }

    async def scenario() -> dict[str, str | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            records = SqlFreezes(engine)
            early = read_window("sun 02:30-sun 04:00 Europe/Paris")
            await records.add("T1", Freeze("early", (EnvironmentType.PRODUCTION,), early, set_by="U1"), jump)
            access = Access(BotConfig("http://bot"), MemoryWorkspaces(), lambda _: MemoryQovery("org"))
            freezes = Freezes(access, records, "/qovery", "UTC")
            found = {}
            for name, at in moments.items():
                holding = await freezes.in_force("T1", "production", at)
                found[name] = holding.freeze.reason if holding else None
            return found
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == {
        "saturday 23:59 Paris": None,
        "03:00 Paris, the jump": "early",
        "03:10 Paris": "early",
        "03:59 Paris": "early",
        "04:00 Paris": None,
    }


def test_a_freeze_ending_in_the_hour_the_clock_repeats_holds_until_its_second_showing_on_both_databases(
    database_url: str,
) -> None:
    """Paris falls back on Sunday 25 October 2026 at 03:00 (01:00 UTC) to 02:00: a freeze to 02:30
    holds while the clock shows 02:15 the second time, as quiet hours do, until the second 02:30."""
    back = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 02:00 in Paris, the second time
    moments = {
        "02:15 Paris, the first time": back - timedelta(minutes=45),
        "02:15 Paris, the second time": back + timedelta(minutes=15),
        "02:30 Paris, the second time": back + timedelta(minutes=30),
    }

    async def scenario() -> dict[str, str | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            records = SqlFreezes(engine)
            night = read_window("sat 22:00-sun 02:30 Europe/Paris")
            await records.add("T1", Freeze("night", (EnvironmentType.PRODUCTION,), night, set_by="U1"), back)
            access = Access(BotConfig("http://bot"), MemoryWorkspaces(), lambda _: MemoryQovery("org"))
            freezes = Freezes(access, records, "/qovery", "UTC")
            found = {}
            for name, at in moments.items():
                holding = await freezes.in_force("T1", "production", at)
                found[name] = holding.freeze.reason if holding else None
            return found
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == {
        "02:15 Paris, the first time": "night",
        "02:15 Paris, the second time": "night",
        "02:30 Paris, the second time": None,
    }


def test_an_action_an_approved_exception_ran_explains_its_environments_deployment_on_both_databases(
    database_url: str,
) -> None:
    async def scenario() -> list[bool]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            actions = SqlActions(engine)
            excepted = await actions.add(Action("T1", "U1", "C1", ActionKind.DEPLOY, TARGET), FRIDAY)
            await actions.hold(excepted, FRIDAY - timedelta(minutes=10), FRIDAY, exception="hotfix")
            await actions.decide(excepted, ActionState.PENDING, ActionState.RUNNING, "U2", None)
            await actions.finish(excepted, ActionState.DONE, "QUEUED", None, FRIDAY, own_token=False)
            plain = replace(TARGET, environment_id="1e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f")
            other = await actions.add(Action("T1", "U1", "C1", ActionKind.DEPLOY, plain), FRIDAY)
            await actions.start(other, FRIDAY - timedelta(minutes=10))
            await actions.finish(other, ActionState.DONE, "QUEUED", None, FRIDAY, own_token=False)
            return [
                await actions.excepted(TARGET.environment_id, FRIDAY - timedelta(minutes=30)),
                await actions.excepted(TARGET.environment_id, FRIDAY + timedelta(minutes=1)),
                await actions.excepted(plain.environment_id, FRIDAY - timedelta(minutes=30)),
            ]
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == [True, False, False]
