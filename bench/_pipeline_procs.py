"""CPU time and memory of processes, read from /proc (Linux; no psutil).

`/proc/<pid>/stat` utime+stime cover every thread of a process. A process's own
children are found by walking parent pids and counted under the role of the child of
`aftersale up` they descend from. Processes come and go (a component restarted after a
crash, a database connection opened later), so a :class:`CpuLedger` keeps, per pid,
the first and the last CPU time it saw; a process gone between two samples loses only
what it used since the last one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")
#: The components of `aftersale up`, by the subcommand in their command line.
ROLES = ("ingest", "worker", "scheduler", "deliverer", "gateway")
#: A backend's process title names its client: `… 127.0.0.1(44912) idle`.
_CLIENT = re.compile(r"\(\d+\)|\[local\]")


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    cpu: float  # seconds, user + system, all threads
    comm: str


def read_stat(pid: int) -> ProcInfo | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # comm may hold spaces and parentheses: it ends at the last ')'.
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # After comm: state(3) ppid(4) ... utime(14) stime(15), 1-based in proc(5).
    return ProcInfo(pid, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, comm)


def read_cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB (0 when gone or a kernel thread)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def all_procs() -> dict[int, ProcInfo]:
    found: dict[int, ProcInfo] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            info = read_stat(int(entry.name))
            if info is not None:
                found[info.pid] = info
    return found


def descendants(root: int, procs: dict[int, ProcInfo]) -> dict[int, int]:
    """pid → the child of `root` it descends from (root's children map to themselves)."""
    children: dict[int, list[int]] = {}
    for info in procs.values():
        children.setdefault(info.ppid, []).append(info.pid)
    result: dict[int, int] = {}
    for child in children.get(root, []):
        stack = [child]
        while stack:
            pid = stack.pop()
            result[pid] = child
            stack.extend(children.get(pid, []))
    return result


def role_of(argv: list[str]) -> str:
    """The component a child of `up` runs: `... services.cli.main worker` → worker."""
    for word in reversed(argv):
        if word in ROLES:
            return word
    return " ".join(argv[-2:]) or "?"


@dataclass
class CpuLedger:
    """First and last CPU seconds seen per (group, pid)."""

    first: dict[tuple[str, int], float] = field(default_factory=dict)
    last: dict[tuple[str, int], float] = field(default_factory=dict)

    def see(self, group: str, pid: int, cpu: float) -> None:
        self.first.setdefault((group, pid), cpu)
        self.last[(group, pid)] = cpu

    def used(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for key, end in self.last.items():
            totals[key[0]] = totals.get(key[0], 0.0) + end - self.first[key]
        return totals


@dataclass
class Watched:
    """Which processes to account for, and how to group them.

    The `up` tree by role (plus `up` itself as "supervisor"); optionally the broker
    (every `beam.smp`, system-wide), the PostgreSQL backends whose command line names
    `pg_database`, and extra named pids (the SMTP sink).
    """

    up_pid: int
    broker: bool = True
    pg_database: str | None = None
    extra: dict[str, int] = field(default_factory=dict)
    _roles: dict[int, str] = field(default_factory=dict)

    def _role(self, child: int) -> str:
        if child not in self._roles:
            self._roles[child] = role_of(read_cmdline(child))
        return self._roles[child]

    def sample(self, ledger: CpuLedger | None) -> int:
        """Record CPU times in `ledger`; return the `up` tree's RSS in KiB."""
        procs = all_procs()
        tree = descendants(self.up_pid, procs)
        rss = rss_kib(self.up_pid) if self.up_pid in procs else 0
        for pid in tree:
            rss += rss_kib(pid)
        if ledger is None:
            return rss
        if self.up_pid in procs:
            ledger.see("supervisor", self.up_pid, procs[self.up_pid].cpu)
        for pid, child in tree.items():
            ledger.see(self._role(child), pid, procs[pid].cpu)
        for name, pid in self.extra.items():
            if pid in procs:
                ledger.see(name, pid, procs[pid].cpu)
        for info in self._system(procs.values()):
            ledger.see(info[0], info[1].pid, info[1].cpu)
        return rss

    def _system(self, procs: Iterable[ProcInfo]) -> Iterable[tuple[str, ProcInfo]]:
        for info in procs:
            if self.broker and info.comm == "beam.smp":
                yield "broker (system-wide)", info
            elif self.pg_database and info.comm == "postgres":
                title = " ".join(read_cmdline(info.pid))
                if self.pg_database in title.split():
                    yield "postgresql backends", info
                elif not _CLIENT.search(title):
                    # checkpointer, WAL writer, …: shared by every database.
                    yield "postgresql server (system-wide)", info


def self_cpu() -> Callable[[], float]:
    """A reader of this process's CPU seconds (the benchmark's own cost)."""
    pid = os.getpid()

    def read() -> float:
        info = read_stat(pid)
        return info.cpu if info else 0.0

    return read
