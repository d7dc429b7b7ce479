"""A fake Slack Web API: a real HTTP server on a loopback port, for the bot to call as it calls Slack.

It answers the methods the bot uses the way Slack does (HTTP 200 with `{"ok": ...}`), takes
`response_url` posts at `/response/{name}`, records every call, and can be told to fail a method:
HTTP 429 with `Retry-After`, a 5xx, a Slack error such as `channel_not_found`, or a delay.

    slack = FakeSlack().start()
    slack.fail("chat.postMessage", status=429, retry_after=1)
    ... the bot calls slack.api_url ...
    [post] = slack.wait_for("chat.postMessage")
(Long: one server plays every Slack method the bot calls, with its failures.)
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.fakes.recording import CallLog, FaultQueue

__all__ = [
    "ADMIN",
    "CHANNEL",
    "MEMBER",
    "RESPONSE_URL",
    "TEAM_ID",
    "FakeSlack",
    "Fault",
    "SlackCall",
    "block_kit_problem",
]

TEAM_ID = "T0TEAM001"
BOT_USER_ID = "U0BOT0001"
ADMIN = "U0ADMIN01"  # a workspace admin, as users.info tells
MEMBER = "U0MEMBER1"  # a plain member
CHANNEL = "C0DEPLOYS"  # the channel where commands are typed, #deploys
RESPONSE_URL = "response_url"  # the `method` recorded for a post to a response_url


STARTED: list[FakeSlack] = []  # every fake started in the current test, for the secret scan


@dataclass(frozen=True)
class SlackCall:
    method: str  # a Web API method name, or RESPONSE_URL
    args: dict[str, Any]  # the form fields or JSON body, as the bot sent them
    token: str | None
    path: str
    at: float = field(default_factory=time.monotonic)  # when the fake received it
    answer: dict[str, Any] = field(default_factory=dict, compare=False)  # what the fake answered, once it did

    def view(self) -> dict[str, Any]:
        """The view a views.open or views.update call carried (as JSON, or as a form field)."""
        view = self.args["view"]
        return json.loads(view) if isinstance(view, str) else dict(view)


@dataclass
class Fault:
    """What one call to a method gets instead of the normal answer."""

    status: int = 200
    error: str | None = None  # a Slack error code, sent as {"ok": false, "error": ...}
    retry_after: int | None = None
    delay: float = 0.0
    times: int | None = 1  # None: every call from now on


@dataclass
class FakeSlack:
    # The bot tokens Slack knows, and the workspace each belongs to; OAuth installs add to it.
    tokens: dict[str, str] = field(default_factory=lambda: {"xoxb-test-token": TEAM_ID})
    token_lifetime_seconds: int | None = None  # set: installs issue expiring tokens, to be rotated
    socket_mode_url: str | None = None  # what apps.connections.open hands an app-level token
    # Set: like Slack, a message to a channel sooner than this after the last answers 429 (Retry-After 1).
    channel_interval_seconds: float | None = None
    _last_in_channel: dict[str, float] = field(default_factory=dict)
    _pace_lock: threading.Lock = field(default_factory=threading.Lock)
    # users.info answers: user id -> the `user` object; unknown ids are plain members.
    users: dict[str, dict[str, Any]] = field(default_factory=lambda: {ADMIN: {"is_admin": True}})
    channels: dict[str, str] = field(default_factory=dict)  # channel id -> name
    members: dict[str, str] = field(default_factory=dict)  # e-mail -> user id, for users.lookupByEmail
    groups: dict[str, list[str]] = field(default_factory=dict)  # user group id -> its members
    log: CallLog[SlackCall] = field(default_factory=lambda: CallLog(lambda call: call.method))
    # Every message and view whose blocks slack-sdk's Block Kit models refuse (`block_kit_problem`).
    block_violations: list[str] = field(default_factory=list)
    # Workflow Builder runs completed: function_execution_id -> each completeSuccess|completeError call.
    completions: dict[str, list[SlackCall]] = field(default_factory=dict)
    _faults: FaultQueue[Fault] = field(default_factory=FaultQueue)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    # -- life cycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Like Slack's: connections kept alive between calls (every answer has its length), and an
            # answer's body sent without waiting for the client to acknowledge its headers.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

        STARTED.append(self)
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.base_url}/response/{name}"

    # -- scripting --------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int | None = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail (or be slow) as described."""
        self._faults.add(method, Fault(status, error, retry_after, delay, times))

    def heal(self, method: str) -> None:
        """Forget the faults told for `method`: it answers normally again."""
        self._faults.clear(method)

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        self.fail(method, delay=seconds, times=times)

    # -- reading what happened --------------------------------------------------------------------------

    @property
    def calls(self) -> list[SlackCall]:
        return self.log.all()

    def calls_to(self, method: str) -> list[SlackCall]:
        return self.log.to(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
        return self.log.wait_for(method, count, timeout)

    def wait_until(
        self, matches: Callable[[SlackCall], bool], timeout: float = 10.0, count: int = 1
    ) -> list[SlackCall]:
        return self.log.wait_until(matches, timeout, count)

    # -- serving ----------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        path = url.path
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        # slack-sdk sends reads such as users.info as GET with a query string, writes as a body.
        args = dict(parse_qsl(url.query)) | _parse_body(raw, request.headers.get("Content-Type", ""))
        if path.startswith("/response/"):
            method = RESPONSE_URL
        elif path.startswith("/api/"):
            method = path.removeprefix("/api/")
        else:
            _send(request, 404, {"ok": False, "error": "not_found"})
            return
        token = _bearer(request.headers.get("Authorization")) or args.get("token")
        call = SlackCall(method=method, args=args, token=token, path=path)
        recorded = False

        def answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            # A call is seen by the test with its answer: one waiting for it may read the ts at once.
            if recorded:  # seen before its answer (a delay): those waiting on the answer are woken
                self.log.changed(lambda: call.answer.update(body))
            else:
                call.answer.update(body)
                self.log.record(call)
            _send(request, status, body, headers)

        fault = self._faults.take(method)

        if fault is None and self._too_soon(method, args):
            fault = Fault(status=429, retry_after=1)
        if fault is not None and fault.delay:
            self.log.record(call)  # seen while Slack is slow; its answer comes after the delay
            recorded = True
            time.sleep(fault.delay)
        if fault is not None and (fault.status != 200 or fault.error):
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            body: dict[str, Any] = {"ok": False, "error": fault.error or _status_error(fault.status)}
            answer(fault.status, body, headers)
            return
        problem = block_kit_problem(args) if method in _WITH_BLOCKS else None
        if problem is not None:
            # As Slack does: the message is refused; the test that sent it sees the failure.
            self.block_violations.append(f"{method}: {problem}")
            answer(200, {"ok": False, "error": "invalid_blocks", "detail": problem})
            return
        if method == RESPONSE_URL:
            answer(200, {"ok": True})
            return
        if method == "oauth.v2.access":  # authenticated with the app's client id and secret, not a token
            body = self._oauth_access(args)
        elif method == "apps.connections.open":  # authenticated with the app-level token
            known = token is not None and token.startswith("xapp-") and self.socket_mode_url
            body = (
                {"ok": True, "url": self.socket_mode_url} if known else {"ok": False, "error": "invalid_auth"}
            )
        elif token not in self.tokens:
            body = {"ok": False, "error": "not_authed" if token is None else "invalid_auth"}
        else:
            answered = self._answers().get(method)
            body = (
                answered(args | {"_team": self.tokens[token]})
                if answered
                else {"ok": False, "error": "unknown_method"}
            )
        answer(200, body)

    def _answers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": lambda a: {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "qovery",
                "team_id": a["_team"],
                "user_id": BOT_USER_ID,
                "bot_id": "B0BOT0001",
                "is_enterprise_install": False,
            },
            "chat.postMessage": self._post_message,
            "chat.update": lambda a: {"ok": True, "channel": a.get("channel"), "ts": a.get("ts"), "text": ""},
            "chat.postEphemeral": lambda _: {"ok": True, "message_ts": self._next_ts()},
            "chat.unfurl": lambda _: {"ok": True},
            "views.open": lambda a: {"ok": True, "view": self._view(a)},
            "views.update": lambda a: {"ok": True, "view": self._view(a)},
            "views.publish": self._publish,
            "functions.completeSuccess": lambda a: self._complete(a, "outputs"),
            "functions.completeError": lambda a: self._complete(a, "error"),
            "users.info": self._user_info,
            "users.lookupByEmail": lambda a: (
                {"ok": True, "user": {"id": self.members[str(a.get("email"))]}}
                if str(a.get("email")) in self.members
                else {"ok": False, "error": "users_not_found"}
            ),
            "usergroups.users.list": lambda a: (
                {"ok": True, "users": self.groups[str(a.get("usergroup"))]}
                if str(a.get("usergroup")) in self.groups
                else {"ok": False, "error": "no_such_subteam"}
            ),
            "conversations.info": lambda a: {
                "ok": True,
                "channel": {
                    "id": a.get("channel"),
                    "name": self.channels.get(str(a.get("channel")), "general"),
                    "is_member": True,
                },
            },
        }

    def _too_soon(self, method: str, args: dict[str, Any]) -> bool:
        if self.channel_interval_seconds is None or method not in ("chat.postMessage", "chat.update"):
            return False
        channel, now = str(args.get("channel")), time.monotonic()
        with self._pace_lock:
            last = self._last_in_channel.get(channel)
            if last is not None and now - last < self.channel_interval_seconds:
                return True
            self._last_in_channel[channel] = now
            return False

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """An install (code `code-<team id>`), or a token rotation (grant_type refresh_token)."""
        if args.get("grant_type") == "refresh_token":
            match = re.fullmatch(r"xoxe-(?P<team>\w+)-\d+", str(args.get("refresh_token")))
            if match is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            team_id = match.group("team")
        elif str(args.get("code", "")).startswith("code-"):
            team_id = str(args["code"]).removeprefix("code-")
        else:
            return {"ok": False, "error": "invalid_code"}
        serial = next(self._ts)
        token = f"xoxb-{team_id}-{serial}"
        self.tokens[token] = team_id
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0QOVERY1",
            "authed_user": {"id": ADMIN},
            "scope": "commands,chat:write,chat:write.public,users:read",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if self.token_lifetime_seconds is not None:
            answer |= {"refresh_token": f"xoxe-{team_id}-{serial}", "expires_in": self.token_lifetime_seconds}
        return answer

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": {"ts": ts, **args}}

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user"))
        user = self.users.get(user_id, {"is_admin": False, "is_owner": False})
        # As Slack: a person of the asking workspace, unless the test says which (a Slack Connect stranger).
        home = args.get("_team") or TEAM_ID
        return {"ok": True, "user": {"id": user_id, "team_id": home, "name": user_id.lower(), **user}}

    def function_token(self, team_id: str = TEAM_ID) -> str:
        """A run's bot_access_token, as a function_executed event carries it: known for its workspace."""
        token = f"xwfp-{team_id}-{next(self._ts)}"
        self.tokens[token] = team_id
        return token

    def _complete(self, args: dict[str, Any], carries: str) -> dict[str, Any]:
        """As Slack: a run is completed once; outputs are a JSON object, an error a sentence."""
        execution_id = str(args.get("function_execution_id") or "")
        value = args.get(carries)
        if carries == "outputs" and isinstance(value, str):
            value = json.loads(value)
        if not execution_id or (carries == "outputs" and not isinstance(value, dict)):
            return {"ok": False, "error": "invalid_arguments"}
        if carries == "error" and not (isinstance(value, str) and value.strip()):
            return {"ok": False, "error": "invalid_arguments"}
        done = self.completions.setdefault(execution_id, [])
        done.append(SlackCall(f"functions.{carries}", {carries: value}, None, ""))
        if len(done) > 1:
            return {"ok": False, "error": "function_execution_already_completed"}
        return {"ok": True}

    def _publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """A Home tab: Slack refuses one of more than 100 blocks, or one for nobody."""
        view = self._view(args)
        if not args.get("user_id") or view.get("type") != "home" or len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": view}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        parsed = json.loads(view) if isinstance(view, str) else (view or {})
        return {"id": f"V{self._next_ts().replace('.', '')}", **parsed}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"


