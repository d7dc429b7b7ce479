"""`qovery-slack check`: is the configuration one that works? Each part says pass or fail, and why."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.qovery import QoveryClient, new_http_client
from adapters.settings import Settings
from adapters.sql.engine import create_engine, current_revision, head_revision, ping
from bot.qovery import QoveryError

__all__ = ["run_checks"]

Check = Callable[[], Awaitable[str]]  # the detail of a pass; raises CheckFailed with the reason


class CheckFailed(Exception):
    pass


async def run_checks(settings: Settings, say: Callable[[str], None]) -> bool:
    """Run every check, saying one line each; True when all pass."""
    checks: list[tuple[str, Check]] = [
        ("settings", lambda: _settings(settings)),
        ("database", lambda: _database(settings)),
        ("slack", lambda: _slack(settings)),
        ("qovery", lambda: _qovery(settings)),
    ]
    passed = True
    for name, check in checks:
        try:
            async with asyncio.timeout(20):
                detail = await check()
        except CheckFailed as failure:
            say(f"FAIL  {name}: {failure}")
            passed = False
        except TimeoutError:
            say(f"FAIL  {name}: no answer within 20 s")
            passed = False
        else:
            say(f"ok    {name}: {detail}")
    return passed


async def _settings(settings: Settings) -> str:
    mode = "multi-workspace (OAuth install)" if settings.multi_workspace else "single workspace (bot token)"
    return f"{mode}, public URL {settings.public_url}, command {settings.slash_command}"


async def _database(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        if not await ping(engine):
            raise CheckFailed("the database does not answer: check DATABASE_URL and that the server runs")
        revision = await current_revision(engine)
    finally:
        await engine.dispose()
    if revision != head_revision():
        at = revision or "nothing yet"
        return f"answers; schema at {at}: `qovery-slack migrate` (or serve) brings it to {head_revision()}"
    return f"answers; schema at the latest revision ({revision})"


async def _slack(settings: Settings) -> str:
    if settings.slack_bot_token is None:
        return "OAuth mode: each workspace's token is checked when it installs the app"
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_base
    )
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        raise CheckFailed(
            f"Slack refused the bot token ({error.response.get('error')}): copy it again"
        ) from None
    except Exception as error:
        raise CheckFailed(
            f"Slack could not be reached at {settings.slack_api_url} ({type(error).__name__})"
        ) from None
    workspace = f"{answer.get('team')} ({answer.get('team_id')})"
    return f"auth.test answers: bot {answer.get('user')} in workspace {workspace}"


async def _qovery(settings: Settings) -> str:
    if settings.qovery_api_token is None:
        return "no QOVERY_API_TOKEN: each workspace connects its own with /qovery connect"
    async with new_http_client(settings.qovery_api_url) as http:
        try:
            organizations = await QoveryClient(
                http, settings.qovery_api_token.get_secret_value()
            ).list_organizations()
        except QoveryError as error:
            raise CheckFailed(error.sentence(settings.slash_command)) from None
    names = ", ".join(f"{o.name} ({o.id})" for o in organizations) or "none"
    if settings.qovery_organization_id and settings.qovery_organization_id not in {
        o.id for o in organizations
    }:
        raise CheckFailed(f"QOVERY_ORGANIZATION_ID is not among the token's organizations: {names}")
    if not settings.qovery_organization_id and len(organizations) != 1:
        raise CheckFailed(
            f"the token sees {len(organizations)} organizations ({names}): set QOVERY_ORGANIZATION_ID"
        )
    return f"GET /organization answers: {names}"
