"""An independent measurement of a deployment's knee with ``wrk`` (Debian's package).

``wrk`` is a closed-loop generator written in C: N connections, each sends
the next request when the previous answer arrives. It shares no code with
the toolkit's load generator. ``wrk_knee`` steps the connection count (1, 2,
4 by default) as the profiler steps its rate, stopping early only when p99
latency or the error rate breaks the same objective; its knee is the highest
throughput of a run within the objective. Requests are the same bodies, headers and URL the
profiler sends (a Lua script rotates the bodies; its ``done`` hook prints
the figures as one JSON line, percentiles from wrk's own histogram).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SCRIPT = r"""
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def wrk_binary() -> str | None:
    """The ``wrk`` on PATH, or None."""
    return shutil.which("wrk")


@dataclass(frozen=True)
class WrkRun:
    """One wrk run at a fixed connection count."""

    connections: int
    requests: int
    duration_s: float
    errors: int  # socket errors plus non-2xx/3xx answers
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        """Requests answered without an error, per second."""
        return (self.requests - self.errors) / self.duration_s if self.duration_s else 0.0

    @property
    def error_rate_percent(self) -> float:
        return 100.0 * self.errors / self.requests if self.requests else 100.0


@dataclass(frozen=True)
class WrkKnee:
    runs: tuple[WrkRun, ...]
    knee: WrkRun | None

    @property
    def rps(self) -> float | None:
        return self.knee.rps if self.knee is not None else None


def run_wrk(
    url: str,
    headers: Mapping[str, str],
    bodies: Sequence[bytes],
    *,
    connections: int,
    duration_s: float,
    timeout_s: float = 10.0,
) -> WrkRun:
    """One closed-loop wrk run (blocks ``duration_s`` plus start-up). One thread: the
    machine has two cores and the deployment needs them."""
    binary = wrk_binary()
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(SCRIPT, encoding="utf-8")
        body_file = Path(tmp) / "bodies.jsonl"
        body_file.write_bytes(b"\n".join(b.replace(b"\n", b" ") for b in bodies) + b"\n")
        argv = [binary, "-t1", f"-c{connections}", f"-d{duration_s:g}s",
                f"--timeout={timeout_s:g}s", "-s", str(script)]  # fmt: skip
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(url)
        env = {**os.environ, "WRK_BODIES": str(body_file)}
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration_s + 60, env=env
        )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkRun(
        connections=connections,
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        errors=int(errors),
        p50_ms=data["p50_us"] / 1000.0,
        p99_ms=data["p99_us"] / 1000.0,
        max_ms=data["max_us"] / 1000.0,
    )


def wrk_knee(
    url: str,
    headers: Mapping[str, str],
    bodies: Sequence[bytes],
    *,
    max_p99_ms: float,
    max_error_rate_percent: float,
    duration_s: float = 8.0,
    connections: Sequence[int] = (1, 2, 4),
) -> WrkKnee:
    """Step wrk's connection count until the objective breaks; the knee is the
    highest-throughput run within the objective (None if the first run breaks it)."""
    runs: list[WrkRun] = []
    best: WrkRun | None = None
    for count in connections:
        run = run_wrk(url, headers, bodies, connections=count, duration_s=duration_s)
        runs.append(run)
        if run.p99_ms > max_p99_ms or run.error_rate_percent > max_error_rate_percent:
            break
        if best is None or run.rps > best.rps:
            best = run
    return WrkKnee(tuple(runs), best)
