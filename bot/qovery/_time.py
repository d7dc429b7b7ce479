"""Times from Qovery, read once at the edge: every one becomes an aware time in UTC, or is refused.

Qovery writes some times with a zone (`Z`), some with an offset, some with none (UTC, like everything it
sends), and its audit log as nanoseconds since the epoch. The core meets only aware UTC times, so that
no comparison raises and no database stores a wall time in another zone. A time out of any sensible
range (before 2000, after 2200) is a value that cannot be read: the one item it is in is refused, never
the read around it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = ["EARLIEST", "LATEST", "UtcTime", "utc_time"]

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_NANOSECONDS = 1_000_000_000


def utc_time(value: Any) -> datetime | None:
    """`value` as an aware UTC time: an ISO-8601 string (with `Z`, an offset or no zone), a datetime, or
    (as the audit log writes them) nanoseconds since the epoch as an int or a string of digits; None when
    it is none of these or out of range."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int) and not isinstance(value, bool):
        moment = _from_nanoseconds(value)
    elif isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        if text.isascii() and text.isdigit():
            moment = _from_nanoseconds(int(text))
        else:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                return None
    if moment is None:
        return None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # an offset that carries the time past year 9999 or before year 1
    return moment if EARLIEST <= moment < LATEST else None


def _from_nanoseconds(value: int) -> datetime | None:
    if not 0 <= value < 10**20:
        return None
    try:
        return datetime.fromtimestamp(value / _NANOSECONDS, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _validated(value: Any) -> datetime:
    moment = utc_time(value)
    if moment is None:
        raise ValueError("not a time the bot can read")
    return moment


# A model's time field from Qovery: aware UTC, or the item is refused (ValidationError).
UtcTime = Annotated[datetime, BeforeValidator(_validated)]
