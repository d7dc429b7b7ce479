"""Prometheus metrics, served as text at `GET /metrics`.

Each application gets its own registry, so two apps in one process (tests, benchmarks) never share
counts. `MetricsMiddleware` is pure ASGI: it times every HTTP request and labels it by route template,
never by raw path, so hook ids do not become label values.
"""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "MetricsMiddleware"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "qovery_slack_http_requests",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "qovery_slack_http_request_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

        self._received: dict[str, Counter] = {}
        self._known: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.deliveries_received = Counter(
            "qovery_slack_deliveries_received",
            "Deliveries from Qovery stored, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.deliveries_refused = Counter(
            "qovery_slack_deliveries_refused",
            "Deliveries refused, by answer",
            ["answer"],
            registry=self.registry,
        )
        self.deliveries_outcomes = Counter(
            "qovery_slack_deliveries",
            "Delivery attempts by outcome: posted, retried, failed",
            ["outcome"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "qovery_slack_delivery_seconds",
            "Time from receiving a delivery to posting it in Slack",
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "qovery_slack_queue_depth", "Deliveries waiting to be posted", registry=self.registry
        )

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        count, latency = self._series(method, route, status)
        count.inc()
        latency.observe(seconds)

    def _series(self, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
        """The request's counter and histogram, found once per kind of request: `labels()` takes a lock
        and checks its values every time, a fair part of what answering a delivery costs."""
        key = (method, route, status)  # few: HTTP methods, route templates and statuses
        series = self._known.get(key)
        if series is None:
            series = self._known[key] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_latency.labels(route),
            )
        return series

    def delivery_received(self, kind: str) -> None:
        # The kind's counter found once: `labels()` takes a lock and checks its values every time.
        counter = self._received.get(kind)
        if counter is None:
            counter = self._received[kind] = self.deliveries_received.labels(kind)
        counter.inc()

    def delivery_outcome(self, outcome: str, received_at: datetime, now: datetime) -> None:
        self.deliveries_outcomes.labels(outcome).inc()
        if outcome == "posted":
            self.delivery_latency.observe(max(0.0, (now - received_at).total_seconds()))

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it starts a response

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.http_request(scope["method"], route, status, time.perf_counter() - started)
