"""Digests (SPEC §17): each hook with `--digest` gets, when it is due, one message with the figures of
the deployments in its scope since the one before.

When each hook's digest is next due is kept in the jobs table (`digest:<hook id>`), so it survives a
restart; a schedule changed since is planned again from now. A digest is queued like a delivery, keyed
by the hook and the time it was due: a replica that dies between queueing it and planning the next
leaves the next run to queue it again, and the queue keeps the first. After a long stop, only the
latest period's digest goes out.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.deliveries import Cards, DeliveryKind, DeliveryQueue
from bot.digests.digest import digest_message
from bot.digests.ports import HooksWithDigest
from bot.ports import Jobs
from bot.subscriptions import Hook

__all__ = ["PREFIX", "Digests"]

log = logging.getLogger(__name__)

PREFIX = "digest:"


class Digests:
    def __init__(
        self,
        hooks: HooksWithDigest,
        cards: Cards,
        queue: DeliveryQueue,
        jobs: Jobs,
        default_zone: str = "UTC",
    ) -> None:
        self._hooks = hooks
        self._cards = cards
        self._queue = queue
        self._jobs = jobs
        self._zone = default_zone

    async def post_due(self, now: datetime) -> int:
        """Queue every digest due by `now`; how many were queued."""
        planned = await self._jobs.planned(PREFIX)
        hooks = await self._hooks.with_digest()
        queued = 0
        for hook in hooks:
            try:
                queued += await self._post_if_due(hook, planned.get(PREFIX + hook.id), now)
            except Exception:  # one hook's trouble does not keep the others' digests back
                log.exception("digests: the digest of hook %s failed; trying again in a minute", hook.id)
        gone = set(planned) - {PREFIX + hook.id for hook in hooks}
        if gone:
            await self._jobs.drop(sorted(gone))  # turned off, or unsubscribed
        return queued

    async def _post_if_due(self, hook: Hook, planned: datetime | None, now: datetime) -> int:
        schedule, name = hook.settings.digest, PREFIX + hook.id
        if planned is None or schedule.next(planned - timedelta(seconds=1), self._zone) != planned:
            await self._jobs.plan(name, schedule.next(now, self._zone))  # new, or changed since
            return 0
        if planned > now:
            return 0
        due = schedule.last(now, self._zone)  # after a long stop, the latest one only
        since = schedule.previous(due, self._zone)
        title = "Daily digest" if schedule.weekday is None else "Weekly digest"
        message = digest_message(title, since, await self._cards.finished(hook.id, since, due))
        added = await self._queue.add(
            hook,
            DeliveryKind.MESSAGE,
            json.dumps(message),
            f"digest:{due.isoformat()}",
            f"{title.lower()} · {message['text'].split(': ', 1)[-1]}",
            utcnow(),  # stored at the time it is, like a delivery from Qovery: `now` only says what is due
            verified=True,
        )
        await self._jobs.plan(name, schedule.next(now, self._zone))
        return int(added)
