"""CPU and memory of a local deployment: its scoring server's process tree, sampled with psutil.

A deployment is a gunicorn master and its workers in one process group;
``ProcessTreeUsage`` samples the leader and all its descendants every
``interval`` seconds in a background thread: CPU time (user + system) per
process, resident memory summed over processes. CPU percent over a window
is the CPU seconds the tree used divided by the wall-clock seconds, times
100 (100 = one core busy), so short spikes are neither lost nor
exaggerated. A worker that restarts is counted from its start; a process
that ends between two samples loses at most one interval of CPU time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from mlops_toolkit.processes import ProcessRecord
from mlops_toolkit.targets.base import ResourceUsage

SOURCE = "psutil: the scoring server's process tree"


@dataclass(frozen=True)
class _Sample:
    at: float  # unix seconds at the end of the interval
    wall_s: float  # length of the interval
    cpu_s: float  # CPU seconds the tree used in it
    rss_mb: float
    processes: int


class ProcessTreeUsage:
    """``UsageMonitor`` of one process tree. ``start`` launches a daemon sampling
    thread; ``stop`` ends it (blocks at most one interval); ``window`` never blocks."""

    def __init__(self, record: ProcessRecord, interval: float = 0.5) -> None:
        self.record = record
        self.interval = interval
        self._samples: list[_Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._previous: dict[tuple[int, float], float] = {}
        self._last_at = 0.0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._read()  # the baseline: CPU seconds so far
        self._thread = threading.Thread(target=self._loop, name="usage-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=self.interval * 4 + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def _read(self) -> None:
        import psutil

        now = time.time()
        current: dict[tuple[int, float], float] = {}
        rss = 0.0
        cpu_used = 0.0
        try:
            leader = psutil.Process(self.record.pid)
            members = [leader, *leader.children(recursive=True)]
        except psutil.Error:
            members = []
        for proc in members:
            try:
                with proc.oneshot():
                    created = proc.create_time()
                    times = proc.cpu_times()
                    memory = proc.memory_info().rss
            except psutil.Error:
                continue
            key = (proc.pid, created)
            total = float(times.user + times.system)
            current[key] = total
            if key in self._previous:
                cpu_used += max(0.0, total - self._previous[key])
            elif self._last_at and created >= self._last_at - 0.05:
                cpu_used += total  # started during the interval
            rss += memory / (1024 * 1024)
        if self._last_at:
            sample = _Sample(now, now - self._last_at, cpu_used, rss, len(current))
            with self._lock:
                self._samples.append(sample)
        self._previous = current
        self._last_at = now

    def window(self, start: float, end: float) -> ResourceUsage:
        import psutil

        with self._lock:
            inside = [s for s in self._samples if start < s.at <= end + self.interval / 2]
        cores = psutil.cpu_count() or None
        if not inside:
            return ResourceUsage(source=SOURCE, cpu_cores=cores)
        wall = sum(s.wall_s for s in inside)
        return ResourceUsage(
            source=SOURCE,
            cpu_percent=100.0 * sum(s.cpu_s for s in inside) / wall if wall > 0 else None,
            cpu_percent_max=max(
                (100.0 * s.cpu_s / s.wall_s for s in inside if s.wall_s > 0), default=None
            ),
            memory_mb=max(s.rss_mb for s in inside),
            cpu_cores=cores,
            samples=len(inside),
        )
