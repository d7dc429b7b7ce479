"""The image and the lock, checked without a container engine: what the Dockerfile says it does, and
that the locked versions are the ones pyproject.toml asks for (CI then builds the wheel the Dockerfile
builds, installs it with the lock in a clean environment and starts it: .ci/run)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from adapters.cli import main
from tests.fakes.app_server import RunningApp

ROOT = Path(__file__).resolve().parent.parent
RUN_LOCK, TEST_LOCK = "requirements/run.txt", "requirements/test.txt"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def locked(path: str) -> dict[str, tuple[str, list[str]]]:
    """Each package of a lock: its exact version and its hashes."""
    text = re.sub(r"\\\n", " ", (ROOT / path).read_text())
    found: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+?)(?:\s*;[^-]*)?\s+(--hash=.*)$", line)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", match.group(3))
            found[str(canonicalize_name(match.group(1)))] = (match.group(2), hashes)
    return found


def test_every_base_image_is_an_exact_release() -> None:
    bases = [rest.split()[0] for keyword, rest in instructions() if keyword == "FROM"]
    assert bases
    for base in bases:
        # A digest, or a tag naming a patch release (3.11.13), never a moving one (3.11-slim, latest).
        assert "@sha256:" in base or re.search(r":\d+\.\d+\.\d+(-|$)", base), base


def test_the_image_installs_the_lock_and_its_own_wheel_alone() -> None:
    runs = [rest for keyword, rest in final_stage() if keyword == "RUN"]
    installs = [shlex.split(run) for run in runs if "pip install" in run]
    lock_install, wheel_install = installs
    assert "--require-hashes" in lock_install
    assert any(word.endswith("run.txt") for word in lock_install)
    assert "--no-deps" in wheel_install  # nothing beyond the lock
    copied = [rest for keyword, rest in final_stage() if keyword == "COPY"]
    assert any(rest.startswith(RUN_LOCK) for rest in copied)
    build_runs = [rest for keyword, rest in instructions()[: -len(final_stage())] if keyword == "RUN"]
    assert any("--require-hashes" in run and RUN_LOCK in run for run in build_runs)
    assert any("--no-build-isolation" in run for run in build_runs)  # built with the locked backend


def test_the_bot_runs_as_a_user_of_its_own() -> None:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "no USER: the bot would run as root"
    assert users[-1] not in ("root", "0", "0:0")
    last_user = max(i for i, (keyword, _) in enumerate(final_stage()) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in final_stage()[last_user:])


def test_the_health_check_asks_a_route_the_bot_answers(app: RunningApp) -> None:
    [check] = [rest for keyword, rest in final_stage() if keyword == "HEALTHCHECK"]
    command = json.loads(check[check.index("CMD") + 3 :].strip())
    [path] = re.findall(r"'(/[a-z]+)'", " ".join(command))
    answer = httpx.get(app.url + path)
    assert answer.status_code == 200


def test_the_command_is_one_the_package_installs() -> None:
    [cmd] = [rest for keyword, rest in final_stage() if keyword == "CMD"]
    program, *arguments = json.loads(cmd)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[program] == "adapters.cli:main"
    with pytest.raises(SystemExit) as stop:  # argparse answers --help of a known command, and exits 0
        main([*arguments, "--help"])
    assert stop.value.code == 0


def test_the_locks_pin_what_pyproject_asks_for_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run, test = locked(RUN_LOCK), locked(TEST_LOCK)
    lines = (ROOT / "requirements/build.in").read_text().splitlines()
    build = [line for line in lines if line.strip() and not line.startswith("#")]
    runs = project["dependencies"] + build
    wanted = {
        RUN_LOCK: [Requirement(r) for r in runs],
        TEST_LOCK: [Requirement(r) for r in runs + project["optional-dependencies"]["test"]],
    }
    for path, requirements in wanted.items():
        lock = run if path == RUN_LOCK else test
        for requirement in requirements:
            name = str(canonicalize_name(requirement.name))
            assert name in lock, f"{path} lacks {name}: update the lock (README, Updating the lock)"
            version, hashes = lock[name]
            assert requirement.specifier.contains(version, prereleases=True), (path, name, version)
            assert hashes, f"{path}: {name} has no hash"
    for name, (version, _) in run.items():  # the image runs what the tests ran
        assert test[name][0] == version, (name, version, test[name][0])
