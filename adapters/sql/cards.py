"""`bot.deliveries.ports.Cards` on the database: the message that shows each deployment in a hook's
channel."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.direct import DirectPool
from adapters.sql.sqlite_thread import in_transaction
from adapters.sql.tables import cards, hooks
from bot.deliveries.events import deployment_from_json, deployment_to_json
from bot.deliveries.ports import Card, CardCarried, CardNote

__all__ = ["UPDATE_CARD", "SqlCards", "card_row"]

log = logging.getLogger(__name__)

_MOST_IN_A_DIGEST = 20_000  # a week of a very busy hook; bounded all the same


_SAVED = (
    "hook_id",
    "deployment_key",
    "message_ts",
    "status",
    "deployment",
    "started_at",
    "finished_at",
    "updated_at",
    "thread_ts",
    "note",
)
_LATEST = (
    select(cards)
    .where(cards.c.hook_id == bindparam("hook"), cards.c.deployment_key == bindparam("key"))
    .order_by(cards.c.id.desc())
    .limit(1)
)
_INSERT = cards.insert().values({name: bindparam(name) for name in _SAVED}).returning(cards.c.id)
UPDATE_CARD = update(cards).where(cards.c.id == bindparam("card")).values({n: bindparam(n) for n in _SAVED})


class SqlCards:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # The courier's reads and writes of a card: on PostgreSQL one statement each through asyncpg, on
        # a SQLite file one hop each to its thread (adapters/sql/sqlite_thread.py).
        self._direct = direct = DirectPool.of(engine)
        if direct is not None:
            self._latest, self._insert, self._update = map(direct.statement, (_LATEST, _INSERT, UPDATE_CARD))

    async def latest(self, hook_id: str, key: str) -> Card | None:
        if self._direct is not None:
            found = await self._direct.run(self._latest, hook=hook_id, key=key)
            return _card(found[0]) if found else None
        row = await in_transaction(
            self._engine, lambda c: c.execute(_LATEST, {"hook": hook_id, "key": key}).first(), writes=False
        )
        return None if row is None else _card(row._mapping)

    async def get(self, card_id: int) -> Card | None:
        return await self._one(select(cards).where(cards.c.id == card_id))

    async def finished_in_channel(
        self, team_id: str, channel_id: str, since: datetime, until: datetime
    ) -> list[Card]:
        query = (
            select(cards)
            .join(hooks, hooks.c.id == cards.c.hook_id)
            .where(
                hooks.c.team_id == team_id,
                hooks.c.channel_id == channel_id,
                cards.c.message_ts != "",  # a deployment the channel was shown
                cards.c.finished_at >= since,
                cards.c.finished_at <= until,
            )
            .order_by(cards.c.id.desc())
            .limit(50)
        )
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query))

    async def set_note(self, card_id: int, note: CardNote | None) -> None:
        value = note.to_json() if note else None
        async with self._engine.begin() as connection:
            await connection.execute(update(cards).where(cards.c.id == card_id).values(note=value))

    async def claim_carried(self, card_id: int, carried: CardCarried) -> bool:
        claim = update(cards).where(cards.c.id == card_id, cards.c.carried.is_(None))
        async with self._engine.begin() as connection:
            found = await connection.execute(claim.values(carried=carried.to_json()))
        return bool(found.rowcount)

    async def set_carried(self, card_id: int, carried: CardCarried) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(cards).where(cards.c.id == card_id).values(carried=carried.to_json())
            )

    async def set_triggered_by(self, card_id: int, who: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(cards).where(cards.c.id == card_id).values(triggered_by=who[:200])
            )

    async def finished(self, hook_id: str, since: datetime, until: datetime) -> list[Card]:
        query = (
            select(cards)
            .where(cards.c.hook_id == hook_id, cards.c.finished_at >= since, cards.c.finished_at < until)
            .order_by(cards.c.finished_at, cards.c.id)
            .limit(_MOST_IN_A_DIGEST)
        )
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query))

    async def _one(self, query: Select[Any]) -> Card | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _card(row._mapping)

    async def save(self, card: Card, now: datetime) -> int:
        values = card_row(card, now)
        if self._direct is not None:
            if card.id is None:
                return int((await self._direct.run(self._insert, **values))[0]["id"])
            await self._direct.run(self._update, card=card.id, **values)
            return card.id
        if card.id is None:
            return int(await in_transaction(self._engine, lambda c: c.execute(_INSERT, values).scalar_one()))
        await in_transaction(self._engine, lambda c: c.execute(UPDATE_CARD, {"card": card.id, **values}))
        return card.id


def card_row(card: Card, now: datetime) -> dict[str, Any]:
    """What a card's row holds (its id aside), saved at `now`."""
    return {
        "hook_id": card.hook_id,
        "deployment_key": card.key,
        "message_ts": card.ts,
        "status": card.deployment.status.value,
        "deployment": json.dumps(deployment_to_json(card.deployment)),
        "started_at": card.started_at,
        "finished_at": card.finished_at,
        "updated_at": now,
        "thread_ts": card.thread_ts,
        "note": card.note.to_json() if card.note else None,
    }


def _readable(rows: Iterable[Row[Any]]) -> list[Card]:
    """The cards of a read over many: one the bot cannot read back (kept by an older bot, or damaged) is
    left out, never the read around it (a digest, an alert's card)."""
    found: list[Card] = []
    for row in rows:
        try:
            found.append(_card(row._mapping))
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("cards: card %s could not be read back; left out", row._mapping.get("id"))
    return found


def _card(row: Mapping[Any, Any]) -> Card:
    return Card(
        hook_id=row["hook_id"],
        key=row["deployment_key"],
        ts=row["message_ts"],
        deployment=deployment_from_json(json.loads(row["deployment"])),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        id=row["id"],
        thread_ts=row["thread_ts"],
        note=CardNote.from_json(row["note"]),
        triggered_by=row["triggered_by"],
        carried=CardCarried.from_json(row["carried"]),
    )
