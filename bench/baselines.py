"""The baselines the benchmarks measure the bot against, served by uvicorn with the bot's settings.

- `ingest`: a bare Starlette route that parses the JSON body and answers `ok`, storing nothing.
- `ack`: a bare Bolt AsyncApp (same signing check) whose slash command only acks.
"""

from __future__ import annotations

import json
import os

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def _healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


async def _parse_and_answer(request: Request) -> Response:
    json.loads(await request.body())
    return PlainTextResponse("ok")


ingest = Starlette(
    routes=[
        Route("/healthz", _healthz),
        Route("/qovery/hooks/{hook_id}", _parse_and_answer, methods=["POST"]),
    ]
)


async def _authorize(**_: object) -> AuthorizeResult:
    # What the bot learns once from auth.test, given at once: the baseline talks to no Slack at all.
    return AuthorizeResult(
        enterprise_id=None, team_id="T0", bot_token="xoxb-unused", bot_user_id="U0", bot_id="B0"
    )


_bolt = AsyncApp(signing_secret=os.environ.get("SLACK_SIGNING_SECRET", "unset"), authorize=_authorize)


@_bolt.command("/qovery")
async def _only_ack(ack: AsyncAck) -> None:
    await ack()


_slack = AsyncSlackRequestHandler(_bolt)


async def _events(request: Request) -> Response:
    return await _slack.handle(request)


ack = Starlette(routes=[Route("/healthz", _healthz), Route("/slack/events", _events, methods=["POST"])])
