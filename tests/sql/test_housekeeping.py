"""Old deliveries and cards are forgotten after KEEP_DAYS; anything still to post never is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from adapters.sql.engine import create_engine, migrate
from adapters.sql.housekeeping import AUDIT_KEEP_DAYS, KEEP_DAYS, forget_old
from adapters.sql.tables import actions, alert_firings, alert_silences, cards, deliveries

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=KEEP_DAYS, hours=1)
RECENT = NOW - timedelta(days=KEEP_DAYS - 1)


def delivery(summary: str, state: str, at: datetime) -> dict[str, Any]:
    return {
        "hook_id": "h1",
        "team_id": "T1",
        "channel_id": "C1",
        "kind": "SLACK",
        "dedup_key": summary,
        "body": '{"text": "Deployed"}',
        "summary": summary,
        "received_at": at,
        "state": state,
        "attempts": 1,
        "next_attempt_at": at,
    }


def card(key: str, at: datetime) -> dict[str, Any]:
    return {
        "hook_id": "h1",
        "deployment_key": key,
        "message_ts": "1.2",
        "status": "SUCCESSFUL",
        "deployment": "{}",
        "updated_at": at,
    }


def test_deliveries_done_with_and_cards_are_forgotten_after_the_keep_days(database_url: str) -> None:
    async def scenario() -> tuple[int, set[str], set[str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as connection:
                states = ("posted", "skipped", "failed", "queued", "retrying", "posting")
                rows = [delivery(f"old {state}", state, OLD) for state in states]
                rows.append(delivery("recent posted", "posted", RECENT))
                await connection.execute(insert(deliveries), rows)
                await connection.execute(insert(cards), [card("old", OLD), card("recent", RECENT)])
            forgotten = await forget_old(engine, NOW)
            async with engine.connect() as connection:
                left = set((await connection.execute(select(deliveries.c.summary))).scalars())
                cards_left = set((await connection.execute(select(cards.c.deployment_key))).scalars())
            return forgotten, left, cards_left
        finally:
            await engine.dispose()

    forgotten, left, cards_left = asyncio.run(scenario())
    assert left == {"old queued", "old retrying", "old posting", "recent posted"}  # still to post, or young
    assert cards_left == {"recent"}
    assert forgotten == 4


def test_forgetting_goes_a_chunk_at_a_time_and_gets_them_all(database_url: str) -> None:
    async def scenario() -> int:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as connection:
                rows = [delivery(f"old {n}", "posted", OLD) for n in range(1234)]
                await connection.execute(insert(deliveries), rows)
            await forget_old(engine, NOW)
            async with engine.connect() as connection:
                return len((await connection.execute(select(deliveries.c.id))).all())
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == 0


def action(state: str, at: datetime) -> dict[str, Any]:
    return {
        "team_id": "T1",
        "user_id": f"U{at:%H%M}{state[:4]}",
        "channel_id": "C1",
        "kind": "redeploy",
        "environment_id": "e1",
        "plan": "{}",
        "state": state,
        "created_at": at,
    }


def test_unconfirmed_actions_go_after_a_day_the_audit_trail_after_its_keep_days(database_url: str) -> None:
    yesterday, long_ago = NOW - timedelta(days=1, hours=1), NOW - timedelta(days=AUDIT_KEEP_DAYS + 1)
    rows = [
        action("proposed", yesterday),
        action("dropped", yesterday),
        action("proposed", NOW - timedelta(hours=2)),  # may still be confirmed (or say it expired)
        action("done", OLD),  # the audit trail outlives deliveries and cards
        action("refused", OLD),
        action("done", long_ago),
    ]

    async def scenario() -> list[str]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as connection:
                await connection.execute(insert(actions), rows)
            await forget_old(engine, NOW)
            async with engine.connect() as connection:
                return sorted((await connection.execute(select(actions.c.state))).scalars())
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ["done", "proposed", "refused"]


def firing(key: str, resolved_at: datetime | None, *, told: bool) -> dict[str, Any]:
    return {
        "hook_id": "h1",
        "team_id": "T1",
        "channel_id": "C1",
        "rule_key": key,
        "starts_at": OLD - timedelta(hours=1),
        "rule": "{}",
        "opened_at": OLD - timedelta(hours=1),
        "resolved_at": resolved_at,
        "told_resolved": told,
    }


def test_alert_firings_go_once_resolved_and_told_for_the_keep_days_and_silences_once_over(
    database_url: str,
) -> None:
    firings = [
        firing("old-told", OLD, told=True),
        firing("recent-told", RECENT, told=True),
        firing("old-untold", OLD, told=False),  # its thread is still to be told
        firing("open", None, told=False),  # still firing, however old
    ]
    silences = [
        {"hook_id": "h1", "rule_key": "over", "until": NOW - timedelta(minutes=1), "by_user": "U1"},
        {"hook_id": "h1", "rule_key": "holding", "until": NOW + timedelta(minutes=30), "by_user": "U1"},
    ]

    async def scenario() -> tuple[list[str], list[str]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            async with engine.begin() as connection:
                await connection.execute(insert(alert_firings), firings)
                await connection.execute(insert(alert_silences), silences)
            await forget_old(engine, NOW)
            async with engine.connect() as connection:
                kept = sorted((await connection.execute(select(alert_firings.c.rule_key))).scalars())
                held = sorted((await connection.execute(select(alert_silences.c.rule_key))).scalars())
            return kept, held
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == (["old-untold", "open", "recent-told"], ["holding"])
