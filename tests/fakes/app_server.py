"""The real application, served by uvicorn on a loopback port in a thread of the test process.

Work that listeners do after `ack()` runs on the server's own event loop and finishes while the
server runs, as it does in production. Stopping runs the lifespan's shutdown.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.applications import Starlette

from adapters.bootstrap import create_app
from adapters.settings import Settings
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import FakeSlack

__all__ = ["RunningApp", "serve"]


class RunningApp:
    def __init__(self, app: Starlette, url: str, settings: Settings, slack: FakeSlack) -> None:
        self.app = app
        self.url = url
        self.settings = settings
        self.slack = slack
        self.http = httpx.Client(base_url=url, timeout=10)
        self.signer = SlackSigner(settings.slack_signing_secret.get_secret_value())

    def command(self, text: str, *, response_url: str = "cmd", **fields: str) -> httpx.Response:
        """Post `/qovery <text>` as Slack would, signed; `response_url` names the fake's reply box."""
        body = slash_command_body(
            text,
            command=self.settings.slash_command,
            response_url=self.slack.response_url(response_url),
            **fields,
        )
        return self.http.post("/slack/events", content=body, headers=self.signer.headers(body))


@contextmanager
def serve(settings: Settings, slack: FakeSlack) -> Iterator[RunningApp]:
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the application did not start; see the log above")
        time.sleep(0.01)
    running = RunningApp(app, f"http://127.0.0.1:{port}", settings, slack)
    try:
        yield running
    finally:
        running.http.close()
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