_WITH_BLOCKS = {
    RESPONSE_URL, "chat.postMessage", "chat.update", "chat.postEphemeral", "chat.unfurl",
    "views.open", "views.update", "views.publish",
}  # fmt: skip


def block_kit_problem(args: dict[str, Any]) -> str | None:
    """What slack-sdk's Block Kit models, Slack's own judge of block types, fields and limits, refuse in a
    message's or a view's blocks (its attachments' and unfurls' too); None when all is well."""
    blocks: list[Any] = []
    for name in ("blocks", "attachments", "view", "unfurls"):
        value = args.get(name)
        if isinstance(value, str) and value:
            try:
                value = json.loads(value)
            except ValueError:
                return f"{name} is not JSON"
        if name == "blocks":
            blocks += value or []
        elif name == "attachments":
            blocks += [b for attachment in value or [] for b in attachment.get("blocks", [])]
        elif name == "view":
            blocks += (value or {}).get("blocks", [])
        elif isinstance(value, dict):
            blocks += [b for unfurl in value.values() for b in (unfurl or {}).get("blocks", [])]
    for block in blocks:
        parsed = Block.parse(block) if isinstance(block, dict) else None
        if parsed is None:
            return f"not a block slack-sdk knows: {str(block)[:200]}"
        try:
            parsed.validate_json()
            parsed.to_dict()  # validates every element within, as validate_json alone does not
        except SlackObjectFormationError as error:
            return f"{error} in {str(block)[:300]}"
    return None


def _parse_body(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {"_body": parsed}
    return dict(parse_qsl(raw, keep_blank_values=True))


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    return None


def _status_error(status: int) -> str:
    return "ratelimited" if status == 429 else f"http_{status}"


class _Server(ThreadingHTTPServer):
    # Room for a burst of new connections (a bench's 16 posters at once); Python's default is 5.
    request_queue_size = 128


def _send(
    request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)
