"""The domain imports no infrastructure: only the standard library, pydantic, the event
contract and itself. Read from the source (every import, also inside functions), so a
rule that reaches for the store or the broker fails here, not in review."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "services" / "domain"
#: What a domain module may import beyond the standard library.
ALLOWED = ("pydantic", "pydantic_core", "events", "services.domain")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return any(module == ok or module.startswith(ok + ".") for ok in ALLOWED)


def test_the_domain_imports_no_infrastructure() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 10, "the domain package moved?"
    wrong = {
        f"{path.name}: {module}"
        for path in modules
        for module in _imports(path)
        if not _allowed(module)
    }
    assert not wrong, sorted(wrong)


def test_the_check_would_see_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from sqlalchemy import select\n    import pika\n")
    assert {m for m in _imports(probe) if not _allowed(m)} == {"sqlalchemy", "pika"}
