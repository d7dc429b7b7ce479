"""The one column type of a time: stored as UTC on both databases, read back aware in UTC.

SQLite has no time type: SQLAlchemy writes a datetime's wall time and drops its zone, so an aware time
in another zone (an offset from Qovery) would be read back as that wall time in UTC, hours off.
PostgreSQL's `timestamptz` keeps the instant but hands it back in the session's zone. Here every time is
turned into UTC before it is written and marked UTC when it is read, whatever the database; a naive
time is taken as UTC, as the bot's own clock and Qovery's mean it. The statements sent to asyncpg
directly (adapters/sql/direct.py, postgres_appender.py) bind through `as_utc` too: asyncpg would take a
naive time in the server's own zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "as_utc"]


def as_utc(value: Any) -> Any:
    """A datetime as the same instant in UTC (a naive one taken as UTC); any other value as it is."""
    if not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        value = as_utc(value)
        if not isinstance(value, datetime):
            return value
        # SQLite keeps the wall time only: written in UTC, read back as UTC below.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return as_utc(value)
