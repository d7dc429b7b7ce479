"""Start `qovery-slack serve` as the image would run it, from an installation outside this checkout,
until `/readyz` and the image's health check route answer; the test fakes stand in for Slack and Qovery.

    .venv/bin/python .ci/serve_installed.py /path/to/venv/bin/qovery-slack

Run from the checkout (it takes the fakes from tests/); the bot runs in an empty folder, so that it can
only import what was installed (its migrations included).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.qovery_api import FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import bot_environment, free_port, wait_until_up


def main(command: str) -> int:
    slack, qovery = FakeSlack().start(), FakeQovery().start()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = bot_environment(
            PORT=str(port),
            DATABASE_URL=f"sqlite+aiosqlite:///{folder}/bot.db",
            SLACK_API_URL=slack.api_url,
            QOVERY_API_URL=qovery.url,
        )
        bot = subprocess.Popen([command, "serve"], cwd=folder, env=env, text=True)  # noqa: S603
        try:
            ready = wait_until_up(f"http://127.0.0.1:{port}/readyz", bot, timeout=60)
            healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            answers = (ready.status_code, healthy.status_code)
            print(f"the installed bot answers /readyz {answers[0]} ({ready.text!r}), /healthz {answers[1]}")
            return 0 if answers == (200, 200) else 1
        finally:
            bot.terminate()
            bot.wait(timeout=20)
            slack.stop()
            qovery.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
