"""A post recorded in one call on PostgreSQL (#28): `record_post`, a function that runs what was a
transaction of two statements (BEGIN, the delivery and its card, the channel's row locked; then the
channel freed with its next due time; COMMIT: four round trips, as much of the event loop's time as the
statements themselves, bench/run.py fanout). In a function each statement still takes a snapshot of
its own, so the channel's next due time is read after its row is locked and sees a delivery stored
meanwhile (tests/deliveries/test_channel_due.py). SQLite has no functions: nothing to do there.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The delivery's fate (posted, or skipped on purpose) and the card that shows it saved with its message
# (no card: p_card NULL); then the channel's row locked, and in a statement of its own (a snapshot taken
# once the lock is held: a delivery stored meanwhile, its trigger holding the same row, has committed and
# is seen; read with the lock, it would not be, and the channel left with no due time) the channel freed
# for its next post at Slack's pace, due when its earliest waiting delivery is: the earlier of the
# earliest queued and the earliest retrying, one probe of ix_deliveries_waiting each (a min over
# `state IN (...)` reads every waiting row, 14 ms with 70,000; LEAST ignores a NULL).
_FUNCTION = """
CREATE FUNCTION record_post(
    p_delivery integer, p_state varchar, p_ts varchar, p_reason varchar, p_now timestamptz,
    p_free_at timestamptz, p_card integer, p_message_ts varchar, p_status varchar, p_deployment text,
    p_started_at timestamptz, p_finished_at timestamptz, p_thread_ts varchar, p_note text
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_team varchar;
    v_channel varchar;
BEGIN
    UPDATE cards SET message_ts = p_message_ts, status = p_status, deployment = p_deployment,
        started_at = p_started_at, finished_at = p_finished_at, updated_at = p_now,
        thread_ts = p_thread_ts, note = p_note
    WHERE id = p_card;
    UPDATE deliveries SET claimed_until = NULL, state = p_state, message_ts = p_ts, reason = p_reason,
        posted_at = p_now
    WHERE id = p_delivery
    RETURNING team_id, channel_id INTO v_team, v_channel;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM 1 FROM channels WHERE team_id = v_team AND channel_id = v_channel FOR UPDATE;
    UPDATE channels SET busy_until = NULL, next_post_at = p_free_at, due_at = LEAST(
        (SELECT min(d.next_attempt_at) FROM deliveries d
            WHERE d.team_id = v_team AND d.channel_id = v_channel AND d.state = 'queued'),
        (SELECT min(d.next_attempt_at) FROM deliveries d
            WHERE d.team_id = v_team AND d.channel_id = v_channel AND d.state = 'retrying')
    )
    WHERE team_id = v_team AND channel_id = v_channel;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS record_post")
