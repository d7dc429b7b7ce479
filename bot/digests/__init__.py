"""Quiet hours and digests (SPEC §17): busy channels read a summary instead of every card. Start with
`quiet.py` (what quiet hours held, summed up once they end), then `digests.py` (the daily or weekly
figures). The courier holds deliveries (bot.deliveries.courier); the schedule that runs these each
minute, on one replica, is adapters/digests_schedule.py.
    summary.py          the quiet hours' summary (Block Kit, pure)
    figures.py          a digest's figures from the recorded cards: counts, failure rate, durations
    digest.py           the digest message (Block Kit, pure)
    ports.py            the held deliveries, the hooks with a digest
"""

from bot.digests.digests import Digests
from bot.digests.ports import Held, HeldDeliveries, HooksWithDigest, Summary
from bot.digests.quiet import QuietSummaries

__all__ = ["Digests", "Held", "HeldDeliveries", "HooksWithDigest", "QuietSummaries", "Summary"]
