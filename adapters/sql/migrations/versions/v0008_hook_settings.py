"""The settings the bot keeps per hook become one JSON column: `mode` moves into `settings`, and back on
downgrade. A setting added later needs no migration.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hooks") as batch:
        batch.add_column(sa.Column("settings", sa.Text(), nullable=False, server_default="{}"))
    # Modes are words of a fixed set (update, thread, post): no quoting can be needed.
    op.execute("""UPDATE hooks SET settings = '{"mode": "' || mode || '"}'""")
    with op.batch_alter_table("hooks") as batch:
        batch.drop_column("mode")


def downgrade() -> None:
    with op.batch_alter_table("hooks") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=False, server_default="update"))
    read_mode = (
        "CAST(settings AS json) ->> 'mode'"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(settings, '$.mode')"
    )
    op.execute(f"UPDATE hooks SET mode = COALESCE({read_mode}, 'update')")  # noqa: S608 - no input here
    with op.batch_alter_table("hooks") as batch:
        batch.drop_column("settings")
