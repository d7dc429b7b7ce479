"""Taking a delivery from Qovery: authenticate it, store it durably, and answer like a Slack incoming webhook.

The answer goes out only once the delivery is committed, so nothing acknowledged can be lost; posting it
is the courier's work, later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from bot.events import classify, event_words, read_slack_body, read_standard_body
from bot.ports import DeliveryQueue, Hooks
from bot.subscriptions import utcnow

__all__ = ["MAX_BODY_BYTES", "Answer", "Intake"]

MAX_BODY_BYTES = 1024 * 1024
# Two identical bodies this close together are one delivery sent twice (SLACK bodies carry no id).
DEDUP_WINDOW_SECONDS = 600


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


OK = Answer(200, "ok")
INVALID_PAYLOAD = Answer(400, "invalid_payload")
INVALID_TOKEN = Answer(403, "invalid_token")
NO_SERVICE = Answer(404, "no_service")
TOO_LARGE = Answer(413, "payload_too_large")
UNAVAILABLE = Answer(503, "service_unavailable")  # the database did not take it: come back later


class Intake:
    def __init__(self, hooks: Hooks, queue: DeliveryQueue, on_stored: Callable[[str], None]) -> None:
        self._hooks = hooks
        self._queue = queue
        self._on_stored = on_stored  # given the kind: wakes the courier, counts

    async def receive(self, hook_id: str, secret: str | None, raw: bytes) -> Answer:
        hook = await self._hooks.get(hook_id)
        if hook is None or hook.revoked_at is not None:
            return NO_SERVICE
        # The raw secret, not an HMAC, is what Qovery sends; compared in constant time all the same.
        if secret is not None and not hmac.compare_digest(secret.encode(), hook.secret.encode()):
            return INVALID_TOKEN
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return INVALID_PAYLOAD
        kind = classify(body)
        if kind is None:
            return INVALID_PAYLOAD
        if kind == "STANDARD" and secret is None:
            return INVALID_TOKEN  # a deployment event must prove it comes from Qovery
        now = utcnow()
        if kind == "STANDARD":
            deployment = read_standard_body(body)
            payload_id = body.get("payload_id")
        else:
            deployment, payload_id = read_slack_body(body), None
        if isinstance(payload_id, str) and payload_id:
            dedup_key = f"payload:{payload_id}"[:200]
        else:
            bucket = int(now.timestamp()) // DEDUP_WINDOW_SECONDS
            dedup_key = f"body:{hashlib.sha256(raw).hexdigest()}:{bucket}"
        summary = event_words(deployment)[:200]
        if await self._queue.add(hook, kind, raw.decode(), dedup_key, summary, now):
            self._on_stored(kind)
        return OK
