"""The database (SQLAlchemy async: SQLite embedded, PostgreSQL for several replicas). Start with
`engine.py` (the engine and the Alembic migrations), then `tables.py` (the schema as the latest migration
leaves it).

    engine.py, tables.py, migrations/   the engine, the schema and its history
    workspaces.py, hooks.py, cards.py, outcomes.py, actions.py, personal_tokens.py, findings.py
                                        one repository each, implementing the core's ports
    queue.py                            the delivery queue: claims safe across replicas, outcomes, listings
    delivery_writes.py, sqlite_appender.py, batching.py   new deliveries stored in group commits
    housekeeping.py                     old rows forgotten, hourly
"""
