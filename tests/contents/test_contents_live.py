"""What a deployment carries, end to end: the fake Qovery serves the history, the commits and the audit
log, spec-checked; the card goes out at once, then gains one line and one reply in its thread, "What's
in this deployment"; a variable's or a secret's value never reaches Slack or a log; a Qovery that
refuses or fails says nothing false."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.deliveries.test_deliveries import cards, drained
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import SlackCall
from tests.helpers import subscribe

EXECUTION = "exec-contents-1"
API = "0b6a3b4e-2f0a-4d6c-9a51-7e1f0c2d3a40"
NOW = datetime.now(UTC)
PREVIOUS_END = NOW - timedelta(days=1) + timedelta(minutes=3)
STARTED = NOW - timedelta(minutes=5)
SECRET_VALUE = "s3cr3t-Value-that-must-never-show"


def replies(app: RunningApp) -> list[SlackCall]:
    return [c for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]


def carried_world(
    qovery: FakeQovery,
    acme: Acme,
    *,
    moved: int = 3,
    messages: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
) -> list[str]:
    """api moved `moved` commits and worker's tag 1.4.2 → 1.5.0 since yesterday's deployment."""
    shas = qovery.add_commits(API, moved + 5, messages=messages, authors=authors)
    ids = {"api": API}
    qovery.history[acme.environment_id] = [
        deployment(
            acme.environment_id,
            execution_id=EXECUTION,
            created_at=STARTED,
            service_ids=ids,
            commit=(shas[0], "Latest", "Alice"),
            image=("ghcr.io/acme/worker", "1.5.0"),
        ),
        deployment(
            acme.environment_id,
            created_at=NOW - timedelta(days=1),
            updated_at=PREVIOUS_END,
            service_ids=ids,
            commit=(shas[moved], "Older", "Bob"),
        ),
    ]
    return shas


def configuration(qovery: FakeQovery, acme: Acme) -> None:
    """Two variable edits and one setting edit in the window; around them, what is not a change."""
    org, env = acme.organization_id, acme.environment_id
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=1),
        environment_id=env,
        sub_target_type="SECRET",
        change={"key": "STRIPE_KEY", "value": SECRET_VALUE},
        original_change={"key": "STRIPE_KEY", "value": "old-" + SECRET_VALUE},
    )
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=2),
        environment_id=env,
        event_type="CREATE",
        sub_target_type="VARIABLE",
        triggered_by="bob@acme.com",
        origin="API",
        change=f"LOG_LEVEL={SECRET_VALUE}",
    )  # not JSON: the target's name
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=3),
        environment_id=env,
        sub_target_type="ADVANCED_SETTINGS",
        change={"build.timeout_max_sec": 3600, "x": 1},
        original_change={"build.timeout_max_sec": 1800, "x": 1},
    )
    # Not changes of this deployment: its own trigger, another environment's, and before the window.
    qovery.add_audit_event(
        org,
        at=STARTED - timedelta(seconds=2),
        environment_id=env,
        event_type="TRIGGER_DEPLOY",
        target_type="ENVIRONMENT",
    )
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=1),
        environment_id=acme.project_id,
        sub_target_type="VARIABLE",
        change={"key": "ELSEWHERE"},
    )
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END - timedelta(hours=1),
        environment_id=env,
        sub_target_type="VARIABLE",
        change={"key": "TOO_EARLY"},
    )


def deliver(app: RunningApp, qovery: FakeQovery, acme: Acme, options: str = "") -> SlackCall:
    webhook = subscribe(app, qovery, f"--kind standard {options}".strip()).webhook_id
    qovery.deliver(
        webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
    )
    [card] = cards(app.slack, 1)
    return card


def test_a_card_carries_its_commits_tag_and_configuration_changes_in_one_line_and_one_reply(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    configuration(qovery, acme)
    card = deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    line = "3 commits to api, worker 1.4.2 → 1.5.0 · 3 configuration changes (see thread)"
    [edited] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and line in json.dumps(c.args, ensure_ascii=False)
    )
    assert edited.args["ts"] == card.answer["ts"]
    assert "Deployment by alice@acme.com" in json.dumps(edited.args)  # the details stay
    assert reply.args["thread_ts"] == card.answer["ts"]
    said = "\n".join(block["text"]["text"] for block in reply.args["blocks"])
    lines = said.splitlines()
    link = "https://github.com/acme/billing/commit/{}|`{}`"
    assert lines[:5] == [
        "*What's in this deployment*",
        f"*api*: 3 commits (`{shas[3][:7]}` → `{shas[0][:7]}`)",
        f"• <{link.format(shas[0], shas[0][:7])}> Bump httpx from 0.27 to 0.28 — Chloé Dubois",
        f"• <{link.format(shas[1], shas[1][:7])}> Add retry on payment provider timeouts — dependabot[bot]",
        f"• <{link.format(shas[2], shas[2][:7])}> Fix rounding of invoice totals — Bob Chen",
    ]
    assert lines[5] == "*worker*: `ghcr.io/acme/worker:1.4.2` → `1.5.0`"
    assert lines[6] == "*db*: no version to compare (database)"
    assert lines[7] == "*Configuration*: 3 changes since the previous successful deployment"
    assert lines[8].startswith(
        "• `STRIPE_KEY` (secret, changed) on api · alice@acme.com from the console, <!date^"
    )
    assert lines[9].startswith("• `api` (variable, created) on api · bob@acme.com from the API")
    assert lines[10].startswith(
        "• advanced settings of api changed: `build.timeout_max_sec` `1800` → `3600` · "
    )
    assert len(lines) == 11  # nothing of another environment, before the window, or the trigger itself
    drained(acme_app)
    assert len(replies(acme_app)) == 1
    # Once per service whose commit moved: one list of commits, one read of the audit log.
    assert len(qovery.calls_to("listApplicationCommit")) == 1
    assert len(qovery.calls_to("getOrganizationEvents")) == 1
    assert SECRET_VALUE not in json.dumps([c.args for c in acme_app.slack.calls])


def test_a_second_channel_and_a_later_event_cost_qovery_nothing_more_and_each_card_gets_one_reply(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    first = subscribe(acme_app, qovery, "--kind standard").webhook_id
    other = subscribe(acme_app, qovery, "--kind standard", channel_id="C0OTHER01").webhook_id
    for webhook in (first, other):
        qovery.deliver(
            webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
        )
    acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args), count=2)
    qovery.deliver(
        first,
        "DEPLOYMENT_SUCCESSFUL",
        environment_id=acme.environment_id,
        deployment_id=EXECUTION,
        body=qovery.standard_body(
            "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
        ),
    )  # a replay, new payload id
    drained(acme_app)
    acme_app.slack.wait_for("chat.update", count=4)
    assert len([c for c in replies(acme_app) if "What's in this" in json.dumps(c.args)]) == 2
    assert len(qovery.calls_to("listApplicationCommit")) == 1
    assert len(qovery.calls_to("getOrganizationEvents")) == 1


def test_an_audit_log_the_token_may_not_read_leaves_the_section_out_and_the_doctor_says_it_once(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    configuration(qovery, acme)
    qovery.fail("getOrganizationEvents", status=403, body={"status": 403, "error": "Forbidden"}, times=None)
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert "3 commits" in said
    assert "Configuration" not in said
    acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.update"
            and "3 commits to api, worker 1.4.2 → 1.5.0 (see thread)"
            in json.dumps(c.args, ensure_ascii=False)
        )
    )
    answer = json.dumps(acme_app.ask("doctor"), ensure_ascii=False)
    assert answer.count("may not read the organization's audit log") == 1


def test_qovery_down_leaves_the_card_as_it_was_posted(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    qovery.fail("listEnvironmentDeploymentHistoryV2", status=503, times=None)
    qovery.fail("listApplicationCommit", status=503, times=None)
    qovery.fail("getOrganizationEvents", status=503, times=None)
    deliver(acme_app, qovery, acme)
    drained(acme_app)
    assert acme_app.slack.calls_to("chat.update") == []
    assert replies(acme_app) == []


def test_commits_unread_say_only_the_two_versions(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    qovery.fail("listApplicationCommit", status=503, times=None)
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert f"*api*: `{shas[3][:7]}` → `{shas[0][:7]}` (Qovery did not list its commits)" in said


def test_changes_off_looks_nothing_up(acme_app: RunningApp, qovery: FakeQovery, acme: Acme) -> None:
    carried_world(qovery, acme)
    deliver(acme_app, qovery, acme, "--changes off")
    acme_app.slack.wait_for("chat.update")
    drained(acme_app)
    assert qovery.calls_to("listApplicationCommit") == qovery.calls_to("getOrganizationEvents") == []
    assert replies(acme_app) == []


def test_hostile_commits_and_names_are_escaped_and_cut_within_slacks_limits(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hostile = ("<!channel> deploy now " + "x" * 10_000, "<@U0BOSS> <!here|here> fix")
    carried_world(
        qovery, acme, moved=500 - 5, messages=hostile, authors=("<!subteam^S0ALL|all>", "<@U0EVIL>")
    )
    org, env = acme.organization_id, acme.environment_id
    for n in range(300):
        qovery.add_audit_event(
            org,
            at=PREVIOUS_END + timedelta(seconds=n + 1),
            environment_id=env,
            sub_target_type="VARIABLE",
            change={"key": "<!here>" + "k" * 300, "value": f"{SECRET_VALUE}-{n}"},
        )
    deliver(acme_app, qovery, acme)
    acme_app.slack.wait_until(lambda c: c.method == "chat.update" and "(see thread)" in json.dumps(c.args))
    drained(acme_app)
    shown = json.dumps([c.args for c in acme_app.slack.calls], ensure_ascii=False)
    for mass in ("<!channel>", "<!here", "<@U0BOSS>", "<@U0EVIL>", "<!subteam"):
        assert mass not in shown
    said = json.dumps([c.args for c in replies(acme_app)], ensure_ascii=False)
    assert "more than 100 commits, or history rewritten" in said  # 495 commits: the previous one not listed
    assert "300 changes since the previous successful deployment" in said
    assert "and 240 more" in said  # 60 of the 300 listed
    assert "rolls back" not in said
    assert SECRET_VALUE not in shown


def test_a_started_card_shows_the_line_at_once_and_the_reply_waits_for_the_outcome(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    done = qovery.history[acme.environment_id][0]
    qovery.history[acme.environment_id][0] = done | {"status": "DEPLOYING"}
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id=EXECUTION)
    cards(acme_app.slack, 1)
    line = "3 commits to api, worker 1.4.2 → 1.5.0"
    [started] = acme_app.slack.wait_for("chat.update")
    assert line in json.dumps(started.args, ensure_ascii=False)
    assert "(see thread)" not in json.dumps(started.args)
    assert replies(acme_app) == []
    qovery.history[acme.environment_id][0] = done
    qovery.deliver(
        webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
    )
    acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    acme_app.slack.wait_until(
        lambda c: (
            c.method == "chat.update" and f"{line} (see thread)" in json.dumps(c.args, ensure_ascii=False)
        )
    )
    drained(acme_app)
    assert len(replies(acme_app)) == 1
    assert len(qovery.calls_to("listApplicationCommit")) == 1  # the lookup of the start, kept


def test_a_settings_json_that_holds_a_secret_shows_its_key_never_the_value(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    org, env = acme.organization_id, acme.environment_id
    tf_vars = [{"key": "db_password", "value": SECRET_VALUE, "secret": True}]
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=1),
        environment_id=env,
        target_type="TERRAFORM",
        target_name="infra",
        sub_target_type="CONFIG",
        change={"terraform_variables_source": {"tf_vars": tf_vars}, "auto_deploy": True},
        original_change={"terraform_variables_source": {"tf_vars": []}, "auto_deploy": False},
    )
    qovery.add_audit_event(
        org,
        at=PREVIOUS_END + timedelta(hours=2),
        environment_id=env,
        target_type="HELM",
        target_name="redis",
        sub_target_type="CONFIG",
        change={"auth.password": f"{SECRET_VALUE}-2", "replicas": 3},
        original_change={"auth.password": "old", "replicas": 2},
    )
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = "\n".join(block["text"]["text"] for block in reply.args["blocks"])
    assert (
        "configuration of infra changed: `auto_deploy` `false` → `true`; "
        "`terraform_variables_source` (value not shown)" in said
    )
    assert "configuration of redis changed: `auth.password` (value not shown); `replicas` `2` → `3`" in said
    drained(acme_app)
    assert SECRET_VALUE not in json.dumps([c.args for c in acme_app.slack.calls])


def test_a_reply_slack_asks_to_wait_for_beyond_the_lookups_budget_still_goes_out_once(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    acme_app.slack.fail("chat.postMessage", times=1)  # the card goes out as usual
    acme_app.slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=11, times=1)
    qovery.deliver(
        webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
    )
    cards(acme_app.slack, 1)
    acme_app.slack.wait_until(lambda c: c.method == "chat.update")  # the details went without it
    [reply] = acme_app.slack.wait_until(
        lambda c: bool(c.answer.get("ok")) and "What's in this deployment" in json.dumps(c.args), timeout=30
    )
    assert reply.args["thread_ts"]
    drained(acme_app)
    assert len([c for c in replies(acme_app) if c.answer.get("ok")]) == 1
    last = acme_app.slack.calls_to("chat.update")[-1]  # the card keeps its line
    assert "3 commits to api, worker 1.4.2 → 1.5.0" in json.dumps(last.args, ensure_ascii=False)


def test_another_environments_success_in_the_history_is_never_the_previous_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    elsewhere = deployment(
        acme.project_id,  # an id of another environment, in this one's history
        created_at=NOW - timedelta(hours=1),
        service_ids={"api": API},
        commit=(shas[1], "Elsewhere", "Eve"),
        image=("ghcr.io/acme/worker", "1.5.0"),
    )
    qovery.history[acme.environment_id].insert(1, elsewhere)
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert f"*api*: 3 commits (`{shas[3][:7]}` → `{shas[0][:7]}`)" in said
    assert "ghcr.io/acme/worker:1.4.2" in said


def test_newlines_and_control_characters_from_qovery_cannot_forge_a_line_of_the_reply(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    forged = "\n*Configuration*: no change since the previous successful deployment"
    carried_world(qovery, acme, authors=(f"Mallory{forged}\x00\x1b[2J",))
    qovery.add_audit_event(
        acme.organization_id,
        at=PREVIOUS_END + timedelta(hours=1),
        environment_id=acme.environment_id,
        sub_target_type="VARIABLE",
        target_name=f"api{forged}",
        triggered_by=f"eve@acme.com{forged}",
        change={"key": "DEBUG\r\n• `ADMIN` (secret, deleted)\t"},
    )
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    lines = "\n".join(block["text"]["text"] for block in reply.args["blocks"]).splitlines()
    assert [line for line in lines if line.startswith("*Configuration*")] == [
        "*Configuration*: 1 change since the previous successful deployment"
    ]
    assert [line for line in lines if "ADMIN" in line] == [
        next(line for line in lines if line.startswith("• `DEBUG • "))
    ]
    said = json.dumps(reply.args)
    assert "\\u0000" not in said
    assert "\\u001b" not in said
    assert "Mallory *Configuration*: no change" in said  # on the commit's own line


def test_slow_commit_lookups_never_hold_up_the_cards_details_and_its_line_follows(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    for n in range(250):  # three pages of the audit log
        qovery.add_audit_event(
            acme.organization_id,
            at=PREVIOUS_END + timedelta(seconds=n + 1),
            environment_id=acme.environment_id,
            sub_target_type="VARIABLE",
            change={"key": f"VAR_{n}"},
        )
    # A slow Qovery, each answer within the client's patience: 1.2 s a read, four reads in a row.
    qovery.delay("listApplicationCommit", 1.2, times=1)
    qovery.delay("getOrganizationEvents", 1.2, times=None)
    deliver(acme_app, qovery, acme, "--watch 0")  # no watch edits the card meanwhile
    [details] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and "Deployment by alice@acme.com" in json.dumps(c.args)
    )
    assert "3 commits to api" not in json.dumps(details.args)  # the details went first
    line = "3 commits to api, worker 1.4.2 → 1.5.0 · 250 configuration changes (see thread)"
    acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and line in json.dumps(c.args, ensure_ascii=False), timeout=20
    )
    drained(acme_app)
    assert len(replies(acme_app)) == 1


def test_a_deployment_queued_while_the_previous_one_ran_never_says_no_configuration_change(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    previous = qovery.history[acme.environment_id][1]
    ended = STARTED + timedelta(minutes=2)  # this one was asked for, and queued, while that one ran
    previous["auditing_data"]["updated_at"] = ended.isoformat().replace("+00:00", "Z")
    qovery.add_audit_event(
        acme.organization_id,
        at=STARTED - timedelta(minutes=1),
        environment_id=acme.environment_id,
        sub_target_type="VARIABLE",
        change={"key": "FEATURE_FLAG"},
    )
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert "3 commits" in said
    assert "no change since the previous successful deployment" not in said


def test_a_service_the_history_lists_only_by_the_outcome_is_in_the_reply(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    carried_world(qovery, acme)
    done = qovery.history[acme.environment_id][0]
    building = done | {"status": "DEPLOYING", "stages": done["stages"][:1]}  # the deploy stage not yet
    qovery.history[acme.environment_id][0] = building
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id=EXECUTION)
    cards(acme_app.slack, 1)
    [started] = acme_app.slack.wait_for("chat.update")
    assert "3 commits to api" in json.dumps(started.args)
    qovery.history[acme.environment_id][0] = done
    qovery.deliver(
        webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, deployment_id=EXECUTION
    )
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    assert "*worker*: `ghcr.io/acme/worker:1.4.2` → `1.5.0`" in json.dumps(reply.args, ensure_ascii=False)
    drained(acme_app)
    assert len(qovery.calls_to("listApplicationCommit")) == 1  # api's commits, read once still


def test_a_commit_qovery_lists_unreadably_never_makes_a_wrong_list(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    qovery.off_spec |= {"listApplicationCommit"}  # answers no spec allows
    qovery.commits[API][1]["created_at"] = "2999-01-01T00:00:00Z"  # a time past any sensible range
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert f"*api*: 3 commits (`{shas[3][:7]}` → `{shas[0][:7]}`)" in said  # that one still counted


def test_a_commit_without_a_readable_id_says_only_the_two_versions(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    qovery.off_spec |= {"listApplicationCommit"}
    qovery.commits[API][1]["git_commit_id"] = 42
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert f"*api*: `{shas[3][:7]}` → `{shas[0][:7]}` (Qovery did not list its commits)" in said
    assert "2 commits" not in said


def test_a_service_the_previous_deployment_left_out_is_compared_with_its_own_last_deployment(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    shas = carried_world(qovery, acme)
    partial = qovery.history[acme.environment_id][1]  # yesterday's deployed api alone
    for stage in partial["stages"]:
        stage["services"] = [s for s in stage["services"] if s["identifier"]["name"] == "api"]
    qovery.history[acme.environment_id].append(
        deployment(
            acme.environment_id,
            created_at=NOW - timedelta(days=2),
            service_ids={"api": API},
            commit=(shas[4], "Older still", "Bob"),
            image=("ghcr.io/acme/worker", "1.4.2"),
        )
    )
    deliver(acme_app, qovery, acme)
    [reply] = acme_app.slack.wait_until(lambda c: "What's in this deployment" in json.dumps(c.args))
    said = json.dumps(reply.args, ensure_ascii=False)
    assert f"*api*: 3 commits (`{shas[3][:7]}` → `{shas[0][:7]}`)" in said
    assert "*worker*: `ghcr.io/acme/worker:1.4.2` → `1.5.0`" in said
    assert "new in this deployment" not in said
