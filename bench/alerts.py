"""Alerts: from Qovery's doorbell to the firing's message in the channel, with Qovery answering
getAlertRules in 100 ms (target: within 2 s); and how many reads of Qovery a burst of doorbells makes
(target: one per workspace). The floor beside it: one read of the fake Qovery and one post to the fake
Slack, made by a bare httpx client in the same run."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.servers import SIGNING_SECRET, bot_command, bot_env, database, server
from tests.fakes.qovery_api import FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, FakeSlack

QOVERY_ANSWERS_IN = 0.1
DOORBELLS_AT_ONCE = 12  # five bursts in a minute stay within the 60 doorbells a hook may ring


def _alerts(slack: FakeSlack) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if "alert_actions" in str(c.args)]


def _floor(slack: FakeSlack, qovery: FakeQovery, token: str, organization_id: str) -> float:
    """One read of the rules and one post, straight: what no bot can beat."""
    started = time.perf_counter()
    with httpx.Client(timeout=10) as client:
        client.get(f"{qovery.url}/organization/{organization_id}/alert-rules",
                   headers={"Authorization": f"Token {token}"})  # fmt: skip
        client.post(f"{slack.api_url}chat.postMessage", headers={"Authorization": "Bearer xoxb-test-token"},
                    json={"channel": "C0FLOOR01", "text": "floor"})  # fmt: skip
    return time.perf_counter() - started


def alerts(rounds: int = 5) -> dict[str, Any]:
    slack, qovery = FakeSlack().start(), FakeQovery(check_spec=False).start()
    acme = qovery.seed()
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    latencies: list[float] = []
    reads_per_burst: list[int] = []
    with tempfile.TemporaryDirectory() as folder, database("sqlite", Path(folder)) as url:
        assert url is not None
        env = bot_env(slack, qovery, url, QOVERY_API_TOKEN=acme.token)
        with server(bot_command(), env) as (base, _):
            qovery.redirects["http://bot.bench"] = base
            signer = SlackSigner(SIGNING_SECRET)
            reply = slack.response_url("sub")
            body = slash_command_body(
                "alerts subscribe",
                command="/qovery",
                user_id=ADMIN,
                channel_id="C0ALERTS1",
                response_url=reply,
            )
            httpx.post(f"{base}/slack/events", content=body, headers=signer.headers(body), timeout=10)
            slack.wait_until(lambda c: c.path == "/response/sub", timeout=30)
            time.sleep(6)  # past the first read and the doorbell gap
            qovery.delay("getAlertRules", QOVERY_ANSWERS_IN)
            floors = [_floor(slack, qovery, acme.token, acme.organization_id) for _ in range(rounds)]
            for number in range(rounds):
                before, reads = len(_alerts(slack)), len(qovery.calls_to("getAlertRules"))
                starts = (datetime.now(UTC) + timedelta(minutes=number)).isoformat()
                qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": starts}
                receiver = next(r for r in qovery.alert_receivers.values() if r["name"].startswith("Slack"))
                target = base + receiver["webhook_url"].removeprefix("http://bot.bench")
                rang = time.monotonic()
                threads = [threading.Thread(target=httpx.post, args=(target,), kwargs={"json": {}})
                           for _ in range(DOORBELLS_AT_ONCE)]  # fmt: skip
                for thread in threads:
                    thread.start()
                while len(_alerts(slack)) <= before:
                    assert time.monotonic() - rang < 30, "no alert was posted"
                    time.sleep(0.005)
                latencies.append(_alerts(slack)[before].at - rang)
                for thread in threads:
                    thread.join()
                time.sleep(6)  # the reads of this burst are over: count them
                reads_per_burst.append(len(qovery.calls_to("getAlertRules")) - reads)
    slack.stop()
    qovery.stop()
    median, worst, floor = statistics.median(latencies), max(latencies), statistics.median(floors)
    print(
        f"alerts: doorbell to message, Qovery answering in {QOVERY_ANSWERS_IN * 1000:.0f} ms: median "
        f"{median * 1000:.0f} ms, worst {worst * 1000:.0f} ms (target < 2000 ms); the floor (one read, one "
        f"post, bare httpx) {floor * 1000:.0f} ms; reads of Qovery per burst of {DOORBELLS_AT_ONCE} "
        f"doorbells: {reads_per_burst} (target 1)"
    )
    return {"median_ms": median * 1000, "worst_ms": worst * 1000, "floor_ms": floor * 1000,
            "reads_per_burst": max(reads_per_burst)}  # fmt: skip
