"""The lock beside a SQLite file that keeps a second `aftersale up` away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from services.runtime.instance_lock import InstanceLocked, acquire, sqlite_file


def test_a_second_holder_is_refused_with_the_file_and_the_pid(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aftersale.db'}"
    first = acquire(url)
    assert first is not None
    try:
        with pytest.raises(InstanceLocked) as refused:
            acquire(url)
        assert str(tmp_path / "aftersale.db.lock") in str(refused.value)
        assert f"pid {os.getpid()}" in str(refused.value)
    finally:
        first.release()
    again = acquire(url)
    assert again is not None
    again.release()


def test_the_lock_dies_with_a_holder_killed_by_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aftersale.db'}"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from services.runtime.instance_lock import acquire\n"
         f"lock = acquire({url!r}); print('held', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with pytest.raises(InstanceLocked, match=f"pid {holder.pid}"):
            acquire(url)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        lock = acquire(url)
        assert lock is not None
        lock.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("sqlite:///aftersale.db", Path("aftersale.db")),
        ("sqlite:////var/lib/aftersale/a.db", Path("/var/lib/aftersale/a.db")),
        ("sqlite+pysqlite:///a.db", Path("a.db")),
        ("sqlite:///file:a.db?mode=rwc&uri=true", Path("a.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://postgres@127.0.0.1/test", None),  # many processes may share it
        ("not a url", None),
    ],
)
def test_which_stores_take_a_lock(url: str, file: Path | None) -> None:
    assert sqlite_file(url) == file
