"""A fake Slack Socket Mode endpoint: a WebSocket server on loopback that sends envelopes to the bot
and collects its acknowledgements. The fake Web API's `apps.connections.open` hands out its URL."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from aiohttp import WSMsgType, web

__all__ = ["FakeSocketMode"]


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(started,), daemon=True, name="fake-socket-mode"
        )
        self._thread.start()
        started.wait(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/link", self._connect)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        with self._changed:
            self._sockets.append(socket)
            self._changed.notify_all()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                with self._changed:
                    self.acks[ack["envelope_id"]] = ack
                    self._changed.notify_all()
        return socket

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._sockets, timeout):
                raise AssertionError("the bot never opened its Socket Mode connection")

    def send(self, envelope: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send an envelope to the bot; its acknowledgement."""
        self.wait_connected()
        text = json.dumps(envelope)
        asyncio.run_coroutine_threadsafe(self._sockets[-1].send_str(text), self._loop).result(timeout)
        with self._changed:
            if not self._changed.wait_for(lambda: envelope["envelope_id"] in self.acks, timeout):
                raise AssertionError(f"no acknowledgement of {envelope['envelope_id']}")
            return self.acks[envelope["envelope_id"]]

    def stop(self) -> None:
        async def shutdown() -> None:
            for socket in self._sockets:
                await socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
