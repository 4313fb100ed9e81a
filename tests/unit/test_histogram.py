"""The latency histogram against numpy's exact percentiles, within its stated error."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_toolkit.histogram import (
    HIGHEST_MS,
    LOWEST_MS,
    RELATIVE_ERROR,
    LatencyHistogram,
    bucket_bounds,
    bucket_index,
)

# Latencies anywhere in the stated range, biased to many orders of magnitude.
in_range = st.floats(min_value=LOWEST_MS, max_value=HIGHEST_MS, allow_nan=False).map(
    lambda v: min(max(v, LOWEST_MS), HIGHEST_MS)
)
log_spread = st.floats(min_value=math.log(LOWEST_MS), max_value=math.log(HIGHEST_MS)).map(
    lambda x: min(max(math.exp(x), LOWEST_MS), HIGHEST_MS)
)
values = st.lists(st.one_of(in_range, log_spread), min_size=1, max_size=400)
quantiles = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


def exact(values_ms: list[float], q: float) -> float:
    """Nearest-rank percentile (numpy's inverted CDF), the definition the histogram uses."""
    return float(np.percentile(np.array(values_ms), q, method="inverted_cdf"))


def build(values_ms: list[float]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for value in values_ms:
        histogram.record(value)
    return histogram


@settings(max_examples=300, deadline=None)
@given(values, st.lists(quantiles, min_size=1, max_size=8))
def test_percentiles_within_stated_relative_error(values_ms: list[float], qs: list[float]) -> None:
    histogram = build(values_ms)
    got = histogram.percentiles(qs)
    for q in qs:
        want = exact(values_ms, q)
        assert got[q] is not None
        assert abs(got[q] - want) <= RELATIVE_ERROR * want * (1 + 1e-9), (q, got[q], want)
        assert histogram.percentile(q) == got[q]


@settings(max_examples=200, deadline=None)
@given(values)
def test_count_min_max_mean_are_exact(values_ms: list[float]) -> None:
    histogram = build(values_ms)
    assert histogram.count == len(values_ms) == len(histogram)
    assert histogram.min == min(values_ms)
    assert histogram.max == max(values_ms)
    assert histogram.mean == pytest.approx(float(np.mean(values_ms)), rel=1e-9)
    assert histogram.percentile(0) == min(values_ms)
    assert histogram.percentile(100) == max(values_ms)


@settings(max_examples=200, deadline=None)
@given(values, values)
def test_merge_equals_recording_everything_in_one(a: list[float], b: list[float]) -> None:
    merged = build(a).merge(build(b))
    assert merged == build(a + b)
    assert build(a) + build(b) == merged
    assert LatencyHistogram.merged([build(a), build(b)]) == merged
    for q in (50, 90, 99):
        want = exact(a + b, q)
        assert abs(merged.percentile(q) - want) <= RELATIVE_ERROR * want * (1 + 1e-9)


@settings(max_examples=200, deadline=None)
@given(values)
def test_dict_round_trip_through_json(values_ms: list[float]) -> None:
    histogram = build(values_ms)
    data = json.loads(json.dumps(histogram.to_dict()))
    again = LatencyHistogram.from_dict(data)
    assert again == histogram
    assert again.summary() == histogram.summary()
    packed = LatencyHistogram.from_bytes(histogram.to_bytes())
    assert packed == histogram
    assert packed.summary() == histogram.summary()


@settings(max_examples=300, deadline=None)
@given(in_range)
def test_every_value_lies_in_its_bucket_and_buckets_are_narrow(value: float) -> None:
    index = bucket_index(value)
    low, high = bucket_bounds(index)
    # Floating-point edges: allow a relative hair at the boundaries.
    assert low * (1 - 1e-12) <= value < high * (1 + 1e-12)
    assert (high - low) / low <= 2 * RELATIVE_ERROR + 1e-12


def test_buckets_are_contiguous_and_increasing() -> None:
    previous_high = None
    for index in range(0, bucket_index(HIGHEST_MS) + 1):
        low, high = bucket_bounds(index)
        assert high > low
        if previous_high is not None:
            assert low == pytest.approx(previous_high, rel=1e-12)
        previous_high = high


def test_empty_histogram_answers_none() -> None:
    histogram = LatencyHistogram()
    assert histogram.percentile(50) is None
    assert histogram.mean is None
    assert histogram.summary() == {"p50": None, "p90": None, "p95": None, "p99": None, "max": None}
    assert LatencyHistogram.from_dict(histogram.to_dict()) == histogram
    assert LatencyHistogram.from_bytes(histogram.to_bytes()) == histogram
    assert not histogram


def test_out_of_range_values_are_counted_and_extremes_stay_exact() -> None:
    histogram = build([0.0, 1e-9, 1e9])
    assert histogram.count == 3
    assert histogram.min == 0.0
    assert histogram.max == 1e9
    assert histogram.percentile(100) == 1e9


def test_bad_input_is_refused_with_a_reason() -> None:
    histogram = LatencyHistogram()
    with pytest.raises(ValueError, match="NaN"):
        histogram.record(float("nan"))
    with pytest.raises(ValueError, match="count"):
        histogram.record(1.0, count=-1)
    with pytest.raises(ValueError, match="0..100"):
        build([1.0]).percentile(101)
    with pytest.raises(ValueError, match="format"):
        LatencyHistogram.from_dict({"format": "other"})
    bad = build([1.0, 2.0]).to_dict()
    bad["count"] = 5
    with pytest.raises(ValueError, match="sum of its bucket counts"):
        LatencyHistogram.from_dict(bad)
    with pytest.raises(ValueError, match="packed"):
        LatencyHistogram.from_bytes(build([1.0]).to_bytes()[:-1])


def test_weighted_record_equals_repeated_record() -> None:
    weighted = LatencyHistogram()
    weighted.record(3.5, count=4)
    assert weighted == build([3.5] * 4)


def test_serialised_form_is_compact() -> None:
    # 10,000 latencies between 5 and 20 ms: two octaves, so at most 129 buckets.
    rng = np.random.default_rng(7)
    histogram = build(list(rng.uniform(5.0, 20.0, size=10_000)))
    data = histogram.to_dict()
    assert len(data["counts"]) <= 2 * 64 + 1
    assert len(json.dumps(data)) < 2_000
    assert len(histogram.to_bytes()) <= 36 + 10 * (2 * 64 + 1)
