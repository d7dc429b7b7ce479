"""The core's boundaries: it imports no web framework, Slack SDK, HTTP client or database driver (SPEC §1)
and nothing of the adapters; a capability (bot/deliveries/, bot/actions/ ...) reaches another only
through what that package exports; the shared top of bot/ imports no capability (but the command
table); and no modules import each other in a circle. Like httpx's test of its public names, a change
that breaks a rule fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).parents[2] / "bot"
EDGES = (
    "adapters", "aiohttp", "aiosqlite", "alembic", "asyncpg", "cryptography", "httpx", "prometheus_client",
    "slack_bolt", "slack_sdk", "sqlalchemy", "starlette", "uvicorn", "uvloop",
)  # fmt: skip


@pytest.mark.parametrize("module", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT.parent)))
def test_no_module_of_the_core_imports_an_edge(module: Path) -> None:
    imported: list[str] = []
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    assert [name for name in imported if name.split(".")[0] in EDGES] == []


def test_loading_the_whole_core_loads_no_edge() -> None:
    modules = sorted(_name(p) for p in BOT.rglob("*.py") if p.stem != "__main__")
    code = f"import sys; import {', '.join(modules)}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    # From the checkout's root: the tests run in a temporary directory, where `bot` may be another copy's.
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BOT.parent
    )
    loaded = run.stdout
    assert [edge for edge in EDGES if f"'{edge}'" in loaded] == []


# The packages of the capabilities; bot/commands/ is the command table, the one place that knows them all.
CAPABILITIES = sorted(p.parent.name for p in BOT.glob("*/__init__.py") if p.parent.name not in ("qovery",))
TABLE = "commands"


def _name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """The modules of bot/ that a file imports (a name taken from a package counts as the package, or
    as the module of that name when it is one)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bot":
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "bot"]
    return found


def _is_module(name: str) -> bool:
    path = BOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _capability(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in CAPABILITIES else None


MODULES = sorted(BOT.rglob("*.py"))


def test_there_are_capabilities_to_keep_apart() -> None:
    assert {"actions", "deliveries", "doctor", "subscriptions", TABLE} <= set(CAPABILITIES)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(BOT.parent)))
def test_a_capability_reaches_another_only_through_its_package(module: Path) -> None:
    mine = _capability(_name(module))
    crossing = [
        name
        for name in _imports(module)
        if (theirs := _capability(name)) is not None and theirs != mine and name != f"bot.{theirs}"
    ]
    assert crossing == []


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(BOT.parent)))
def test_the_shared_top_imports_no_capability(module: Path) -> None:
    if _capability(_name(module)) is not None:
        return  # a capability's own module: the test above holds it
    assert [name for name in _imports(module) if _capability(name) is not None] == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = {_name(p): {n for n in _imports(p) if _is_module(n)} - {_name(p)} for p in MODULES}
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            circles.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for imported in sorted(graph.get(name, ())):
            visit(imported, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert circles == []


def test_no_capabilities_depend_on_each_other_in_a_circle() -> None:
    uses = {c: set[str]() for c in CAPABILITIES}
    for module in MODULES:
        mine = _capability(_name(module))
        if mine is not None:
            uses[mine] |= {t for n in _imports(module) if (t := _capability(n)) not in (None, mine)}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in uses[start])

    assert [c for c in CAPABILITIES if reaches(c, c)] == []
