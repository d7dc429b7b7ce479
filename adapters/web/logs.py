"""Logging: `LOG_FORMAT=text` for people, `json` (one object a line) for log collectors, and a request id
on every line written while a request is handled, so one request's lines can be found together."""

from __future__ import annotations

import itertools
import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "RequestIdMiddleware",
    "configure_logging",
    "keep_secrets_out_of_logs",
    "log_access",
    "request_id",
    "request_id_for",
]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = _HEADER = b"x-request-id"
_SANE = re.compile(r"[\w.-]{1,64}")  # a caller's id is kept only when it cannot forge a log line
# Ids made here: random per process, then counted, 32 hex digits like a UUID's. One uuid4 a request
# would cost a system call each, which on some hosts is a large part of answering a delivery.
_PROCESS_PREFIX = uuid.uuid4().hex[:16]
_numbers = itertools.count()


access_log = logging.getLogger("qovery_slack.access")
# A hook id is a credential (whoever has it may post to the channel): an access line shows the route.
_HOOK_PATH = re.compile(r"^/qovery/hooks/[^/]*")


def route_of(path: str) -> str:
    """The path as an access line shows it: `/qovery/hooks/{hook_id}`, never the id."""
    return _HOOK_PATH.sub("/qovery/hooks/{hook_id}", path)


class RequestIdMiddleware:
    """Pure ASGI: takes the caller's X-Request-Id (or makes one), logs under it, and sends it back; one
    access line a request (the route, never a hook id or a query string, which may hold OAuth codes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = request_id_for(scope["headers"])
        token = request_id.set(current)
        status = 500  # unless an answer starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_HEADER, current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_access(scope["method"], scope["path"], status)
            request_id.reset(token)


def request_id_for(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-Id when it is a sane one, else one made here."""
    given = next((value for name, value in headers if name == _HEADER), b"").decode("latin-1")
    return given if _SANE.fullmatch(given) else f"{_PROCESS_PREFIX}{next(_numbers):016x}"


def log_access(method: str, path: str, status: int) -> None:
    """One access line: the route, never a hook id or a query string (which may hold OAuth codes)."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("%s %s %d", method, route_of(path), status)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if rid := getattr(record, "request_id", None):
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [request {rid}]" if rid else line


# Bolt logs whole request bodies and Slack's answers at DEBUG and INFO (a pasted Qovery token, a new
# bot token among them), slack-sdk what it sends at DEBUG (a refresh token), aiosqlite every statement
# with its values at DEBUG (Slack installations): whatever LOG_LEVEL says, these say less.
_QUIETER = {"slack_bolt": logging.WARNING, "slack_sdk": logging.INFO, "aiosqlite": logging.INFO}


def keep_secrets_out_of_logs() -> None:
    """Call after the Bolt app is built too: Bolt gives each of its loggers the root's level."""
    names = ["", *logging.Logger.manager.loggerDict]
    for name, level in _QUIETER.items():
        for found in (n for n in names if n == name or n.startswith(name + ".")):
            logger = logging.getLogger(found)
            logger.setLevel(max(level, logger.getEffectiveLevel()))


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_WithRequestId())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    keep_secrets_out_of_logs()
