"""Slack's tokens are stored sealed, which makes them longer than slack-sdk's 200 characters: text.

The values themselves are sealed at start-up (`adapters.slack_installations.seal_stored_tokens`), which
has SECRET_KEY; a migration does not.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SECRETS = {
    "slack_installations": (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
        "incoming_webhook_url",
    ),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}


def upgrade() -> None:
    for table, columns in SECRETS.items():
        # SQLite cannot alter a column's type: batch mode copies the table (a few rows) instead.
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(200))


def downgrade() -> None:
    # Nothing: sealed tokens do not fit back in 200 characters, and text takes whatever an older version
    # writes. That version cannot open them (reinstall the app in each workspace), but nothing is lost.
    pass
