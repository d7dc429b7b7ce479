"""A release freeze (pure): when it holds (a weekly window, or a span set with `now`), on which
environment types, and why. Deploy, redeploy, rollback, promote and stop from Slack wait while one
holds; `cancel` never does: stopping a deployment that goes wrong must never wait.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.actions import ActionKind
from bot.blocks import cut, escape, slack_date
from bot.errors import CommandError
from bot.freezes.windows import Span, Window
from bot.qovery import EnvironmentType
from bot.subscriptions import environment_types

__all__ = ["REASON_LIMIT", "Freeze", "InForce", "frozen_kind"]

REASON_LIMIT = 300


def frozen_kind(kind: ActionKind) -> bool:
    """Every action a freeze stops: all but `cancel` (promote too, whenever it is an action)."""
    return kind is not ActionKind.CANCEL


@dataclass(frozen=True)
class Freeze:
    """`window` each week, or `span` once (`now 4h`), on `environment_types`, for `reason`."""

    reason: str
    environment_types: tuple[EnvironmentType, ...]
    window: Window | None = None
    span: Span | None = None
    set_by: str = ""
    id: int | None = None

    def covers(self, environment_type: str) -> bool:
        return environment_type.upper() in {e.value for e in self.environment_types}

    def current(self, now: datetime, default_zone: str) -> Span | None:
        if self.span is not None:
            return self.span if self.span.holds(now) else None
        assert self.window is not None
        return self.window.current(now, default_zone)

    def next(self, now: datetime, default_zone: str) -> Span | None:
        """Its next occurrence to start after `now`; None for a span already begun."""
        if self.span is not None:
            return self.span if self.span.start > now else None
        assert self.window is not None
        return self.window.next(now, default_zone)

    def over(self, now: datetime) -> bool:
        """A span that has ended: it holds no more, ever."""
        return self.span is not None and self.span.end <= now

    def when(self) -> str:
        """`fri 16:00-mon 08:00 Europe/Paris`, or the span's dates (mrkdwn)."""
        if self.span is not None:
            return f"{slack_date(self.span.start)} to {slack_date(self.span.end)}"
        assert self.window is not None
        return f"`{escape(self.window.text())}`"

    def words(self) -> str:
        """`fri 16:00-mon 08:00 Europe/Paris` on PRODUCTION: _the reason_ (mrkdwn, escaped)."""
        places = ", ".join(e.value for e in self.environment_types)
        return f"{self.when()} on {places}: _{escape(cut(self.reason, REASON_LIMIT))}_"

    def to_json(self) -> str:
        found: dict[str, Any] = {
            "reason": self.reason,
            "environment_types": [e.value for e in self.environment_types],
        }
        if self.window is not None:
            w = self.window
            found["window"] = [w.start_day, f"{w.start:%H:%M}", w.end_day, f"{w.end:%H:%M}", w.zone]
        if self.span is not None:
            found["span"] = [self.span.start.isoformat(), self.span.end.isoformat()]
        return json.dumps(found)

    @staticmethod
    def from_json(stored: str, freeze_id: int, set_by: str) -> Freeze | None:
        """As stored; None when it no longer reads (it is then listed as unreadable, and holds nothing)."""
        try:
            found: Any = json.loads(stored)
            window = span = None
            if "window" in found:
                start_day, start, end_day, end, zone = found["window"]
                window = Window(time.fromisoformat(start), time.fromisoformat(end), start_day, end_day, zone)
            if "span" in found:
                start_at, end_at = (datetime.fromisoformat(t) for t in found["span"])
                if start_at.tzinfo is None or end_at.tzinfo is None:
                    return None
                span = Span(start_at, end_at)
            if (window is None) == (span is None):
                return None
            types = environment_types(",".join(found["environment_types"]))
            return Freeze(str(found["reason"]), types, window, span, set_by, freeze_id)
        except (ValueError, TypeError, KeyError, AttributeError, CommandError):
            return None


@dataclass(frozen=True)
class InForce:
    """A freeze holding now, and until when."""

    freeze: Freeze
    span: Span

    def words(self) -> str:
        """`:snowflake: A freeze holds until <date>: _reason_` (mrkdwn)."""
        return (
            f":snowflake: A release freeze holds until {slack_date(self.span.end)}: "
            f"_{escape(cut(self.freeze.reason, REASON_LIMIT))}_"
        )
