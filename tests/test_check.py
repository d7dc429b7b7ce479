"""`qovery-slack check`: one pass or fail line for the settings, the database, Slack and Qovery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import bot_environment


def check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = bot_environment(**({"SLACK_BOT_TOKEN": ""} | variables))  # no Slack mode unless given
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_everything_passes(tmp_path: Path, slack: FakeSlack, qovery: FakeQovery, acme: Acme) -> None:
    result = check(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=slack.api_url,
        QOVERY_API_URL=qovery.url,
        QOVERY_API_TOKEN=acme.token,
    )
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert [line.split()[0:2] for line in lines] == [
        ["ok", "settings:"],
        ["ok", "database:"],
        ["ok", "slack:"],
        ["ok", "qovery:"],
    ]
    assert "schema at nothing yet" in lines[1]  # check looks; it does not migrate
    assert "bot qovery in workspace Acme" in lines[2]
    assert f"Acme ({acme.organization_id})" in lines[3]
    assert acme.token not in result.stdout + result.stderr


def test_each_failure_is_named_with_its_reason(tmp_path: Path, slack: FakeSlack, qovery: FakeQovery) -> None:
    result = check(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-revoked",
        SLACK_API_URL=slack.api_url,
        QOVERY_API_URL=qovery.url,
        QOVERY_API_TOKEN="qov_deleted",
        DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].startswith("FAIL  database: the database does not answer")
    assert lines[2] == "FAIL  slack: Slack refused the bot token (invalid_auth): copy it again"
    assert lines[3].startswith("FAIL  qovery: The Qovery token was refused")
    assert "Traceback" not in result.stdout + result.stderr
    assert "xoxb-revoked" not in result.stdout + result.stderr
