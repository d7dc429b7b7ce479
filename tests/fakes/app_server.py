"""The real application, served by uvicorn on a loopback port in a thread of the test process.

Work that listeners do after `ack()` runs on the server's own event loop and finishes while the
server runs, as it does in production. Stopping runs the lifespan's shutdown.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from adapters.bootstrap import create_app
from adapters.settings import Settings
from tests.fakes.signing import SlackSigner, interactivity_body, slash_command_body
from tests.fakes.slack_api import ADMIN, CHANNEL, TEAM_ID, FakeSlack, SlackCall

__all__ = ["RunningApp", "serve"]


# Names of response_url boxes, unique across every app of a test (two may answer into one fake Slack).
_REPLIES = itertools.count(1)


class RunningApp:
    def __init__(self, app: ASGIApp, url: str, settings: Settings, slack: FakeSlack) -> None:
        self.app = app
        self.url = url
        self.settings = settings
        self.slack = slack
        self.answers: list[str] = []  # every HTTP answer the app gave this client, for the secret scan
        self.http = httpx.Client(base_url=url, timeout=10, event_hooks={"response": [self._keep]})
        self.signer = SlackSigner(settings.slack_signing_secret.get_secret_value())

    def _keep(self, response: httpx.Response) -> None:
        response.read()
        self.answers.append(str(response.headers) + response.text)

    def post_signed(self, body: str) -> httpx.Response:
        return self.http.post("/slack/events", content=body, headers=self.signer.headers(body))

    def ask(
        self, text: str, *, user_id: str = ADMIN, channel_id: str = CHANNEL, **fields: str
    ) -> dict[str, Any]:
        """Type `/qovery <text>` and return what the bot answers through the response_url."""
        name = f"reply-{next(_REPLIES)}"
        ack = self.command(text, response_url=name, user_id=user_id, channel_id=channel_id, **fields)
        assert ack.status_code == 200, ack.text
        assert not ack.content, f"expected a bare acknowledgement, got {ack.text}"
        return self.reply(name)

    def reply(self, name: str, timeout: float = 15.0) -> dict[str, Any]:
        """The first message posted to the response_url called `name`."""
        return self.slack.wait_until(lambda c: c.path == f"/response/{name}", timeout)[0].args

    def click(self, action_id: str, value: str, **where: str) -> dict[str, Any]:
        """Press a button of the bot's message; returns what the bot answers through the response_url."""
        return self.reply(self.press(action_id, value, **where))

    def press(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = ADMIN,
        channel_id: str = CHANNEL,
        channel_name: str = "deploys",
        message_ts: str | None = None,
        team_id: str = TEAM_ID,
    ) -> str:
        """Press a button; the name of the response_url the bot may answer through."""
        name = f"reply-{next(_REPLIES)}"
        container: dict[str, Any] = {
            "type": "message",
            "channel_id": channel_id,
            "is_ephemeral": not message_ts,
        }
        if message_ts:
            container["message_ts"] = message_ts
        payload = _interaction("block_actions", user_id, team_id) | {
            "container": container,
            "channel": {"id": channel_id, "name": channel_name},
            "response_url": self.slack.response_url(name),
            "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button"}],
        }
        response = self.post_signed(interactivity_body(payload))
        assert response.status_code == 200, response.text
        return name

    def press_in_home(
        self, action_id: str, value: str, home: dict[str, Any], *, user_id: str = ADMIN
    ) -> dict[str, Any]:
        """Press a button of the App Home tab `home` (a view the bot published); the tab it publishes next."""
        before = len(self.slack.calls_to("views.publish"))
        payload = _interaction("block_actions", user_id) | {
            "container": {"type": "view", "view_id": home.get("id", "V0HOME")},
            "view": {**home, "id": home.get("id", "V0HOME"), "team_id": TEAM_ID},
            "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button"}],
        }
        response = self.post_signed(interactivity_body(payload))
        assert response.status_code == 200, response.text
        return self.slack.wait_for("views.publish", before + 1)[-1].view()

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user_id: str = ADMIN) -> httpx.Response:
        """Submit a modal the bot opened, with `values` by block id (a string, or a list to tick)."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input" or block["block_id"] not in values:
                continue
            element, chosen = block["element"], values[block["block_id"]]
            if element["type"] == "plain_text_input":
                entry: dict[str, Any] = {"type": "plain_text_input", "value": chosen}
            elif element["type"] == "checkboxes":
                entry = {"type": "checkboxes", "selected_options": [{"value": v} for v in chosen]}
            else:  # radio_buttons, static_select
                entry = {"type": element["type"], "selected_option": {"value": chosen}}
            state[block["block_id"]] = {element["action_id"]: entry}
        payload = _interaction("view_submission", user_id) | {
            "view": {**view, "id": "V0FORM", "team_id": TEAM_ID, "state": {"values": state}},
        }
        return self.post_signed(interactivity_body(payload))

    def run_step(
        self,
        callback_id: str,
        inputs: dict[str, Any],
        *,
        execution_id: str = "Fx0RUN0001",
        team_id: str = TEAM_ID,
        token: str | None = None,
    ) -> httpx.Response:
        """Workflow Builder runs the step `callback_id`: its function_executed event, signed."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": team_id,
                "api_app_id": "A0QOVERY1",
                "event_id": f"Ev{execution_id}",
                "event_time": 1795774500,
                "event": {
                    "type": "function_executed",
                    "function": {
                        "id": f"Fn{callback_id}",
                        "callback_id": callback_id,
                        "title": callback_id,
                        "type": "app",
                        "app_id": "A0QOVERY1",
                    },
                    "inputs": inputs,
                    "function_execution_id": execution_id,
                    "workflow_execution_id": f"Wx{execution_id}",
                    "event_ts": "1795774500.000100",
                    "bot_access_token": token or self.slack.function_token(team_id),
                },
            }
        )
        headers = self.signer.headers(body, content_type="application/json")
        return self.http.post("/slack/events", content=body, headers=headers)

    def completed(self, execution_id: str = "Fx0RUN0001", timeout: float = 15.0) -> SlackCall:
        """How the run ended: its first completeSuccess or completeError."""
        return self.slack.wait_until(
            lambda c: (
                c.method.startswith("functions.complete")
                and c.args.get("function_execution_id") == execution_id
            ),
            timeout,
        )[0]

    def command(self, text: str, *, response_url: str = "cmd", **fields: str) -> httpx.Response:
        """Post `/qovery <text>` as Slack would, signed; `response_url` names the fake's reply box."""
        body = slash_command_body(
            text,
            command=self.settings.slash_command,
            response_url=self.slack.response_url(response_url),
            **fields,
        )
        return self.http.post("/slack/events", content=body, headers=self.signer.headers(body))


def _interaction(kind: str, user_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    """What every interactivity payload from Slack carries."""
    return {
        "type": kind,
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "team_id": team_id},
        "api_app_id": "A0QOVERY1",
        "token": "deprecated-verification-token",
        "trigger_id": "1.2.3",
    }


RUNNING: list[RunningApp] = []  # every app served in the current test, for the secret scan


@contextmanager
def serve(settings: Settings, slack: FakeSlack, **app_options: Any) -> Iterator[RunningApp]:
    app = create_app(settings, **app_options)
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
    RUNNING.append(running)
    try:
        yield running
    finally:
        running.http.close()
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
