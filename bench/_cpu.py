"""Where a benchmark's CPU goes: the CPU time of this process and of its children, read from ``/proc``.

A local cloud started by a benchmark runs in three kinds of process: this one (the bench's clients, the
emulator, the HTTP gateway, the DynamoDB front, the event sources), the engine (DynamoDB Local's JVM) and the
functions' workers. On a machine of two cores, a rate is bounded by how much CPU each operation costs across
all of them; these figures say how much, and where. Linux only: elsewhere the split is empty.

Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTS = ("cloud", "engine", "functions")
_TICK = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def _part(pid: int) -> str:
    if pid == os.getpid():
        return "cloud"
    command = Path(f"/proc/{pid}/cmdline").read_bytes()
    if b"localcloud.worker" in command:
        return "functions"
    return "engine" if b"java" in command else "other"


def _seconds(pid: int) -> float:
    # Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the command's closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # field 4, the parent's id
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def sample() -> dict[int, tuple[str, float]]:
    """Each live process of the run (this one and its children): its part and its CPU seconds so far."""
    if not Path("/proc/self/stat").exists():
        return {}
    found: dict[int, tuple[str, float]] = {}
    for pid in [os.getpid(), *_children(os.getpid())]:
        try:
            found[pid] = (_part(pid), _seconds(pid))
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended between the listing and the read
    return found


@contextmanager
def cpu_seconds() -> Iterator[Counter[str]]:
    """CPU seconds spent by each part (``cloud``, ``engine``, ``functions``) inside the block, filled when it
    ends. A worker started during the block counts from zero; one that ended during it is not counted (its
    time cannot be read any more), so a run where workers come and go reads a little low."""
    spent: Counter[str] = Counter()
    before = sample()
    try:
        yield spent
    finally:
        for pid, (part, seconds) in sample().items():
            spent[part] += seconds - before.get(pid, (part, 0.0))[1]


def per_operation_ms(spent: Counter[str], operations: int) -> dict[str, float]:
    """Milliseconds of CPU per operation: in all, and by part."""
    operations = max(operations, 1)
    split = {part: 1000 * spent[part] / operations for part in PARTS}
    return {"all": 1000 * sum(spent.values()) / operations, **split}
