"""What the alerts' reads could not read or keep, one rule at a time, told to the doctor.

A rule Qovery lists in a shape the bot cannot read, or one whose firing the bot fails to view, store or
post (a value the database refuses, a bug met on one of its values), holds up no other: the read goes on,
and the rule is a finding of the workspace, shown by `/qovery doctor` and the App Home until a read gets
through it again. Logs name the rule by its key alone (its id, or a digest), never by what Qovery wrote.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from bot.blocks import cut, escape
from bot.doctor import Finding, FindingKind, Findings
from bot.qovery import UnreadableRule

__all__ = ["Troubles", "TroublesRecord"]

log = logging.getLogger(__name__)

_KIND = frozenset({FindingKind.ALERT_RULE})
_DATABASES = {"sqlalchemy", "asyncpg", "aiosqlite", "sqlite3", "psycopg"}  # by module: bot/ imports no driver


class Troubles:
    """The troubles met in one read of one workspace, a finding per rule."""

    def __init__(self) -> None:
        self._found: dict[str, Finding] = {}

    def unreadable(self, rule: UnreadableRule) -> None:
        subject = rule.key or _digest(rule.name, rule.reason)
        self._add(subject, rule.name, f"could not be read: {rule.reason}")

    def failed(self, key: str, name: str, error: Exception) -> None:
        """A rule (or a firing of it) that raised while it was viewed, stored or posted."""
        log.warning("alerts: alert rule %s could not be kept: %s", key, type(error).__name__)
        module = type(error).__module__.split(".")[0]
        why = "the database refused one of its values" if module in _DATABASES else "the bot failed on it"
        self._add(key, name, f"could not be kept: {why} ({type(error).__name__})")

    def _add(self, subject: str, name: str, words: str) -> None:
        named = f"*{escape(cut(name, 100))}*" if name.strip() else "(with no name the bot can read)"
        sentence = (
            f"Qovery's alert rule {named} {words}. Its alerts are not posted until it reads again; "
            "the other rules' are."
        )
        self._found.setdefault(subject, Finding(FindingKind.ALERT_RULE, subject[:100], sentence))

    @property
    def findings(self) -> list[Finding]:
        return list(self._found.values())


class TroublesRecord:
    """Each workspace's troubles kept as the doctor's findings, at every read (any replica may read next,
    so none trusts what it wrote before); a new one is logged once."""

    def __init__(self, findings: Findings) -> None:
        self._findings = findings

    async def record(self, team_id: str, troubles: Troubles, now: datetime) -> None:
        for finding in await self._findings.record(team_id, troubles.findings, now, _KIND):
            log.warning("alerts: workspace %s: alert rule %s is now a finding", team_id, finding.subject)


def _digest(*parts: str) -> str:
    return "unkeyed:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
