"""Operator commands outside the folder of `aftersale up`, or on a store aftersale
does not run on: one line naming the store, no traceback, nothing created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.runtime.store.migrate import upgrade
from tests.cli.test_commands import aftersale

READERS = [
    ("notifications", "list"),
    ("tickets", "overdue"),
    ("timeline", "PL-1"),
    ("report",),
    ("suppressions", "list"),
]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_a_read_only_command_never_creates_a_store(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    result = aftersale(*command, env={"AFTERSALE_DATABASE_URL": "sqlite:///aftersale.db"},
                       cwd=tmp_path)  # fmt: skip
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == [
        f"Error: no store at {tmp_path.resolve() / 'aftersale.db'} (sqlite:///aftersale.db): "
        "run this in the folder of `aftersale up`, create one with `aftersale db upgrade`,"
        " or set AFTERSALE_DATABASE_URL"
    ]
    assert list(tmp_path.iterdir()) == []


def test_status_says_the_store_is_missing_and_creates_none(tmp_path: Path, amqp_url: str) -> None:
    env = {"AFTERSALE_DATABASE_URL": "sqlite:///aftersale.db", "AFTERSALE_AMQP_URL": amqp_url}
    result = aftersale("status", "--json", env=env, cwd=tmp_path)
    assert result.returncode == 2 and b"no store at" in result.stdout
    assert not (tmp_path / "aftersale.db").exists()


def test_an_empty_store_is_named_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = aftersale("notifications", "list", env={"AFTERSALE_DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        f"Error: the store at {url} is empty: run `aftersale db upgrade`"
    )


@pytest.mark.parametrize("command", [("notifications", "list"), ("db", "upgrade")])
def test_an_unsupported_store_is_one_line_naming_the_supported_ones(
    command: tuple[str, ...],
) -> None:
    env = {"AFTERSALE_DATABASE_URL": "mysql://root:secret@127.0.0.1/shop"}
    result = aftersale(*command, env=env)
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr and "secret" not in stderr
    assert stderr.strip().splitlines() == [
        "Error: AFTERSALE_DATABASE_URL=mysql://root:***@127.0.0.1/shop: mysql is not supported;"
        " aftersale runs on SQLite (sqlite:///aftersale.db) or PostgreSQL"
        " (postgresql://user:password@host/database)"
    ]


def test_sqlite_urls_are_read_as_sqlalchemy_reads_them(tmp_path: Path) -> None:
    spaced = f"sqlite:///{tmp_path / 'my%20store.db'}"
    upgrade(spaced)
    assert (tmp_path / "my store.db").exists()
    assert (
        aftersale("notifications", "list", env={"AFTERSALE_DATABASE_URL": spaced}).returncode == 0
    )
    driver = aftersale("notifications", "list", cwd=tmp_path,
                       env={"AFTERSALE_DATABASE_URL": "sqlite+pysqlite:///other.db"})  # fmt: skip
    assert driver.returncode == 1 and b"no store at" in driver.stderr
    assert not (tmp_path / "other.db").exists()


def test_a_store_newer_than_this_version_is_not_called_older(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade(url)
    with sqlite3.connect(tmp_path / "newer.db") as db:
        db.execute("update alembic_version set version_num = 'f00dfeed0001'")
    result = aftersale("notifications", "list", env={"AFTERSALE_DATABASE_URL": url})
    assert result.returncode == 1
    assert (
        "is newer than this version of aftersale (revision f00dfeed0001)" in result.stderr.decode()
    )
