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

__all__ = ["CHANNEL_DONE", "CLAIM", "POSTED", "POSTED_CARD"]

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

# A delivery posted (or skipped on purpose) and the card that shows it saved with its message; its
# channel's row locked, for CHANNEL_DONE next in the same transaction. $1: the delivery; $2: its state;
# $3: the message's ts; $4: why (skipped); $5: now; $6: the card's id (NULL: no card), then its row
# (adapters/sql/cards.py, `card_row`).
POSTED = """
WITH card AS (
    UPDATE cards SET message_ts = $7, status = $8, deployment = $9, started_at = $10, finished_at = $11,
        updated_at = $5, thread_ts = $12, note = $13
    WHERE id = $6
), finished AS (
    UPDATE deliveries SET claimed_until = NULL, state = $2, message_ts = $3, reason = $4, posted_at = $5
    WHERE id = $1
    RETURNING team_id, channel_id
)
SELECT channels.team_id, channels.channel_id FROM channels JOIN finished
    ON channels.team_id = finished.team_id AND channels.channel_id = finished.channel_id
FOR UPDATE OF channels
"""
# The channel freed for its next post at Slack's pace ($3), and when its earliest waiting delivery is due,
# read in a statement of its own once the channel's row is locked: a delivery stored meanwhile (its
# trigger locks the same row) has committed by then, and is seen. Read in the same statement as the
# lock, it would not be (the statement's snapshot is older), and its channel would be left with no
# `due_at`: the delivery stranded until another came. The earliest is the earlier of the earliest queued
# and the earliest retrying, one probe of ix_deliveries_waiting each: a min over `state IN (...)` reads
# every waiting row of the channel (14 ms with 70,000 waiting), its row locked meanwhile, and deliveries
# stored to it wait as long (LEAST ignores a NULL).
CHANNEL_DONE = """
UPDATE channels SET busy_until = NULL, next_post_at = $3, due_at = LEAST(
    (SELECT min(d.next_attempt_at) FROM deliveries d
        WHERE d.team_id = $1 AND d.channel_id = $2 AND d.state = 'queued'),
    (SELECT min(d.next_attempt_at) FROM deliveries d
        WHERE d.team_id = $1 AND d.channel_id = $2 AND d.state = 'retrying')
)
WHERE team_id = $1 AND channel_id = $2
"""
# The card's columns POSTED sets, in the order of its parameters $7 to $13.
POSTED_CARD = ("message_ts", "status", "deployment", "started_at", "finished_at", "thread_ts", "note")
