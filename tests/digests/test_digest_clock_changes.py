"""A digest due in the hour the clock skips or repeats is queued once, on each database, on a clock the
test moves minute by minute through the night: at 02:30 in Paris it goes when the clock jumps from 02:00
to 03:00 in March, and at the first 02:30 in October (not again at the second)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.core import Core
from adapters.settings import Settings
from bot.subscriptions import HookSettings, WebhookOptions, new_hook
from bot.subscriptions.times import digest_schedule
from tests.digests.test_digest_schedule import digests_of, queued_digests, with_core


@pytest.mark.parametrize(
    ("evening", "due"),
    [
        # 29 March 2026: 02:00 CET (01:00 UTC) becomes 03:00 CEST; 02:30 is never shown.
        (datetime(2026, 3, 28, 21, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 25 October 2026: 03:00 CEST (01:00 UTC) becomes 02:00 CET; 02:30 is shown twice.
        (datetime(2026, 10, 24, 21, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
    ids=["spring forward", "fall back"],
)
def test_a_digest_due_in_a_skipped_or_repeated_hour_is_queued_once(
    settings: Settings, database_url: str, evening: datetime, due: datetime
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})

    async def work(core: Core) -> list[datetime]:
        options = WebhookOptions(digest=digest_schedule("daily@02:30 Europe/Paris"))
        hook = new_hook("T0TEAM001", "C0DEPLOYS", "deploys", HookSettings().merged(options), "U0ADMIN01")
        await core.hooks.add(hook)
        digests = digests_of(core)
        queued_when = []
        now = evening
        while now < evening + timedelta(hours=8):  # the whole night, a look every 5 minutes
            if await digests.post_due(now):
                queued_when.append(now)
            now += timedelta(minutes=5)
        assert len(await queued_digests(core, hook)) == len(queued_when)
        return queued_when

    queued_when = asyncio.run(with_core(settings, work))
    assert queued_when == [due]
