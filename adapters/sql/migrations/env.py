"""Alembic's entry point, run by `adapters.store.migrate` on a connection it already holds."""

from alembic import context
from sqlalchemy.engine import Connection

from adapters.sql.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations with `qovery-slack migrate`, which hands Alembic its connection")

# render_as_batch: SQLite cannot ALTER most things in place, so Alembic copies the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
