"""The bot's tables, as the latest migration leaves them (the history is in migrations/versions/).
(Over 300 lines: every table in one file, so that the schema reads in one place.)"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from adapters.sql.utc import UtcDateTime

__all__ = [
    "SLACK_SECRET_COLUMNS",
    "UNFINISHED",
    "actions",
    "alert_firings",
    "alert_silences",
    "alert_subscriptions",
    "cards",
    "change_cursors",
    "change_events",
    "change_subscriptions",
    "channels",
    "deliveries",
    "findings",
    "freezes",
    "hooks",
    "jobs",
    "metadata",
    "outcomes",
    "personal_tokens",
    "policies",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "watches",
    "workspaces",
]

# The states of a delivery not done with: waiting, or being posted.
UNFINISHED = "state IN ('queued', 'retrying', 'posting')"

metadata = MetaData()

# One row per Slack workspace: the Qovery token it connected with `/qovery connect`, sealed.
workspaces = Table(
    "workspaces",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("qovery_token", String(1024)),
    Column("qovery_organization_id", String(64)),
    Column("connected_by", String(32)),
    Column("connected_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
)

# One row per webhook target the bot hands to Qovery: `{PUBLIC_URL}/qovery/hooks/{id}` -> one channel.
hooks = Table(
    "hooks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team_id", String(32), nullable=False, index=True),
    Column("channel_id", String(32), nullable=False, index=True),
    Column("channel_name", String(256)),
    Column("webhook_id", String(64), index=True),
    Column("secret", String(1024), nullable=False),
    # What the bot keeps of the hook's options (`bot.subscriptions.options.HookSettings`), as JSON: a new
    # setting needs no migration.
    Column("settings", Text, nullable=False, server_default="{}"),
    Column("created_by", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    # When a delivery first came with the right secret: from then on, one without it is refused.
    Column("secret_seen_at", UtcDateTime()),
    # `deliveries` (a webhook's) or `alerts` (an alert receiver's doorbell: bot.subscriptions.HookKind).
    Column("kind", String(16), nullable=False, server_default="deliveries"),
)


# Every delivery Qovery made to a hook, stored before it is acknowledged, and its fate.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hook_id", String(64), nullable=False),
    Column("team_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("summary", String(200), nullable=False, server_default=""),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_until", UtcDateTime()),
    Column("reason", String(500)),
    Column("posted_at", UtcDateTime()),
    Column("message_ts", String(32)),
    # Whether it carried the hook's secret: one that did not is posted as plain content only.
    Column("verified", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("hook_id", "dedup_key", name="uq_deliveries_hook_dedup"),
    Index("ix_deliveries_due", "state", "next_attempt_at"),
    Index("ix_deliveries_channel", "team_id", "channel_id", "id"),
    Index("ix_deliveries_waiting", "team_id", "channel_id", "state", "next_attempt_at"),
    # A claim's oldest unfinished delivery of a channel, past its history (migration 0017).
    Index(
        "ix_deliveries_unfinished",
        "team_id",
        "channel_id",
        "id",
        postgresql_where=text(UNFINISHED),
        sqlite_where=text(UNFINISHED),
    ),
)

# The message that shows a deployment in a hook's channel, so later events update it.
cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hook_id", String(64), nullable=False),
    Column("deployment_key", String(200), nullable=False),
    Column("message_ts", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("deployment", Text, nullable=False),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Set when the card shows a deployment started from Slack: it is posted in that action's thread.
    Column("thread_ts", String(32)),
    Column("note", Text),  # a line another capability keeps on the card: its watch's (JSON)
    Column("triggered_by", String(200)),  # who, as Qovery's history says: the digest's "who deployed"
    # What the deployment carried (JSON): written once, by whoever claims it first (`carried IS NULL`).
    Column("carried", Text),
    Index("ix_cards_hook_key", "hook_id", "deployment_key"),
    Index("ix_cards_hook_finished", "hook_id", "finished_at"),
)

# Per channel: when it may get its next message (Slack's rate limit) and whether a post is under way.
channels = Table(
    "channels",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("channel_id", String(32), primary_key=True),
    Column("next_post_at", UtcDateTime()),
    Column("busy_until", UtcDateTime()),
    # When its earliest waiting delivery is due; NULL when none waits. Set by a trigger on every delivery
    # stored (migration 0016), recomputed by the queue when a delivery's fate is recorded.
    Column("due_at", UtcDateTime()),
    Index("ix_channels_due", "due_at"),
)


# For `--only changes`: the last outcome of each scope (an environment, or one of its services) per hook.
outcomes = Table(
    "outcomes",
    metadata,
    Column("hook_id", String(64), primary_key=True),
    Column("scope", String(300), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Users' own Qovery tokens (`/qovery login`), sealed like the workspace's.
personal_tokens = Table(
    "personal_tokens",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("qovery_token", String(1024), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Every action asked from Slack: the audit trail, the record a confirmation's button names, and the
# thread where the deployment it started shows its card.
actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("environment_id", String(64), nullable=False),
    Column("plan", Text, nullable=False),  # the target and each service's change, as shown (JSON)
    Column("state", String(16), nullable=False),
    Column("own_token", Boolean, nullable=False, server_default=false()),
    Column("outcome", String(500)),
    Column("thread_ts", String(32)),
    Column("card_id", Integer),  # the card that took the thread: its deployment's
    Column("created_at", UtcDateTime(), nullable=False),
    Column("done_at", UtcDateTime()),
    Column("request_ts", String(32)),  # its request for approval in the channel (SPEC §16)
    Column("decided_by", String(32)),  # who approved, rejected or withdrew it
    Column("exception", String(500)),  # an exception to a freeze: its requester's reason
    Column("queue_request", String(64)),  # the request Qovery queued for it (the environment was busy)
    Column("message_ts", String(32)),  # the channel's message that says it waits, edited when it starts
    Index("ix_actions_thread", "channel_id", "environment_id", "state", "done_at"),
    Index("ix_actions_team", "team_id", "id"),
    Index("ix_actions_pending", "state", "created_at"),
)

# Each workspace's approval policy (SPEC §16), as bot.approvals.Policy keeps it (JSON).
policies = Table(
    "policies",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("policy", Text, nullable=False),
    Column("set_by", String(32), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
)

# Each workspace's release freezes, as bot.freezes.Freeze keeps them (JSON), numbered by id.
freezes = Table(
    "freezes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(32), nullable=False),
    Column("freeze", Text, nullable=False),
    Column("set_by", String(32), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    Index("ix_freezes_team", "team_id", "id"),
)

# Workflow Builder steps' runs (one per Slack function_execution_id: a redelivered event finds it), kept
# while they wait for an approval or a deployment's end; `state` acting -> waiting -> completed, once.
step_runs = Table(
    "step_runs",
    metadata,
    Column("execution_id", String(64), primary_key=True),
    Column("team_id", String(32), nullable=False),
    Column("step", String(40), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("token", Text, nullable=False),  # the event's bot_access_token, sealed
    Column("state", String(16), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("action_id", Integer),
    Column("environment_id", String(64)),
    Column("deadline", UtcDateTime()),
    Column("completed_at", UtcDateTime()),
    Column("outcome", String(500)),
    Index("ix_step_runs_state", "state", "started_at"),
)

# The doctor's open findings per workspace: the hourly check tells only of those not already here.
findings = Table(
    "findings",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("words", Text, nullable=False),
    Column("channel_id", String(32)),
    Column("hook_id", String(64)),
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
)

# Work that one replica at a time does (the doctor's hourly check), and when it is next due.
jobs = Table(
    "jobs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("next_run_at", UtcDateTime(), nullable=False),
    Column("holder", String(64)),
    Column("held_until", UtcDateTime()),
    # When its holder last took it, and when it was last rung (an alert's doorbell brings it forward).
    Column("started_at", UtcDateTime()),
    Column("rung_at", UtcDateTime()),
)

# Each channel's alert subscription (SPEC §14): its hook, Qovery's receiver, its filters (JSON).
alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("hook_id", String(64), primary_key=True),
    Column("team_id", String(32), nullable=False, index=True),
    Column("channel_id", String(32), nullable=False),
    Column("receiver_id", String(64)),  # None: Qovery refused the receiver; the bot's reads alone
    Column("filters", Text, nullable=False),
    Column("created_by", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("test_requested_by", String(32)),
    Column("test_requested_at", UtcDateTime()),
    # One per channel: of two `alerts subscribe` at once, the database lets one in.
    UniqueConstraint("team_id", "channel_id", name="uq_alert_subscriptions_channel"),
)

# Every firing of a rule in a channel, and its message: one per hook, rule and start, whichever
# replica reads it first (the unique constraint decides).
alert_firings = Table(
    "alert_firings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hook_id", String(64), nullable=False),
    Column("team_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("rule_key", String(100), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("rule", Text, nullable=False),  # what the message shows of the rule (JSON)
    Column("blame", Text),  # the deployment it followed (JSON)
    Column("message_ts", String(32)),
    Column("suppressed", Boolean, nullable=False, server_default=false()),
    Column("acknowledged_by", String(32)),
    Column("acknowledged_at", UtcDateTime()),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("told_resolved", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("hook_id", "rule_key", "starts_at", name="uq_alert_firings_once"),
    Index("ix_alert_firings_team", "team_id", "told_resolved"),
    Index("ix_alert_firings_channel", "team_id", "channel_id", "id"),
)

# Per hook and rule: no new firing message until `until`.
alert_silences = Table(
    "alert_silences",
    metadata,
    Column("hook_id", String(64), primary_key=True),
    Column("rule_key", String(100), primary_key=True),
    Column("until", UtcDateTime(), nullable=False),
    Column("by_user", String(32), nullable=False),
)


# The first minutes after a deployment (SPEC §15): one watch per card of a success.
watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_id", Integer, nullable=False, unique=True),
    Column("hook_id", String(64), nullable=False),
    Column("team_id", String(32), nullable=False),
    Column("environment_id", String(64), nullable=False),
    Column("services", Text, nullable=False),  # the deployed services' names (JSON)
    Column("started_at", UtcDateTime(), nullable=False),
    Column("until", UtcDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("rules", Integer),
    Index("ix_watches_team_state", "team_id", "state"),
)

# The change feed: the channels that get an organization's changes, one subscription per channel.
change_subscriptions = Table(
    "change_subscriptions",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("channel_id", String(32), primary_key=True),
    Column("filters", Text, nullable=False),
    Column("created_by", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Where the reading of each workspace's audit log stands (bot/changefeed/ports.py, Cursor).
change_cursors = Table(
    "change_cursors",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("since", UtcDateTime(), nullable=False),
    Column("gap_to", UtcDateTime()),
    Column("then", UtcDateTime()),
    Column("trouble", Text),
)

# Every change the feed read, names only (never a value): once each, whichever replica read it (the
# unique key decides); `posted_at` set once its burst was posted to every channel. Kept 90 days.
change_events = Table(
    "change_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(32), nullable=False),
    Column("key", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("target_type", String(64), nullable=False),
    Column("target_name", String(200), nullable=False),
    Column("sub_target_type", String(64)),
    Column("name", String(200)),
    Column("origin", String(64)),
    Column("triggered_by", String(200), nullable=False),
    Column("project_name", String(200), nullable=False),
    Column("environment_id", String(64)),
    Column("environment_name", String(200), nullable=False),
    Column("environment_type", String(16)),
    Column("posted_at", UtcDateTime()),
    Column("posted_to", Text()),  # channels its burst reached while another's Slack asked to wait
    Column("posting_until", UtcDateTime()),  # a replica posts its burst until then: no other does
    UniqueConstraint("team_id", "key", name="uq_change_events_key"),
    Index("ix_change_events_team_at", "team_id", "at"),
)

# What slack-sdk's installation tables hold that would let a reader act as the bot: sealed (see
# adapters/slack/installations.py).
SLACK_SECRET_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)

# Multi-workspace mode: slack-sdk's installation and OAuth state stores, on this database. Their
# definitions are slack-sdk's own; migration 0004 is a frozen copy of them.
slack_installations = AsyncSQLAlchemyInstallationStore.build_installations_table(
    metadata, "slack_installations"
)
slack_bots = AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
# Except their secrets' columns, text since migration 0006: a sealed token is longer than slack-sdk's 200.
for _table in (slack_installations, slack_bots):
    Table(
        _table.name,
        metadata,
        *(Column(c.name, Text) for c in _table.columns if c.name in SLACK_SECRET_COLUMNS),
        extend_existing=True,
    )
slack_oauth_states = AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
