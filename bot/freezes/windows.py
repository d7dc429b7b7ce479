"""When a freeze holds (pure): a weekly window (`fri 16:00-mon 08:00 Europe/Paris`), a nightly one
(`22:00-08:00`), or a span from now (`now 4h`). Times of day are read in the window's zone, through
the zone rules of quiet hours (bot.subscriptions.times): 16:00 in Paris is 16:00 on both sides of a
daylight saving change, so a window across one is an hour shorter or longer, never shifted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import CommandError
from bot.subscriptions import DAYS, wall_instant, wall_instants, zone_named

__all__ = ["WINDOW_FORMS", "Span", "Window", "read_duration", "read_window"]

WINDOW_FORMS = ('"fri 16:00-mon 08:00 Europe/Paris"', '"22:00-08:00 Europe/Paris"', '"sat 00:00-sun 23:59"')
DURATION_FORMS = ("30m", "4h", "2d")
_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_WINDOW = re.compile(rf"(?:([a-z]{{3}})\s+)?{_CLOCK}\s*-\s*(?:([a-z]{{3}})\s+)?{_CLOCK}(?:\s+(\S+))?", re.I)
_DURATION = re.compile(r"(\d{1,9})\s*([mhd])", re.I)  # any length read: a long one is told its limit
_LONGEST = timedelta(days=30)  # a freeze from now longer than a month is a mistake, or a weekly window


@dataclass(frozen=True)
class Span:
    """One occurrence of a freeze: from `start` to `end`, UTC."""

    start: datetime
    end: datetime

    def holds(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass(frozen=True)
class Window:
    """From `start` on `start_day` to `end` on `end_day` each week (0 is Monday), or each day when the
    days are None (past midnight when `end` comes first), in `zone` (None: DEFAULT_TIMEZONE)."""

    start: time
    end: time
    start_day: int | None = None
    end_day: int | None = None
    zone: str | None = None

    def text(self) -> str:
        def at(day: int | None, clock: time) -> str:
            return (f"{DAYS[day]} " if day is not None else "") + f"{clock:%H:%M}"

        zone = f" {self.zone}" if self.zone else ""
        return f"{at(self.start_day, self.start)}-{at(self.end_day, self.end)}{zone}"

    def _days_long(self) -> int:
        """How many local dates the end comes after the start."""
        if self.start_day is None or self.end_day is None:
            return 0 if self.start < self.end else 1
        days = (self.end_day - self.start_day) % 7
        return 7 if days == 0 and self.end <= self.start else days

    def _spans(self, now: datetime, default_zone: str) -> list[Span]:
        """The occurrences that start within a week and a day of `now`, in order."""
        zone = ZoneInfo(self.zone or default_zone)
        local = now.astimezone(zone)
        found: list[Span] = []
        for offset in range(-9, 9):
            day = (local + timedelta(days=offset)).date()
            if self.start_day is not None and day.weekday() != self.start_day:
                continue
            # As quiet hours: in the hour the clock skips, from the jump, not an hour late; an end in the
            # hour it repeats is its second showing, while the clock is in the window again.
            start = wall_instant(day, self.start, zone)
            end = wall_instants(day + timedelta(days=self._days_long()), self.end, zone)[-1]
            found.append(Span(start, end))
        return found

    def current(self, now: datetime, default_zone: str) -> Span | None:
        """The occurrence `now` falls in, or None."""
        return next((s for s in self._spans(now, default_zone) if s.holds(now)), None)

    def next(self, now: datetime, default_zone: str) -> Span:
        """The first occurrence to start after `now`."""
        return next(s for s in self._spans(now, default_zone) if s.start > now)


def _bad_window(text: str, why: str) -> CommandError:
    return CommandError(f"`{text[:64]}` {why}", word=text[:64], accepted=WINDOW_FORMS)


def read_window(value: str) -> Window:
    """`fri 16:00-mon 08:00 Europe/Paris` (weekly), `22:00-08:00` (every night), a zone if you like."""
    text = value.strip()
    found = _WINDOW.fullmatch(text)
    if found is None:
        raise _bad_window(
            text, "is not a freeze window: DAY HH:MM-DAY HH:MM, or HH:MM-HH:MM for every day; then a zone."
        )
    first, second = (found.group(1) or "").lower(), (found.group(4) or "").lower()
    if bool(first) != bool(second) or any(d and d not in DAYS for d in (first, second)):
        raise _bad_window(text, f"needs both days or neither, each one of {', '.join(DAYS)}.")
    start, end = (
        time(int(found.group(2)), int(found.group(3))),
        time(int(found.group(5)), int(found.group(6))),
    )
    if not first and start == end:
        raise _bad_window(text, "starts and ends at the same time: give two different times.")
    zone = zone_named(found.group(7)) if found.group(7) else None
    days = (DAYS.index(first), DAYS.index(second)) if first else (None, None)
    return Window(start, end, days[0], days[1], zone)


def read_duration(value: str) -> timedelta:
    """`30m`, `4h`, `2d`: how long a freeze from now lasts, a month at most."""
    found = _DURATION.fullmatch(value.strip())
    if found is None:
        raise CommandError(
            f"`{value[:64]}` is not a duration: minutes, hours or days, such as `4h`.",
            word=value[:64],
            accepted=DURATION_FORMS,
        )
    unit = {"m": "minutes", "h": "hours", "d": "days"}[found.group(2).lower()]
    length = timedelta(**{unit: int(found.group(1))})
    if not timedelta(0) < length <= _LONGEST:
        raise CommandError(
            f"`{value[:64]}` is not between a minute and 30 days.", word=value[:64], accepted=DURATION_FORMS
        )
    return length
