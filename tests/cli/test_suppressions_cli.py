"""`aftersale suppressions list|add|remove [--json]` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from services.cli.main import cli


def run(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"AFTERSALE_DATABASE_URL": database_url, "COLUMNS": "100"}
    )
    return result.exit_code, result.output


def test_add_list_remove(database_url: str) -> None:
    code, out = run(database_url, "suppressions", "add", "Jan@Example.com", "--note", "asked")
    assert (code, out.strip()) == (0, "jan@example.com: added (manual, operator)")
    code, out = run(database_url, "suppressions", "add", "ala@example.com",
                    "--reason", "unsubscribe", "--json")  # fmt: skip
    added = json.loads(out)
    assert code == 0 and added["added"] is True and added["stops_transactional"] is False
    code, out = run(database_url, "suppressions", "list", "--json")
    listed = json.loads(out)
    assert code == 0
    assert [(e["address"], e["reason"], e["source"]) for e in listed] == [
        ("ala@example.com", "unsubscribe", "operator"),
        ("jan@example.com", "manual", "operator"),
    ]  # newest first
    assert {e["address"]: e["detail"] for e in listed}["jan@example.com"] == "asked"
    code, out = run(database_url, "suppressions", "list", "--reason", "manual")
    assert code == 0 and "1 suppressed address" in out and "jan@example.com" in out
    assert "ala@example.com" not in out
    code, out = run(database_url, "suppressions", "remove", "JAN@example.com", "--json")
    assert (code, json.loads(out)) == (0, {"address": "jan@example.com", "removed": True})
    code, out = run(database_url, "suppressions", "remove", "jan@example.com")
    assert (code, out.strip()) == (1, "jan@example.com: not on the list")


def test_bad_input_is_one_line(database_url: str) -> None:
    code, out = run(database_url, "suppressions", "add", "not-an-address")
    assert code == 1 and "is not an email address" in out
    code, out = run(database_url, "suppressions", "list", "--reason", "bogus")
    assert code == 2 and "bounce" in out  # the valid reasons are listed


def test_a_store_that_is_not_set_up_says_so(tmp_path: Path) -> None:
    code, out = run(f"sqlite:///{tmp_path / 'none.db'}", "suppressions", "list")
    assert code == 1 and "aftersale db upgrade" in out and "Traceback" not in out
