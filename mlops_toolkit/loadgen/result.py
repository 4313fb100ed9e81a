"""What a load run measured: ``LoadResult`` (frozen) and its per-second ``SecondStats``.

Counting rules, the same for both modes:

* ``sent``: every request the schedule asked for, including those refused by
  the in-flight cap (``errors["in_flight_cap"]``): ``sent == completed +
  sum(errors.values())``;
* ``completed``: requests that got an HTTP answer, whatever its status
  (``status_counts`` splits them by status code);
* ``errors``: requests that got no HTTP answer, by kind: ``timeout``,
  ``connect`` (refused or unreachable), ``disconnected`` (closed or reset
  before the answer), ``in_flight_cap``, or the client exception's class name;
* ``latency``: one value per completed request, in ms: from the request's
  *intended* send time in open-loop mode (so queueing in the server, and any
  lag of the generator itself, is counted, as wrk2 does), from its actual
  send time in closed-loop mode;
* ``duration_s``: from the first intended send to the last answer or error;
  ``achieved_rate`` is ``completed / duration_s`` and ``ok_rate`` (goodput)
  ``ok / duration_s``;
* ``started_at``: the wall-clock time (unix seconds) of the first intended
  send, to line a run up with metrics recorded elsewhere;
* ``stopped_early``: the run was ended by a stop signal before its count or
  duration; every figure covers the requests scheduled until then.

Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlops_toolkit.histogram import LatencyHistogram


@dataclass(frozen=True)
class SecondStats:
    """One second of a run, by intended (open loop) or actual (closed loop) send time."""

    second: int
    sent: int
    ok: int
    failed: int
    p99_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "second": self.second,
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "p99_ms": self.p99_ms,
        }


@dataclass(frozen=True)
class LoadResult:
    """The outcome of one load run (see the module docstring for the counting rules).

    ``latency`` is a ``LatencyHistogram``; treat it as read-only.
    ``tallies`` counts completed requests by the value of the response header
    named by ``tally_header`` (e.g. ``azureml-model-deployment``); ``""``
    stands for an answer without that header.
    """

    mode: str  # "open" | "closed"
    url: str
    sent: int
    completed: int
    status_counts: Mapping[int, int]
    errors: Mapping[str, int]
    duration_s: float
    latency: LatencyHistogram
    target_rate: float | None = None
    concurrency: int | None = None
    max_send_lag_ms: float = 0.0
    tally_header: str | None = None
    tallies: Mapping[str, int] = field(default_factory=dict)
    timeseries: tuple[SecondStats, ...] = ()
    started_at: float = 0.0
    stopped_early: bool = False

    @property
    def achieved_rate(self) -> float:
        """Completed requests per second over ``duration_s``."""
        return self.completed / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def ok_rate(self) -> float:
        """Requests answered 2xx per second over ``duration_s`` (goodput)."""
        return self.ok / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def ended_at(self) -> float:
        """Wall-clock time (unix seconds) of the last answer or error."""
        return self.started_at + self.duration_s

    @property
    def ok(self) -> int:
        """Completed requests with a 2xx status."""
        return sum(n for code, n in self.status_counts.items() if 200 <= code < 300)

    @property
    def failed(self) -> int:
        """Requests that did not get a 2xx answer (other statuses and every error)."""
        return self.sent - self.ok

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, q: float) -> float | None:
        """Latency percentile in ms (None when nothing completed)."""
        return self.latency.percentile(q)

    @property
    def p50_ms(self) -> float | None:
        return self.latency.percentile(50)

    @property
    def p90_ms(self) -> float | None:
        return self.latency.percentile(90)

    @property
    def p99_ms(self) -> float | None:
        return self.latency.percentile(99)

    @property
    def max_ms(self) -> float | None:
        return self.latency.max if self.latency.count else None

    def status_class_counts(self) -> dict[str, int]:
        """Completed requests by status class: ``{"2xx": n, "3xx": n, "4xx": n, "5xx": n}``."""
        out = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
        for code, n in self.status_counts.items():
            key = f"{code // 100}xx"
            out[key] = out.get(key, 0) + n
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (status codes as strings), read back by ``from_dict``."""
        return {
            "mode": self.mode,
            "url": self.url,
            "target_rate": self.target_rate,
            "concurrency": self.concurrency,
            "sent": self.sent,
            "completed": self.completed,
            "ok": self.ok,
            "failed": self.failed,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "errors": dict(sorted(self.errors.items())),
            "duration_s": self.duration_s,
            "started_at": self.started_at,
            "stopped_early": self.stopped_early,
            "achieved_rate": self.achieved_rate,
            "ok_rate": self.ok_rate,
            "max_send_lag_ms": self.max_send_lag_ms,
            "latency_ms": {**self.latency.summary(), "mean": self.latency.mean},
            "histogram": self.latency.to_dict(),
            "tally_header": self.tally_header,
            "tallies": dict(sorted(self.tallies.items())),
            "timeseries": [s.to_dict() for s in self.timeseries],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadResult:
        """Rebuild a result from ``to_dict``'s output (e.g. the CLI's ``--json-out`` file).
        Raises ``KeyError``/``ValueError`` for a dict of another shape."""
        return cls(
            mode=str(data["mode"]),
            url=str(data["url"]),
            target_rate=data.get("target_rate"),
            concurrency=data.get("concurrency"),
            sent=int(data["sent"]),
            completed=int(data["completed"]),
            status_counts={int(k): int(v) for k, v in data["status_counts"].items()},
            errors={str(k): int(v) for k, v in data["errors"].items()},
            duration_s=float(data["duration_s"]),
            max_send_lag_ms=float(data.get("max_send_lag_ms", 0.0)),
            latency=LatencyHistogram.from_dict(data["histogram"]),
            tally_header=data.get("tally_header"),
            tallies={str(k): int(v) for k, v in data.get("tallies", {}).items()},
            timeseries=tuple(SecondStats(**s) for s in data.get("timeseries", ())),
            started_at=float(data.get("started_at", 0.0)),
            stopped_early=bool(data.get("stopped_early", False)),
        )

    def describe(self) -> str:
        """A few human-readable lines about the run."""

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f}"

        rate = (
            f"{self.target_rate:g}/s open loop"
            if self.mode == "open"
            else (f"{self.concurrency} workers closed loop")
        )
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.status_counts.items())) or "none"
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        stopped = " (stopped early by a signal)" if self.stopped_early else ""
        return "\n".join(
            [
                f"{self.url} ({rate}): sent {self.sent}, completed {self.completed} "
                f"in {self.duration_s:.2f}s = {self.achieved_rate:.1f}/s{stopped}",
                f"statuses: {statuses}; errors: {errors}",
                f"latency ms: p50 {ms(self.p50_ms)}, p90 {ms(self.p90_ms)}, "
                f"p99 {ms(self.p99_ms)}, max {ms(self.max_ms)}; "
                f"max send lag {self.max_send_lag_ms:.2f} ms",
            ]
        )
