"""Storing deliveries on PostgreSQL straight through asyncpg (adapters/sql/direct.py), one statement a
batch: its rows bound as arrays and unnested. The deliveries' trigger still tells each channel of its work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table

from adapters.sql.direct import DirectPool
from adapters.sql.utc import as_utc

__all__ = ["PostgresAppender"]

# Each column's array type, for unnest: the table's own columns (nothing here comes from a request).
_ARRAY_TYPES = {"INTEGER": "int[]", "BOOLEAN": "bool[]", "TEXT": "text[]", "DATETIME": "timestamptz[]"}


class PostgresAppender:
    def __init__(self, pool: DirectPool, table: Table, columns: Sequence[str], returning: Sequence[str]):
        self._pool = pool
        self._columns = tuple(columns)
        types = [_ARRAY_TYPES.get(str(table.c[name].type).split("(")[0], "text[]") for name in columns]
        arrays = ", ".join(f"${n}::{kind}" for n, kind in enumerate(types, start=1))
        names = ", ".join(columns)
        # Names and types from the table's definition, every value bound.
        self._sql = (
            f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(returning)}"
        )

    async def insert(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """INSERT ... ON CONFLICT DO NOTHING of the rows; the `returning` columns of those stored."""
        arrays = [[as_utc(row[name]) for row in rows] for name in self._columns]
        return [tuple(found) for found in await self._pool.fetch(self._sql, *arrays)]
