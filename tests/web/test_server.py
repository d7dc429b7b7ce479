"""The installed server: `qovery-slack serve` starts, answers its probes, and shuts down cleanly."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import make_settings
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.slack_api import FakeSlack
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import bot_environment, free_port, wait_until_up


@pytest.fixture
def served(tmp_path: Path, slack: FakeSlack) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`qovery-slack serve` as installed, in its own process, on a free port."""
    command = shutil.which("qovery-slack", path=str(Path(sys.executable).parent))
    assert command, "the qovery-slack command is not installed beside this Python"
    port = free_port()
    env = bot_environment(SLACK_API_URL=slack.api_url, HOST="127.0.0.1", PORT=str(port), LOG_FORMAT="json")
    process = subprocess.Popen([command, "serve"], cwd=tmp_path, env=env, text=True, stderr=subprocess.PIPE)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_installed_command_serves_health_and_stops_on_sigterm(
    served: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    url, process = served
    assert wait_until_up(f"{url}/healthz", process).text == "ok"
    ready = httpx.get(f"{url}/readyz", headers={"X-Request-Id": "trace-123"})
    assert (ready.status_code, ready.text) == (200, "ready")
    assert ready.headers["x-request-id"] == "trace-123"
    forged = httpx.get(f"{url}/healthz", headers={"X-Request-Id": 'evil" level="ERROR'})
    assert len(forged.headers["x-request-id"]) == 32  # replaced: it could have forged a log line
    assert (tmp_path / "qovery-slack.db").exists()  # the default database, with no set-up
    hook_id = "a-hook-id-that-is-a-credential"
    assert httpx.post(f"{url}/qovery/hooks/{hook_id}", content=b"{}").status_code == 404
    process.send_signal(signal.SIGTERM)
    _, log = process.communicate(timeout=20)
    # uvicorn shuts down cleanly, then re-raises the signal so that a supervisor sees why it stopped.
    assert process.returncode in (0, -signal.SIGTERM)
    assert '"message": "Application shutdown complete."' in log  # one JSON object a line
    entries = [json.loads(line) for line in log.splitlines()]
    [access] = [e for e in entries if e.get("request_id") == "trace-123"]
    assert "GET /readyz" in access["message"]
    assert hook_id not in log  # a hook id is never logged: the access line shows the route
    assert any(e["message"] == "POST /qovery/hooks/{hook_id} 404" for e in entries)
    assert "Traceback" not in log
    assert [e["message"] for e in entries if e["level"] != "INFO"] == []  # a clean start warns of nothing


def test_metrics_count_requests_by_route(app: RunningApp) -> None:
    app.http.get("/healthz")
    app.http.get("/healthz")
    app.http.get("/no/such/page")
    response = app.http.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=")  # Prometheus text
    lines = response.text.splitlines()
    assert 'qovery_slack_http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in lines
    assert 'qovery_slack_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in lines
    assert any(line.startswith("qovery_slack_http_request_seconds_bucket") for line in lines)


def test_deliveries_keep_what_every_request_gets(app: RunningApp) -> None:
    """Qovery's route is answered in front of the Starlette app (for speed): the same request id,
    metrics and answers as the rest."""
    answer = app.http.post("/qovery/hooks/no-such-hook", content=b"{}", headers={"X-Request-Id": "trace-9"})
    assert (answer.status_code, answer.text, answer.headers["x-request-id"]) == (404, "no_service", "trace-9")
    assert answer.headers["content-type"].startswith("text/plain")
    wrong = app.http.get("/qovery/hooks/no-such-hook")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert len(wrong.headers["x-request-id"]) == 32
    assert app.http.post("/qovery/hooks/", content=b"{}").status_code == 404  # no hook id: no route
    lines = app.http.get("/metrics").text.splitlines()
    route = 'route="/qovery/hooks/{hook_id}"'
    assert f'qovery_slack_http_requests_total{{method="POST",{route},status="404"}} 1.0' in lines
    assert f'qovery_slack_http_requests_total{{method="GET",{route},status="405"}} 1.0' in lines
    assert 'qovery_slack_deliveries_refused_total{answer="no_service"} 1.0' in lines


def test_unknown_route_and_wrong_method(app: RunningApp) -> None:
    assert app.http.get("/slack/events").status_code == 405
    assert app.http.get("/slack/install").status_code == 404  # single-workspace mode has no OAuth install


def test_readyz_follows_the_database(slack: FakeSlack, postgres_database_url: str) -> None:
    url = make_url(postgres_database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with serve(make_settings(slack, database_url=through_proxy), slack) as app:
            assert app.http.get("/readyz").status_code == 200
            proxy.down()
            not_ready = app.http.get("/readyz")
            assert (not_ready.status_code, not_ready.text) == (503, "the database does not answer")
            assert app.http.get("/healthz").status_code == 200  # alive, only not ready
            proxy.up()
            assert app.http.get("/readyz").status_code == 200
    finally:
        proxy.close()


def test_python_dash_m_bot_is_the_same_command() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: qovery-slack" in result.stdout
    for command in ("serve", "migrate", "manifest"):
        assert command in result.stdout
