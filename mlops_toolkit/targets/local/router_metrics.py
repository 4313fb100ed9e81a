"""Per-deployment request metrics of the local router, in 1-second buckets.

For each deployment and each second (unix time of the moment the answer was
sent, so a second that has passed never changes) the store keeps:

* answers by status class (``2xx``, ``3xx``, ``4xx``, ``5xx``; 1xx counts as
  2xx, anything above 5xx as 5xx), **including** mirrored copies, as a
  deployment's own metrics do on Azure;
* ``mirrored``: how many of those were mirrored copies, and
  ``mirror_dropped``: copies not sent because too many were in flight;
* a ``LatencyHistogram`` in ms: for a live request, from the router
  receiving it to the router having sent the answer; for a mirrored copy,
  from sending the copy to receiving its (discarded) answer.

Requests answered without reaching a deployment (401, 404 for an unknown
deployment or no traffic, 413) are counted under "unrouted".

Seconds older than ``retention_s`` (default 2 hours and a minute) are
dropped; seconds that have passed are packed (about 10 bytes per latency
bucket hit), so two hours of steady load cost a few MB per deployment.
Cumulative counters since start (for Prometheus) are kept apart, exact.

Nothing here does I/O; the clock is passed in. Not thread-safe: call from one
event loop.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mlops_toolkit.histogram import LatencyHistogram

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
DEFAULT_RETENTION_S = 2 * 3600 + 60
MAX_INTERVALS = 10_000
#: Upper bounds (seconds) of the Prometheus latency histogram's buckets.
PROMETHEUS_BUCKETS_S = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1,
    0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 30.0, 60.0,
)  # fmt: skip
UNROUTED = ""


@dataclass(frozen=True)
class Window:
    """``count`` intervals of ``interval`` seconds from unix second ``first``."""

    first: int
    count: int
    interval: int


def status_class(status: int) -> int:
    """Index into ``STATUS_CLASSES`` for an HTTP status."""
    return min(max(status // 100, 2), 5) - 2


class _Second:
    """One deployment's second: live while it is the current second, packed after."""

    __slots__ = ("counts", "mirrored", "dropped", "histogram", "packed")

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0]
        self.mirrored = 0
        self.dropped = 0
        self.histogram: LatencyHistogram | None = LatencyHistogram()
        self.packed: bytes | None = None

    def pack(self) -> None:
        if self.histogram is not None:
            self.packed = self.histogram.to_bytes() if self.histogram.count else b""
            self.histogram = None

    def latency(self) -> LatencyHistogram | None:
        if self.histogram is not None:
            return self.histogram
        return LatencyHistogram.from_bytes(self.packed) if self.packed else None


class _Totals:
    """Cumulative counters of one deployment since the router started."""

    __slots__ = ("counts", "mirrored", "dropped", "buckets", "sum_s", "observations")

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0]
        self.mirrored = [0, 0, 0, 0]
        self.dropped = 0
        self.buckets = [0] * (len(PROMETHEUS_BUCKETS_S) + 1)  # last: above the largest bound
        self.sum_s = 0.0
        self.observations = 0


