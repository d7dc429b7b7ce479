"""Taking a delivery from Qovery: authenticate it, store it durably, and answer like a Slack incoming webhook.

The answer goes out only once the delivery is committed, so nothing acknowledged can be lost; posting it
is the courier's work, later. A hook URL may leak (SPEC §9): a delivery without the hook's secret is
untrusted. It is refused once the hook has seen its secret, held to a rate per hook, and posted as plain
content only; one with the secret is never refused for rate.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import utcnow
from bot.deliveries.bodies import DeliveryKind, read_body
from bot.deliveries.ports import DeliveryQueue
from bot.subscriptions import Hook, HookKind, Hooks

__all__ = [
    "DEDUP_WINDOW_SECONDS",
    "MAX_BODY_BYTES",
    "Answer",
    "DoorbellRate",
    "Intake",
    "UntrustedRate",
]

MAX_BODY_BYTES = 1024 * 1024
# The same body again this soon after the first is the same delivery sent twice (SLACK bodies carry no id).
DEDUP_WINDOW_SECONDS = 600
_HOOK_ID_LENGTH = 64  # ids the bot makes are 32 characters; a longer one is not looked up


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    retry_after: int | None = None  # seconds, for a 429


OK = Answer(200, "ok")
INVALID_PAYLOAD = Answer(400, "invalid_payload")
INVALID_TOKEN = Answer(403, "invalid_token")
NO_SERVICE = Answer(404, "no_service")
TOO_LARGE = Answer(413, "payload_too_large")
TIMEOUT = Answer(408, "request_timeout")
UNAVAILABLE = Answer(503, "service_unavailable")  # the database did not take it: come back later


class UntrustedRate:
    """Deliveries without the secret, per hook: a token bucket (60 a minute, bursts of 120) in this
    process. Several replicas each allow as much: the bound is per replica."""

    def __init__(
        self, per_minute: float = 60.0, burst: int = 120, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # hook id -> (tokens, when counted)

    def take(self, hook_id: str) -> int | None:
        """None when one more may come now; else the seconds to wait."""
        now = self._clock()
        tokens, then = self._buckets.get(hook_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens < 1:
            self._buckets[hook_id] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self._rate))
        if len(self._buckets) > 100_000:
            self._buckets.clear()  # bounded memory; a full bucket is what a forgotten hook gets anyway
        self._buckets[hook_id] = (tokens - 1, now)
        return None


class DoorbellRate:
    """Doorbells per hook: at most `per_minute` in any 60 seconds, with no burst allowance (a sliding
    window of their times, in this process)."""

    def __init__(self, per_minute: int = 60, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._rung: dict[str, deque[float]] = {}

    def take(self, hook_id: str) -> int | None:
        """None when one more may ring now; else the seconds to wait."""
        now = self._clock()
        times = self._rung.setdefault(hook_id, deque(maxlen=self._limit))
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= self._limit:
            return max(1, math.ceil(60 - (now - times[0])))
        if len(self._rung) > 10_000:
            self._rung = {hook_id: times}  # bounded memory; a forgotten hook starts afresh
        times.append(now)
        return None


class Intake:
    def __init__(
        self,
        hooks: Hooks,
        queue: DeliveryQueue,
        on_stored: Callable[[str], None],
        untrusted: UntrustedRate | None = None,
        on_doorbell: Callable[[Hook], Awaitable[None]] | None = None,
    ) -> None:
        self._hooks = hooks
        self._queue = queue
        self._on_stored = on_stored  # given the kind: wakes the courier, counts
        self._untrusted = untrusted or UntrustedRate()
        # An alert hook's deliveries ring for a read of Qovery (bot.alerts); 60 a minute, no burst.
        self._on_doorbell = on_doorbell
        self._doorbells = DoorbellRate()

    async def receive(self, hook_id: str, secret: str | None, raw: bytes) -> Answer:
        hook = await self._hooks.get(hook_id) if len(hook_id) <= _HOOK_ID_LENGTH else None
        if hook is None or hook.revoked_at is not None:
            return NO_SERVICE
        if hook.kind is HookKind.ALERTS:
            return await self._doorbell(hook)
        # The raw secret, not an HMAC, is what Qovery sends; compared in constant time all the same.
        if secret is not None and not hmac.compare_digest(secret.encode(), hook.secret.encode()):
            return INVALID_TOKEN
        verified = secret is not None
        if not verified and hook.secret_seen:
            return INVALID_TOKEN  # Qovery sends this hook its secret: one without it is not from Qovery
        if not verified and (wait := self._untrusted.take(hook.id)) is not None:
            return Answer(429, "rate_limited", retry_after=wait)  # before any work on the body
        body = read_body(raw)
        if body is None:
            return INVALID_PAYLOAD
        if body.kind is DeliveryKind.STANDARD and not verified:
            return INVALID_TOKEN  # a deployment event must prove it comes from Qovery
        if verified and not hook.secret_seen:
            hook = await self._hooks.secret_seen(hook)
        if body.payload_id is not None:
            dedup_key = f"payload:{_bounded(body.payload_id)}"
        else:
            # The same body again within the duplicate window (the queue keeps it sliding) is one delivery.
            dedup_key = f"body:{hashlib.sha256(body.text.encode()).hexdigest()}"
        stored = await self._queue.add(
            hook, body.kind, body.text, dedup_key, body.summary, utcnow(), verified=verified
        )
        if stored:
            self._on_stored(body.kind)
        return OK

    async def _doorbell(self, hook: Hook) -> Answer:
        """A delivery to an alert hook: never stored, never read (Qovery's alert receivers carry no
        secret, so anyone holding the URL could send it); it only asks for a read of Qovery soon."""
        if (wait := self._doorbells.take(hook.id)) is not None:
            return Answer(429, "rate_limited", retry_after=wait)
        if self._on_doorbell is None:
            return NO_SERVICE
        await self._on_doorbell(hook)
        return OK


def _bounded(payload_id: str) -> str:
    """A payload id as a key of at most 200 characters in all: a long one by its digest."""
    return (
        payload_id if len(payload_id) <= 120 else "sha256:" + hashlib.sha256(payload_id.encode()).hexdigest()
    )
