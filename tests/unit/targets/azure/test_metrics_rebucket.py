"""Azure Monitor's clock-aligned grains folded into the caller's intervals. Pure."""

from __future__ import annotations

import pytest

from mlops_toolkit.targets.azure.metrics import grain_for, rebucket
from mlops_toolkit.targets.base import MetricsQuery


@pytest.mark.parametrize(
    ("interval", "grain"),
    [(30, "PT1M"), (60, "PT1M"), (120, "PT1M"), (300, "PT5M"), (600, "PT5M"), (900, "PT15M"),
     (3600, "PT1H"), (5400, "PT30M")],
)  # fmt: skip
def test_the_grain_is_the_coarsest_that_divides_the_interval(interval: int, grain: str) -> None:
    assert grain_for(interval) == grain


def query(start: float, end: float, interval: float) -> MetricsQuery:
    return MetricsQuery(endpoint="ep", start=start, end=end, interval=interval)


def test_request_counts_become_per_minute_rates_of_each_interval() -> None:
    points = [(600.0, 3.0), (660.0, 5.0), (720.0, None), (780.0, 2.0)]
    assert rebucket(points, 60, query(600, 840, 120), "rate") == ((600, 4.0), (720, 1.0))


def test_a_grain_that_starts_before_the_window_counts_in_its_first_interval() -> None:
    # window 630..750: the grain of 600..660 overlaps it; the grain of 750.. does not
    points = [(600.0, 6.0), (660.0, 1.0), (750.0, 9.0)]
    assert rebucket(points, 60, query(630, 750, 120), "rate") == ((630, 3.5),)


def test_latency_takes_the_highest_grain_and_utilisation_the_mean() -> None:
    points = [(0.0, 40.0), (60.0, 90.0), (120.0, None)]
    assert rebucket(points, 60, query(0, 180, 180), "max") == ((0, 90.0),)
    assert rebucket(points, 60, query(0, 180, 180), "mean") == ((0, 65.0),)
    assert rebucket([(0.0, None)], 60, query(0, 60, 60), "max") == ((0, None),)


def test_a_short_last_interval_is_scaled_by_its_own_length() -> None:
    points = [(0.0, 2.0), (60.0, 4.0), (120.0, 3.0)]
    assert rebucket(points, 60, query(0, 150, 120), "rate") == ((0, 3.0), (120, 6.0))
