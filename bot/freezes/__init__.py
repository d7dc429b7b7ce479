"""Release freezes: weekly windows in a zone, or a span from now, during which deploy, redeploy,
rollback, promote and stop from Slack run nothing on the environments they cover; `cancel` never
waits. Start with `freezes.py` (the commands, and what holds at a moment).

    windows.py   when a window holds, in its zone's calendar (daylight saving included); reading them
    rules.py     a freeze: when, where, why; which actions it stops
    freezes.py   the use cases: `policy freeze ...`, `in_force`, the lines of `policy show` and Home
    views.py     the messages: the list, the answer to a frozen action, the exception's form
    ports.py     the freezes kept
"""

from bot.freezes.freezes import FreezeRequest, Freezes
from bot.freezes.ports import FreezeRecords
from bot.freezes.rules import REASON_LIMIT, Freeze, InForce, frozen_kind
from bot.freezes.views import (
    EXCEPTION_ACTION,
    EXCEPTION_FORM,
    exception_form,
    frozen_answer,
    read_exception_button,
    read_exception_form,
)
from bot.freezes.windows import Span, Window, read_duration, read_window

__all__ = [
    "EXCEPTION_ACTION",
    "EXCEPTION_FORM",
    "REASON_LIMIT",
    "Freeze",
    "FreezeRecords",
    "FreezeRequest",
    "Freezes",
    "InForce",
    "Span",
    "Window",
    "exception_form",
    "frozen_answer",
    "frozen_kind",
    "read_duration",
    "read_exception_button",
    "read_exception_form",
    "read_window",
]