class MetricsStore:
    """Request metrics per deployment per second, and totals since start."""

    def __init__(self, retention_s: int = DEFAULT_RETENTION_S) -> None:
        self.retention_s = retention_s
        self._seconds: dict[str, dict[int, _Second]] = {}
        self._totals: dict[str, _Totals] = {}
        self._current = -1  # the newest second seen; older ones get packed

    # ------------------------------------------------------------------ recording

    def _bucket(self, deployment: str, now: float) -> _Second:
        second = int(now)
        if second > self._current:
            self._advance(second)
        series = self._seconds.get(deployment)
        if series is None:
            series = self._seconds[deployment] = {}
        bucket = series.get(second)
        if bucket is None:
            bucket = series[second] = _Second()
            if second < self._current:  # a late arrival for a passed second
                bucket.pack()
        return bucket

    def _advance(self, second: int) -> None:
        self._current = second
        cutoff = second - self.retention_s
        for series in self._seconds.values():
            while series:
                oldest = next(iter(series))
                if oldest >= cutoff:
                    break
                del series[oldest]
            for key in reversed(series):
                if key >= second:
                    continue
                bucket = series[key]
                if bucket.histogram is None:
                    break  # everything older is packed already
                bucket.pack()

    def _totals_for(self, deployment: str) -> _Totals:
        totals = self._totals.get(deployment)
        if totals is None:
            totals = self._totals[deployment] = _Totals()
        return totals

    def record(self, deployment: str, status: int, latency_ms: float, now: float, *,
               mirrored: bool = False) -> None:  # fmt: skip
        """Count one answer of ``deployment`` sent at unix time ``now``."""
        index = status_class(status)
        bucket = self._bucket(deployment, now)
        bucket.counts[index] += 1
        if bucket.histogram is not None:
            bucket.histogram.record(latency_ms)
        else:  # a late arrival for a packed second: unpack, add, repack
            histogram = bucket.latency() or LatencyHistogram()
            histogram.record(latency_ms)
            bucket.packed = histogram.to_bytes()
        totals = self._totals_for(deployment)
        totals.counts[index] += 1
        if mirrored:
            bucket.mirrored += 1
            totals.mirrored[index] += 1
        seconds = latency_ms / 1000.0
        totals.buckets[bisect_left(PROMETHEUS_BUCKETS_S, seconds)] += 1
        totals.sum_s += seconds
        totals.observations += 1

    def record_unrouted(self, status: int, now: float) -> None:
        """Count an answer the router gave without reaching a deployment."""
        index = status_class(status)
        self._bucket(UNROUTED, now).counts[index] += 1
        self._totals_for(UNROUTED).counts[index] += 1

    def record_mirror_dropped(self, deployment: str, now: float) -> None:
        """Count a mirrored copy that was not sent (too many copies in flight)."""
        self._bucket(deployment, now).dropped += 1
        self._totals_for(deployment).dropped += 1

    # ------------------------------------------------------------------ reading

    def window(self, start: float, end: float, interval: int) -> Window:
        """Validate a query window: intervals ``[start + k*interval, start + (k+1)*interval)``
        (``start`` floored, ``end`` rounded up to whole seconds). Raises ``ValueError``
        for non-finite times, end not after start, interval < 1, too many intervals."""
        if not (math.isfinite(start) and math.isfinite(end)):
            raise ValueError("start and end must be finite unix times")
        first = math.floor(start)
        last = math.ceil(end)
        if interval < 1:
            raise ValueError(f"interval must be a whole number of seconds >= 1, got {interval}")
        if last <= first:
            raise ValueError(f"end ({end}) must be after start ({start})")
        count = -(-(last - first) // interval)
        if count > MAX_INTERVALS:
            raise ValueError(
                f"{count} intervals asked for; at most {MAX_INTERVALS} (use a longer interval)"
            )
        return Window(first=first, count=count, interval=interval)

    def names(self, window: Window, deployments: Iterable[str] = ()) -> list[str]:
        """``deployments``, then every other deployment with data in ``window``."""
        names = list(dict.fromkeys(deployments))
        last = window.first + window.count * window.interval
        for name, series in self._seconds.items():
            if name == UNROUTED or name in names:
                continue
            if any(window.first <= second < last for second in series):
                names.append(name)
        return names

    def query(
        self, start: float, end: float, interval: int, deployments: Iterable[str] = ()
    ) -> dict[str, Any]:
        """All intervals of a window, for ``deployments`` and every deployment with data.

        Returns ``{"deployments": {name: [interval, ...]}, "unrouted": [...]}``.
        Each interval: ``{"start", "requests": {"2xx": n, ...}, "mirrored",
        "mirror_dropped", "latency_ms": {"p50", "p90", "p95", "p99", "max"}}``,
        with zero counts and null latencies when empty. Raises ``ValueError``
        for a bad window (see ``window``). For long windows inside an event
        loop, call ``rows`` in slices instead (as the router does).
        """
        window = self.window(start, end, interval)
        out = {name: self.rows(name, window) for name in self.names(window, deployments)}
        return {"deployments": out, "unrouted": self.rows(UNROUTED, window)}

    def rows(
        self, name: str, window: Window, first: int = 0, stop: int | None = None
    ) -> list[dict[str, Any]]:
        """Intervals ``first..stop`` (indexes into ``window``) of one deployment, or of the
        unrouted answers when ``name`` is ``UNROUTED`` (counts only)."""
        series = self._seconds.get(name, {})
        interval = window.interval
        rows = []
        for k in range(first, window.count if stop is None else min(stop, window.count)):
            lo = window.first + k * interval
            counts = [0, 0, 0, 0]
            mirrored = dropped = 0
            histogram = LatencyHistogram()
            if series:
                seconds: Iterable[int] = (
                    range(lo, lo + interval)
                    if interval <= len(series)
                    else [s for s in series if lo <= s < lo + interval]
                )
                for second in seconds:
                    bucket = series.get(second)
                    if bucket is None:
                        continue
                    for i in range(4):
                        counts[i] += bucket.counts[i]
                    mirrored += bucket.mirrored
                    dropped += bucket.dropped
                    latency = bucket.latency()
                    if latency is not None:
                        histogram.merge(latency)
            requests = dict(zip(STATUS_CLASSES, counts, strict=True))
            if name == UNROUTED:
                rows.append({"start": lo, "requests": requests})
                continue
            rows.append(
                {
                    "start": lo,
                    "requests": requests,
                    "mirrored": mirrored,
                    "mirror_dropped": dropped,
                    "latency_ms": {
                        k: None if v is None else round(v, 3)
                        for k, v in histogram.summary().items()
                    },
                }
            )
        return rows

    def prometheus(self, endpoint: str, gauges: dict[str, dict[str, float]] | None = None) -> str:
        """Prometheus text exposition (format 0.0.4) of the totals since start.

        ``gauges`` maps a metric name to ``{deployment: value}`` (e.g. traffic
        percentages) and is rendered as gauges after the counters.
        """
        ep = _label(endpoint)
        lines = [
            "# HELP mlops_router_requests_total Answers by deployment and status class "
            "(mirrored copies included).",
            "# TYPE mlops_router_requests_total counter",
        ]
        routed = {k: v for k, v in self._totals.items() if k != UNROUTED}
        for name, totals in sorted(routed.items()):
            for cls, n in zip(STATUS_CLASSES, totals.counts, strict=True):
                lines.append(
                    f'mlops_router_requests_total{{endpoint="{ep}",deployment="{_label(name)}",'
                    f'status_class="{cls}"}} {n}'
                )
        lines += [
            "# HELP mlops_router_mirrored_requests_total Mirrored copies answered, "
            "by deployment and status class.",
            "# TYPE mlops_router_mirrored_requests_total counter",
        ]
        for name, totals in sorted(routed.items()):
            for cls, n in zip(STATUS_CLASSES, totals.mirrored, strict=True):
                lines.append(
                    f'mlops_router_mirrored_requests_total{{endpoint="{ep}",'
                    f'deployment="{_label(name)}",status_class="{cls}"}} {n}'
                )
        lines += [
            "# HELP mlops_router_mirror_dropped_total Mirrored copies not sent "
            "(too many in flight).",
            "# TYPE mlops_router_mirror_dropped_total counter",
        ]
        for name, totals in sorted(routed.items()):
            lines.append(
                f'mlops_router_mirror_dropped_total{{endpoint="{ep}",deployment="{_label(name)}"}}'
                f" {totals.dropped}"
            )
        unrouted = self._totals.get(UNROUTED, _Totals())
        lines += [
            "# HELP mlops_router_unrouted_requests_total Answers given without reaching a "
            "deployment (401, 404, 413), by status class.",
            "# TYPE mlops_router_unrouted_requests_total counter",
        ]
        for cls, n in zip(STATUS_CLASSES, unrouted.counts, strict=True):
            lines.append(
                f'mlops_router_unrouted_requests_total{{endpoint="{ep}",status_class="{cls}"}} {n}'
            )
        lines += [
            "# HELP mlops_router_request_duration_seconds Time from receiving a request to "
            "sending its answer (mirrored copies: send to answer).",
            "# TYPE mlops_router_request_duration_seconds histogram",
        ]
        for name, totals in sorted(routed.items()):
            labels = f'endpoint="{ep}",deployment="{_label(name)}"'
            running = 0
            for bound, n in zip(PROMETHEUS_BUCKETS_S, totals.buckets, strict=False):
                running += n
                lines.append(
                    f'mlops_router_request_duration_seconds_bucket{{{labels},le="{bound:g}"}} '
                    f"{running}"
                )
            lines.append(
                f'mlops_router_request_duration_seconds_bucket{{{labels},le="+Inf"}} '
                f"{totals.observations}"
            )
            lines.append(f"mlops_router_request_duration_seconds_sum{{{labels}}} {totals.sum_s!r}")
            lines.append(
                f"mlops_router_request_duration_seconds_count{{{labels}}} {totals.observations}"
            )
        for metric, values in (gauges or {}).items():
            lines.append(f"# TYPE {metric} gauge")
            for name, value in sorted(values.items()):
                lines.append(f'{metric}{{endpoint="{ep}",deployment="{_label(name)}"}} {value:g}')
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    """Escape a Prometheus label value."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
