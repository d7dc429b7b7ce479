"""The `qovery-slack` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.settings import ManifestSettings, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from adapters.sql.queue import SqlDeliveryQueue
    from bot.deliveries.ports import DeliveryState

__all__ = ["main"]

EXIT_BAD_SETTINGS = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="qovery-slack", description="Qovery deployment notifications and webhooks in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the HTTP server on HOST:PORT")
    commands.add_parser("migrate", help="bring the database schema to the latest revision")
    commands.add_parser("check", help="check the settings, the database, Slack and Qovery, one line each")
    manifest = commands.add_parser(
        "manifest", help="print the Slack app manifest with PUBLIC_URL and SLASH_COMMAND filled in"
    )
    manifest.add_argument("--public-url", help="the bot's public base URL (default: PUBLIC_URL)")
    render = commands.add_parser(
        "render", help="print the Block Kit JSON the bot would post for a delivery body"
    )
    render.add_argument("file", help="a file holding a body Qovery sends, or - for standard input")
    render.add_argument(
        "--history",
        metavar="FILE",
        help="the environment's deployment history as Qovery answers it (deploymentHistoryV2): "
        "the card completed from it, as the bot edits it once Qovery answers",
    )
    listing = commands.add_parser("deliveries", help="list the latest deliveries of every workspace")
    listing.add_argument("--failed", action="store_true", help="only the failed ones")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    doctor = commands.add_parser(
        "doctor", help="compare every workspace's hooks with Qovery's webhooks; exit 1 if anything is wrong"
    )
    doctor.add_argument(
        "--repair", action="store_true", help="repair what can be: re-point, enable, revoke, delete"
    )
    replay = commands.add_parser("replay", help="queue failed deliveries again, by id")
    replay.add_argument("ids", nargs="+", type=int, metavar="ID")
    args = parser.parse_args(argv)

    if args.command == "manifest":
        return _manifest(args.public_url)
    if args.command == "render":
        return _render(args.file, args.history)
    try:
        settings = load_settings()
    except SettingsError as error:
        print("qovery-slack cannot start; fix these settings:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    if args.command == "serve":
        return _serve(settings)
    if args.command == "deliveries":
        from bot.deliveries.ports import DeliveryState

        failed = DeliveryState.FAILED if args.failed else None
        return asyncio.run(_deliveries(settings, args.limit, failed))
    if args.command == "doctor":
        return asyncio.run(_doctor(settings, repair=args.repair))
    if args.command == "replay":
        return asyncio.run(_replay(settings, args.ids))
    if args.command == "check":
        from adapters.check import run_checks

        return 0 if asyncio.run(run_checks(settings, print)) else 1
    return _migrate(settings)


def _serve(settings: Settings) -> int:
    import uvicorn

    from adapters.bootstrap import create_app
    from adapters.web.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    # What start-up made lives as long as the process: out of the collector's sight, a full collection
    # no longer walks it all, which held every request in flight up by ~80 ms now and then.
    gc.collect()
    gc.freeze()
    # log_config=None: uvicorn logs through the handlers configured above, in the same format. Its own
    # access log is off: it would write each hook id; adapters.logs writes access lines without them.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.sql.engine import create_engine, current_revision, migrate

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
    from adapters.slack.manifest import render_manifest

    overrides = {"public_url": public_url} if public_url else {}
    try:
        settings = load_settings(ManifestSettings, **overrides)
    except SettingsError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    sys.stdout.write(render_manifest(settings.public_url, settings.slash_command))
    return 0


def _render(path: str, history_path: str | None) -> int:
    from pydantic import ValidationError

    from bot.deliveries.cards import render_delivery
    from bot.qovery import DeploymentHistory

    try:
        body = _read_json(path)
        history = _read_json(history_path) if history_path else []
        entries = history.get("results", []) if isinstance(history, dict) else history
        deployments = [DeploymentHistory.model_validate(entry) for entry in entries]
    except _Unreadable as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    except (ValidationError, TypeError, AttributeError):
        print(f"{history_path} is not a deployment history as Qovery answers it", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    message = render_delivery(body, history=deployments)
    if message is None:
        print(f"{path} is neither a STANDARD event nor a SLACK message body", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    print(json.dumps(message, indent=2, ensure_ascii=False))
    return 0


class _Unreadable(Exception):
    pass


def _read_json(path: str) -> Any:
    try:
        return json.loads(sys.stdin.read() if path == "-" else Path(path).read_text())
    except OSError as error:
        raise _Unreadable(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise _Unreadable(f"{path} is not JSON: {error}") from None


@asynccontextmanager
async def _queue(settings: Settings) -> AsyncIterator[SqlDeliveryQueue]:
    from adapters.crypto import SecretBox
    from adapters.sql.engine import create_engine, migrate
    from adapters.sql.hooks import SqlHooks
    from adapters.sql.queue import SqlDeliveryQueue

    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        yield SqlDeliveryQueue(engine, SqlHooks(engine, SecretBox(settings.secret_key.get_secret_value())))
    finally:
        await engine.dispose()


async def _deliveries(settings: Settings, limit: int, state: DeliveryState | None) -> int:
    async with _queue(settings) as queue:
        records = await queue.latest(limit, state)
    for r in records:
        reason = f"  ({r.reason})" if r.reason else ""
        where = f"{r.team_id}/{r.channel_id}"
        print(f"{r.id:>8}  {r.received_at:%Y-%m-%d %H:%M:%S}  {where}  {r.state:<8}  {r.summary}{reason}")
    if not records:
        print("no deliveries" + (f" in state {state}" if state else ""))
    return 0


async def _replay(settings: Settings, ids: list[int]) -> int:
    missed = 0
    async with _queue(settings) as queue:
        for delivery_id in ids:
            if await queue.replay(delivery_id, None):
                print(f"{delivery_id}: queued again; a running bot posts it")
            else:
                print(f"{delivery_id}: no failed delivery with this id", file=sys.stderr)
                missed += 1
    return 1 if missed else 0


async def _doctor(settings: Settings, *, repair: bool) -> int:
    from datetime import UTC, datetime

    from adapters.core import build_core
    from adapters.doctor_schedule import workspaces_to_check
    from adapters.sql.engine import migrate

    core = build_core(settings)
    try:
        await migrate(core.engine)
        teams = await workspaces_to_check(core.engine)
        left = 0
        for team_id in teams:
            if repair:
                for line in await core.doctor.repair_all(team_id):
                    print(f"{team_id}  repaired  {_terminal(line)}")
            found = await core.doctor.examine(team_id)
            await core.findings.record(team_id, found, datetime.now(UTC))
            for finding in found:
                hint = f"  (--repair: {finding.repair.lower()})" if finding.repair and not repair else ""
                print(f"{team_id}  {finding.kind.value:<8}  {_terminal(finding.words)}{hint}")
            left += len(found)
        print("no workspace to examine" if not teams else "nothing wrong" if not left else f"{left} left")
        return 1 if left else 0
    finally:
        await core.close()


def _terminal(mrkdwn: str) -> str:
    """Slack's words for a terminal: channels as #C…, no emoji codes, no escapes."""
    import html
    import re

    text = re.sub(r"<#([A-Z0-9]+)(?:\|[^>]*)?>", r"#\1", mrkdwn)
    text = re.sub(r"^:[a-z_]+: ", "", text)
    return html.unescape(text.replace("`", "").replace("*", ""))
