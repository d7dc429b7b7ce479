"""Every kind of service Qovery lists, on every surface a user reaches, end to end: an environment with
one application, container, database, job, Helm chart, Terraform service, Argo CD application, agentic
workflow and a kind Qovery adds tomorrow gets a card, a `status`, a `history`, a rollback and an unfurl
that each name every service with its kind; a rollback pins only what deployAllServices takes and says
what it leaves as it is. Slack's fake checks every message with slack-sdk's Block Kit models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.actions.test_actions import audit_posts, confirm
from tests.deliveries.test_deliveries import cards
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.qovery_services import EVERY_KIND
from tests.helpers import subscribe
from tests.unfurls.test_unfurls import environment, previews, share, unfurls

SHA_NOW, SHA_GOOD = "c" * 40, "b" * 40
# Each service's kind as every surface names it: `chart (Helm chart)`.
KIND_WORDS = {
    "api": "application",
    "worker": "container",
    "db": "database",
    "nightly": "job",
    "chart": "Helm chart",
    "infra": "Terraform",
    "argo": "Argo CD application",
    "agent": "agentic workflow",
    "quantum": "QUANTUM_THING",
}
NOT_VERSIONED = ["db", "argo", "agent", "quantum"]  # Qovery's history gives no version of these kinds


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


@pytest.fixture
def ids(qovery: FakeQovery, acme: Acme) -> dict[str, str]:
    """Acme's production runs one service of every kind; a failed deployment followed a good one."""
    found = {"api": acme.service_ids[0], "db": acme.service_ids[1]}
    for name, kind in EVERY_KIND.items():
        if name not in found:
            found[name] = qovery.add_service(acme.environment_id, name, kind)
    # QUANTUM_THING is no kind Qovery's description knows yet: these two answers are tomorrow's.
    qovery.off_spec |= {"listServicesByEnvironmentId", "listEnvironmentDeploymentHistoryV2"}
    others = {name: kind for name, kind in EVERY_KIND.items() if name not in ("api", "worker", "db")}
    now = datetime.now(UTC)
    qovery.history[acme.environment_id] = [
        deployment(
            acme.environment_id,
            status=status,
            execution_id=f"{acme.environment_id}-{n}",
            created_at=now - timedelta(minutes=5 + 60 * n),
            commit=(sha, "A change", "Alice"),
            image=("ghcr.io/acme/worker", tag),
            failing="api" if n == 0 else None,
            service_ids=found,
            others=others,
        )
        for n, (status, sha, tag) in enumerate(
            [("DEPLOYMENT_ERROR", SHA_NOW, "2.0.0"), ("DEPLOYED", SHA_GOOD, "1.4.2")]
        )
    ]
    return found


def names_every_service(text: str) -> None:
    for name, kind in KIND_WORDS.items():
        assert f"{name} ({kind})" in text.replace("*", ""), name


def test_a_card_names_every_service_with_its_kind_and_what_the_bot_knows_of_its_version(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(
        webhook,
        "DEPLOYMENT_FAILURE",
        environment_id=acme.environment_id,
        deployment_id=f"{acme.environment_id}-0",
    )
    cards(acme_app.slack, 1)
    [edited] = acme_app.slack.wait_for("chat.update")
    text = shown(edited.args)
    names_every_service(text)
    assert "*nightly* (job) · `ghcr.io/acme/nightly:2.1.0`" in text
    assert "*chart* (Helm chart) · `acme-chart 1.2.0`" in text
    assert "*infra* (Terraform) · <https://github.com/acme/billing/commit/" in text
    for name in NOT_VERSIONED:
        assert f"*{name}* ({KIND_WORDS[name]}) · version not known to the bot" in text


def test_status_and_history_name_every_service_with_its_kind(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    for asked in ("status billing/production", "history billing/production"):
        text = shown(acme_app.ask(asked))
        names_every_service(text)
        assert "nightly (job) `ghcr.io/acme/nightly:2.1.0`" in text
        assert "version not known to the bot: db (database), argo (Argo CD application)" in text


def test_a_rollback_pins_what_qovery_takes_and_says_what_it_leaves_as_it_is(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    confirmation = acme_app.ask("rollback billing/production")
    text = shown(confirmation)
    assert "*api* (application): `ccccccc` → `bbbbbbb`" in text
    assert "*worker* (container): `2.0.0` → `1.4.2`" in text
    assert "*nightly* (job): `2.1.0` → `2.1.0`" in text
    for name in ("chart", "infra", "db", "argo", "agent", "quantum"):
        left = f"left as it is: *{name}* ({KIND_WORDS[name]}): the bot cannot pin its version"
        assert text.count(left) == 1
    assert text.count("left as it is") == 6
    confirm(acme_app, confirmation)
    [call] = qovery.calls_to("deployAllServices")
    assert call.body == {
        "applications": [{"application_id": ids["api"], "git_commit_id": SHA_GOOD}],
        "containers": [{"id": ids["worker"], "image_tag": "1.4.2"}],
        "jobs": [{"id": ids["nightly"], "image_tag": "2.1.0"}],
    }  # never a Helm chart, a Terraform service or an unknown kind in a field of another kind's
    [audit] = audit_posts(acme_app)
    assert "left as it is: *chart* (Helm chart)" in shown(audit.args)


def test_a_deploy_of_the_environment_names_every_service_it_deploys(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    text = shown(acme_app.ask("deploy billing/production"))
    assert "*api* (application): `ccccccc` → its latest version" in text
    for name in ("chart", "infra", "db", "argo", "agent", "quantum"):
        assert f"*{name}* ({KIND_WORDS[name]}): deployed as set in Qovery" in text
    confirm(acme_app, acme_app.ask("deploy billing/production"))
    assert len(qovery.calls_to("deployEnvironment")) == 1  # the whole environment, as Qovery has it set
    assert qovery.calls_to("deployAllServices") == []


def test_a_deploy_of_one_service_the_bot_cannot_pin_is_answered_and_nothing_is_asked(
    acme_app: RunningApp, qovery: FakeQovery, ids: dict[str, str]
) -> None:
    for name in ("chart", "quantum"):
        answer = shown(acme_app.ask(f"deploy billing/production --service {name} --tag 1.3.0"))
        assert "the bot cannot pin its version" in answer
    assert qovery.calls_to("deployAllServices") == []


def test_an_unfurl_names_every_service_with_its_kind(
    acme_app: RunningApp, acme: Acme, ids: dict[str, str]
) -> None:
    share(acme_app, [environment(acme) + "/overview"])
    [call] = unfurls(acme_app)
    [preview] = previews(call).values()
    names_every_service(shown(preview))


def test_a_kind_and_a_name_qovery_spells_with_mentions_reach_no_answer_as_mentions(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_service(acme.environment_id, "evil`<!here>", "<!channel> & co")
    qovery.off_spec |= {"listServicesByEnvironmentId"}
    answer = shown(acme_app.ask("deploy billing/production --service evil`<!here> --tag 1.3.0"))
    assert "the bot cannot pin its version" in answer
    assert "<!channel>" not in answer
    assert "<!here>" not in answer
    assert "&lt;!channel&gt; &amp; co" in answer
    assert qovery.calls_to("deployAllServices") == []
