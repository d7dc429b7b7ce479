"""The core imports no web framework, Slack SDK, HTTP client or database driver (SPEC §1), and nothing of
the adapters: like httpx's test of its public names, a change that breaks the rule fails here."""

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
    modules = [f"bot.{p.stem}" for p in BOT.glob("*.py") if p.stem not in ("__init__", "__main__")]
    code = f"import sys; import {', '.join(modules)}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert [edge for edge in EDGES if f"'{edge}'" in loaded] == []
