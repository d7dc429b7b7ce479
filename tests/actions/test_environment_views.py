"""`/qovery status` and `/qovery history` (SPEC §12, the views) against the fake Qovery, spec-checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment


def shown(answer: dict[str, object]) -> str:
    return json.dumps(answer, ensure_ascii=False)


def test_status_lists_the_environments_with_their_last_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYMENT_ERROR", trigger_action="RESTART", failing="api")
    ]
    qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    answer = shown(acme_app.ask("status"))
    assert "*billing / production* (production) · deployed" in answer
    assert "Restart by alice@acme.com from the console" in answer
    assert "*billing / staging* (staging)" in answer
    only = shown(acme_app.ask("status Billing/PRODUCTION"))  # names in any case
    assert "billing / production" in only
    assert "staging" not in only


def test_history_shows_the_last_deployments_with_who_and_versions(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    now = datetime.now(UTC)
    qovery.history[acme.environment_id] = [
        deployment(
            acme.environment_id, status="DEPLOYED", created_at=now - timedelta(hours=n), triggered_by=who
        )
        for n, who in enumerate(["alice@acme.com", "bob@acme.com", "<!channel>"])
    ]
    answer = shown(acme_app.ask("history billing/production"))
    assert answer.count(":white_check_mark:") == 3
    assert "Deployment by bob@acme.com from the console" in answer
    versions = "api (application) `3f2a9c1`, worker (container) `ghcr.io/acme/worker:1.4.2`"
    assert f"{versions} · version not known to the bot: db (database)" in answer
    assert "<!channel>" not in answer  # Qovery's words, escaped
    assert "&lt;!channel&gt;" in answer


def test_an_unknown_or_missing_name_is_answered_with_the_candidates(acme_app: RunningApp, acme: Acme) -> None:
    assert "No project is named `payments`. The projects: `billing`." in shown(
        acme_app.ask("status payments")
    )
    unknown = shown(acme_app.ask("history billing/prod"))
    assert "No environment is named `prod`. The environments: `production`." in unknown
    assert "Name the environment as `<project>/<environment>`" in shown(acme_app.ask("history billing"))
    refused = acme_app.command("history").json()
    assert "`history` needs the environment" in refused["text"]


def test_a_qovery_that_does_not_answer_is_said_in_words(acme_app: RunningApp, qovery: FakeQovery) -> None:
    qovery.fail("listProject", status=503, times=None)
    assert "Qovery answered HTTP 503" in shown(acme_app.ask("status"))
