"""The `qovery-slack` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from adapters.settings import ManifestSettings, Settings, SettingsError, load_settings

__all__ = ["main"]

EXIT_BAD_SETTINGS = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="qovery-slack", description="Qovery deployment notifications and webhooks in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the HTTP server on HOST:PORT")
    commands.add_parser("migrate", help="bring the database schema to the latest revision")
    manifest = commands.add_parser(
        "manifest", help="print the Slack app manifest with PUBLIC_URL and SLASH_COMMAND filled in"
    )
    manifest.add_argument("--public-url", help="the bot's public base URL (default: PUBLIC_URL)")
    args = parser.parse_args(argv)

    if args.command == "manifest":
        return _manifest(args.public_url)
    try:
        settings = load_settings()
    except SettingsError as error:
        print("qovery-slack cannot start; fix these settings:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    if args.command == "serve":
        return _serve(settings)
    return _migrate(settings)


def _serve(settings: Settings) -> int:
    import uvicorn

    from adapters.bootstrap import create_app
    from adapters.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    # log_config=None: uvicorn logs through the handlers configured above, in the same format.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.store import create_engine, current_revision, migrate

    async def run() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database at revision {asyncio.run(run())} (latest)")
    return 0


def _manifest(public_url: str | None) -> int:
    from adapters.manifest import render_manifest

    overrides = {"public_url": public_url} if public_url else {}
    try:
        settings = load_settings(ManifestSettings, **overrides)
    except SettingsError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    sys.stdout.write(render_manifest(settings.public_url, settings.slash_command))
    return 0
