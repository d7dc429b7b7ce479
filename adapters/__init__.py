"""The edges of qovery-slack: they implement the core's ports (`bot/`) over Slack, Qovery, HTTP and the
database. Start with `bootstrap.py` (the composition root: settings -> engine, Bolt app, workers ->
the Starlette app), then the folder of the edge you are changing.

    bootstrap.py, core.py   the composition root; the stores and clients built once (web app, CLI)
    settings.py, cli.py     the configuration; the `qovery-slack` command line (and check.py)
    qovery.py               the Qovery REST client (httpx)
    crypto.py               secrets at rest
    worker.py               the courier's asyncio workers
    doctor_schedule.py      the hourly check, one replica at a time
    sql/, slack/, web/      the database, Slack's side, the HTTP side
"""
