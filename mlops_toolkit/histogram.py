"""A latency histogram with bounded relative error (HDR-style log-linear buckets).

``LatencyHistogram`` records latencies in **milliseconds**. Each power-of-two
range ("octave") above ``LOWEST_MS`` (1 µs) is split into ``SUB_BUCKETS`` (64)
equal-width buckets, so a bucket is at most 1/64 of its lower edge wide. A
percentile is answered with the midpoint of the bucket that holds the
nearest-rank sample, clamped to the exact minimum and maximum, so it is
within ``RELATIVE_ERROR`` (1/128, about 0.78 %) of the exact nearest-rank
percentile (numpy's ``method="inverted_cdf"``) for every value between
``LOWEST_MS`` and ``HIGHEST_MS`` (10 minutes). Values outside that range are
still counted (in the first or last bucket), and ``min``/``max``/``mean``
stay exact whatever the values.

* recording is O(1): one ``math.frexp`` and one dict update;
* counts live in a sparse dict (only buckets that were hit), so thousands of
  per-second histograms stay small;
* histograms merge (``merge``, ``+``) and round-trip through a compact
  JSON-ready dict (``to_dict`` / ``from_dict``) or packed bytes (``to_bytes`` /
  ``from_bytes``, about 10 bytes per bucket hit, for keeping many of them).

Nothing here does I/O or blocks. Not thread-safe: record from one thread (or
one event loop) at a time.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

#: Buckets per octave (a power of two); sets the precision.
SUB_BUCKETS = 64
#: Smallest value recorded with bounded error, in ms (1 µs).
LOWEST_MS = 0.001
#: Largest value recorded with bounded error, in ms (10 minutes).
HIGHEST_MS = 600_000.0
#: Worst-case relative error of ``percentile`` for values in range.
RELATIVE_ERROR = 1.0 / (2 * SUB_BUCKETS)

_FORMAT = "log-linear-v1"
_HEADER = struct.Struct("<QdddI")  # count, sum, min, max, buckets
_MAX_OCTAVE = math.frexp(HIGHEST_MS / LOWEST_MS)[1]  # octaves above LOWEST_MS, inclusive
_MAX_INDEX = _MAX_OCTAVE * SUB_BUCKETS - 1


def bucket_index(value_ms: float) -> int:
    """The bucket a value falls in (0 for anything at or below ``LOWEST_MS``)."""
    scaled = value_ms / LOWEST_MS
    if scaled < 1.0:  # also catches NaN's neighbours: negative and zero values
        return 0
    mantissa, exponent = math.frexp(scaled)  # scaled = mantissa * 2**exponent, 0.5 <= m < 1
    index = (exponent - 1) * SUB_BUCKETS + int((mantissa * 2.0 - 1.0) * SUB_BUCKETS)
    return index if index <= _MAX_INDEX else _MAX_INDEX


def bucket_bounds(index: int) -> tuple[float, float]:
    """``[low, high)`` of a bucket, in ms."""
    octave, sub = divmod(index, SUB_BUCKETS)
    base = LOWEST_MS * 2.0**octave
    width = base / SUB_BUCKETS
    return base + sub * width, base + (sub + 1) * width


class LatencyHistogram:
    """Counts of latencies (ms) in log-linear buckets, with exact count, sum, min and max.

    ``percentile(q)`` uses the nearest-rank definition: the smallest recorded
    value such that at least ``q`` % of the values are at or below it, to
    within ``RELATIVE_ERROR``.
    """

    __slots__ = ("_counts", "count", "total", "min", "max")

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    # ------------------------------------------------------------------ recording

    def record(self, value_ms: float, count: int = 1) -> None:
        """Add ``count`` occurrences of ``value_ms``. O(1); raises ``ValueError`` for NaN
        or a negative count."""
        if value_ms != value_ms:  # NaN
            raise ValueError("cannot record NaN in a latency histogram")
        if count <= 0:
            if count == 0:
                return
            raise ValueError(f"count must be >= 0, got {count}")
        index = bucket_index(value_ms)
        counts = self._counts
        counts[index] = counts.get(index, 0) + count
        self.count += count
        self.total += value_ms * count
        if value_ms < self.min:
            self.min = value_ms
        if value_ms > self.max:
            self.max = value_ms

    def merge(self, other: LatencyHistogram) -> LatencyHistogram:
        """Add every count of ``other`` into this histogram; returns ``self``."""
        counts = self._counts
        for index, n in other._counts.items():
            counts[index] = counts.get(index, 0) + n
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        return self

    def __add__(self, other: LatencyHistogram) -> LatencyHistogram:
        return LatencyHistogram().merge(self).merge(other)

    @classmethod
    def merged(cls, histograms: Iterable[LatencyHistogram]) -> LatencyHistogram:
        """A new histogram holding the counts of all ``histograms``."""
        out = cls()
        for histogram in histograms:
            out.merge(histogram)
        return out

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyHistogram):
            return NotImplemented
        return (
            self._counts == other._counts
            and self.count == other.count
            and self.min == other.min
            and self.max == other.max
            and math.isclose(self.total, other.total, rel_tol=1e-9, abs_tol=1e-9)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        if not self.count:
            return "LatencyHistogram(count=0)"
        return (
            f"LatencyHistogram(count={self.count}, p50={self.percentile(50):.3f}ms, "
            f"p99={self.percentile(99):.3f}ms, max={self.max:.3f}ms)"
        )

    @property
    def mean(self) -> float | None:
        """Exact mean in ms, or None when empty."""
        return self.total / self.count if self.count else None

    def percentile(self, q: float) -> float | None:
        """The ``q``-th percentile (0..100) in ms, or None when empty.

        ``q=0`` is the exact minimum and ``q=100`` the exact maximum. Raises
        ``ValueError`` for ``q`` outside 0..100. O(buckets hit).
        """
        return self.percentiles((q,))[q]

    def percentiles(self, qs: Iterable[float]) -> dict[float, float | None]:
        """Several percentiles (0..100) in one pass over the buckets; values in ms,
        None when empty. Raises ``ValueError`` for a ``q`` outside 0..100."""
        wanted = sorted(set(qs))
        for q in wanted:
            if not 0.0 <= q <= 100.0:
                raise ValueError(f"percentile must be within 0..100, got {q}")
        if not self.count:
            return dict.fromkeys(wanted)
        out: dict[float, float | None] = {}
        ranks = [(q, max(1, math.ceil(q / 100.0 * self.count - 1e-9))) for q in wanted]
        position = 0
        seen = 0
        for index in sorted(self._counts):
            seen += self._counts[index]
            while position < len(ranks) and ranks[position][1] <= seen:
                low, high = bucket_bounds(index)
                out[ranks[position][0]] = min(max((low + high) / 2.0, self.min), self.max)
                position += 1
            if position == len(ranks):
                break
        if 0.0 in out:
            out[0.0] = self.min
        if 100.0 in out:
            out[100.0] = self.max
        return out

    def count_at_or_below(self, value_ms: float) -> int:
        """How many values fell in buckets whose upper edge is at or below ``value_ms``
        (exact when ``value_ms`` is a bucket edge; otherwise within one bucket)."""
        limit = bucket_index(value_ms)
        return sum(n for index, n in self._counts.items() if index < limit)

    def buckets(self) -> Iterator[tuple[float, float, int]]:
        """``(low_ms, high_ms, count)`` for every non-empty bucket, in value order."""
        for index in sorted(self._counts):
            low, high = bucket_bounds(index)
            yield low, high, self._counts[index]

    def summary(self) -> dict[str, float | None]:
        """p50, p90, p95, p99 and max in ms (None when empty)."""
        p = self.percentiles((50, 90, 95, 99))
        return {
            "p50": p[50],
            "p90": p[90],
            "p95": p[95],
            "p99": p[99],
            "max": self.max if self.count else None,
        }

    # ------------------------------------------------------------------ serialising

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-ready dict: bucket indexes delta-encoded, with their counts."""
        indexes = sorted(self._counts)
        deltas = [b - a for a, b in zip([0, *indexes], indexes, strict=False)]
        return {
            "format": _FORMAT,
            "sub_buckets": SUB_BUCKETS,
            "lowest_ms": LOWEST_MS,
            "count": self.count,
            "sum_ms": self.total,
            "min_ms": self.min if self.count else None,
            "max_ms": self.max if self.count else None,
            "index_deltas": deltas,
            "counts": [self._counts[i] for i in indexes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LatencyHistogram:
        """Rebuild a histogram written by ``to_dict``. Raises ``ValueError`` for a dict
        of another format or precision, or whose counts do not add up."""
        if data.get("format") != _FORMAT:
            raise ValueError(f"not a latency histogram of format {_FORMAT!r}")
        if data.get("sub_buckets") != SUB_BUCKETS or data.get("lowest_ms") != LOWEST_MS:
            raise ValueError(
                f"histogram precision differs: sub_buckets={data.get('sub_buckets')}, "
                f"lowest_ms={data.get('lowest_ms')} (expected {SUB_BUCKETS}, {LOWEST_MS})"
            )
        deltas, counts = list(data["index_deltas"]), list(data["counts"])
        if len(deltas) != len(counts):
            raise ValueError("histogram index_deltas and counts differ in length")
        out = cls()
        index = 0
        for delta, n in zip(deltas, counts, strict=True):
            index += int(delta)
            if int(n) <= 0 or not 0 <= index <= _MAX_INDEX:
                raise ValueError(f"invalid histogram bucket {index} with count {n}")
            out._counts[index] = int(n)
        out.count = int(data["count"])
        if out.count != sum(out._counts.values()):
            raise ValueError("histogram count does not equal the sum of its bucket counts")
        out.total = float(data["sum_ms"])
        if out.count:
            out.min, out.max = float(data["min_ms"]), float(data["max_ms"])
        return out

    def to_bytes(self) -> bytes:
        """The histogram packed: a fixed header, then bucket indexes and counts."""
        indexes = sorted(self._counts)
        n = len(indexes)
        return _HEADER.pack(self.count, self.total, self.min, self.max, n) + struct.pack(
            f"<{n}H{n}Q", *indexes, *(self._counts[i] for i in indexes)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> LatencyHistogram:
        """Unpack ``to_bytes``' output. Raises ``ValueError`` for bytes of another shape."""
        try:
            count, total, low, high, n = _HEADER.unpack_from(data)
            values = struct.unpack_from(f"<{n}H{n}Q", data, _HEADER.size)
        except struct.error as exc:
            raise ValueError(f"not a packed latency histogram: {exc}") from exc
        if len(data) != _HEADER.size + n * 10:
            raise ValueError("not a packed latency histogram: wrong length")
        out = cls()
        out._counts = dict(zip(values[:n], values[n:], strict=True))
        out.count, out.total, out.min, out.max = count, total, low, high
        return out
