"""CPU seconds of processes from /proc (Linux): the figure that holds on a loaded machine."""

from __future__ import annotations

import os
from pathlib import Path


def process_cpu_s(pid: int | None = None) -> float:
    """User + system CPU seconds of ``pid`` (this process when None) so far."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds spent by named processes between ``start()`` and ``stop()``."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = pids
        self._before: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> "CpuMeter":
        self._before = {name: process_cpu_s(pid) for name, pid in self.pids.items()}
        return self

    def stop(self) -> dict[str, float]:
        self.spent = {name: process_cpu_s(pid) - self._before[name] for name, pid in self.pids.items()}
        return self.spent
