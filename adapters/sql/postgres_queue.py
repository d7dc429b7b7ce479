"""The courier's claim, and a post recorded, on PostgreSQL: one statement each, straight through asyncpg
(adapters/sql/direct.py).

Through SQLAlchemy a claim is a checkout, BEGIN, two UPDATEs and COMMIT, each a pass through SQLAlchemy's
machinery: about 5 ms of the one event loop, while the database's own work is a tenth of a millisecond
(bench/run.py claim). Here it is one prepared statement in autocommit: the free channel
whose work has been due longest is taken (busy until the lease; `FOR UPDATE SKIP LOCKED` lets another
replica's claim pass it by, and the UPDATE's condition is checked again on the locked row), and its oldest
due delivery set to posting. One statement is one transaction: a claim is all or nothing.

The oldest is looked for among the channel's unfinished deliveries (ix_deliveries_unfinished, the
channel given as values, not a join): through a join with the channel PostgreSQL walked the primary key
across every channel's history, 85 ms a claim behind 200,000 posted rows.
"""

from __future__ import annotations

__all__ = ["CLAIM", "POSTED_CARD", "RECORD_POST"]

# $1: now; $2: the lease's end. A channel is free past Slack's pace and with no post under way.
CLAIM = """
WITH channel AS (
    UPDATE channels SET busy_until = $2
    WHERE (team_id, channel_id) = (
        SELECT team_id, channel_id FROM channels
        WHERE due_at <= $1
        AND (next_post_at IS NULL OR next_post_at <= $1) AND (busy_until IS NULL OR busy_until <= $1)
        ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED
    ) AND (next_post_at IS NULL OR next_post_at <= $1) AND (busy_until IS NULL OR busy_until <= $1)
    RETURNING team_id, channel_id
), oldest AS (
    SELECT d.id FROM deliveries d
    WHERE d.team_id = (SELECT team_id FROM channel) AND d.channel_id = (SELECT channel_id FROM channel)
    AND d.state IN ('queued', 'retrying', 'posting')
    AND ((d.state IN ('queued', 'retrying') AND d.next_attempt_at <= $1)
        OR (d.state = 'posting' AND d.claimed_until <= $1))
    ORDER BY d.id LIMIT 1
), claimed AS (
    UPDATE deliveries SET state = 'posting', claimed_until = $2 FROM oldest WHERE deliveries.id = oldest.id
    RETURNING deliveries.id, deliveries.hook_id, deliveries.kind, deliveries.body, deliveries.received_at,
        deliveries.attempts, deliveries.verified
)
SELECT channel.team_id, channel.channel_id, claimed.* FROM channel LEFT JOIN claimed ON true
"""

# A delivery posted (or skipped on purpose), the card that shows it saved with its message, and its
# channel freed with its next due time: one call of the function of migration 0018 (v0018_record_post.py,
# which says how the due time stays exact). $1: the delivery; $2: its state; $3: the message's ts; $4:
# why (skipped); $5: now; $6: the channel's next post at Slack's pace; $7: the card's id (NULL: no card),
# then its row (adapters/sql/cards.py, `card_row`).
RECORD_POST = "SELECT record_post($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
# The card's columns RECORD_POST sets, in the order of its parameters $8 to $14.
POSTED_CARD = ("message_ts", "status", "deployment", "started_at", "finished_at", "thread_ts", "note")
