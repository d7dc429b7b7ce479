"""The courier's claim on PostgreSQL in one statement, straight through asyncpg.

Through SQLAlchemy a claim is a checkout with its ping, BEGIN, two UPDATEs and COMMIT, each a pass
through SQLAlchemy's machinery: about 5 ms of the one event loop, while the database's own work is a tenth
of a millisecond (bench/run.py claim). Here it is one prepared statement in autocommit: the free channel
whose work has been due longest is taken (busy until the lease; `FOR UPDATE SKIP LOCKED` lets another
replica's claim pass it by, and the UPDATE's condition is checked again on the locked row), and its oldest
due delivery set to posting. One statement is one transaction: a claim is all or nothing.
"""

from __future__ import annotations

__all__ = ["CLAIM"]

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
    SELECT d.id FROM deliveries d JOIN channel c ON d.team_id = c.team_id AND d.channel_id = c.channel_id
    WHERE ((d.state IN ('queued', 'retrying') AND d.next_attempt_at <= $1)
        OR (d.state = 'posting' AND d.claimed_until <= $1))
    ORDER BY d.id LIMIT 1
), claimed AS (
    UPDATE deliveries SET state = 'posting', claimed_until = $2 FROM oldest WHERE deliveries.id = oldest.id
    RETURNING deliveries.id, deliveries.hook_id, deliveries.kind, deliveries.body, deliveries.received_at,
        deliveries.attempts, deliveries.verified
)
SELECT channel.team_id, channel.channel_id, claimed.* FROM channel LEFT JOIN claimed ON true
"""
