"""Alembic migrations of the bot's schema; `adapters.store.migrate` runs them."""
