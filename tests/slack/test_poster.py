"""What Slack's Web API answers besides JSON from Slack itself, sorted for the courier: a proxy's error
page, a rate limit whose Retry-After is no number, a body cut short. None passes for a post and none
raises anything but the courier's SlackFailure; the first two are retried, an unreadable answer to a
call Slack took is not (the message may be there: trying again could post it twice)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters.slack.poster import WebApiPoster
from bot.ports import SlackFailure

ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/api/proxy/chat.postMessage": (502, {"Content-Type": "text/html"}, b"<html>Bad gateway</html>"),
    "/api/soon/chat.postMessage": (429, {"Retry-After": "soon"}, b'{"ok": false, "error": "ratelimited"}'),
    "/api/cut/chat.postMessage": (200, {"Content-Type": "application/json"}, b'{"ok": true, "ts": "1.'),
    "/api/list/chat.postMessage": (200, {"Content-Type": "application/json"}, b'["ok"]'),
}


@pytest.fixture(scope="module")
def slack() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, body = ANSWERS[self.path]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def _post(base_url: str) -> SlackFailure:
    async def post() -> SlackFailure:
        async def token(_: str) -> str:
            return "xoxb-test-token"

        poster = WebApiPoster(base_url + "/", token)
        try:
            await poster.post("T0TEAM001", "C0DEPLOYS", {"text": "hello"})
        except SlackFailure as failure:
            return failure
        finally:
            await poster.close()
        raise AssertionError("an answer that is no post passed for one")

    return asyncio.run(post())


def test_a_proxys_error_page_is_a_slack_outage_retried(slack: str) -> None:
    failure = _post(slack + "/proxy")
    assert (failure.reason, failure.permanent, failure.retry_after) == (
        "Slack answered HTTP 502",
        False,
        None,
    )


def test_a_rate_limit_whose_wait_is_no_number_waits_a_second(slack: str) -> None:
    failure = _post(slack + "/soon")
    assert (failure.reason, failure.retry_after, failure.permanent) == ("rate limited by Slack", 1.0, False)


@pytest.mark.parametrize("answer", ["cut", "list"])
def test_an_unreadable_answer_is_no_post_and_says_the_message_may_be_there(slack: str, answer: str) -> None:
    failure = _post(f"{slack}/{answer}")
    assert failure.permanent
    assert failure.reason == "Slack's answer could not be read: the message may have been posted"
