"""Reducing Azure-shaped series to per-deployment figures."""

from __future__ import annotations

import pytest

from mlops_toolkit.operations.metrics import summarize_series
from mlops_toolkit.targets.base import MetricSeries
from mlops_toolkit.targets.local.metrics import router_metrics_to_series

ROUTER_JSON = {
    "endpoint": "compliance",
    "interval_s": 30,
    "deployments": {
        "blue": [
            {
                "start": 1000.0,
                "requests": {"2xx": 90, "4xx": 2, "5xx": 8},
                "mirrored": 0,
                "latency_ms": {"p50": 4.0, "p90": 7.5, "p95": 9.0, "p99": 20.0, "max": 31.0},
            }
        ],
        "green": [
            {
                "start": 1000.0,
                "requests": {},
                "mirrored": 0,
                "latency_ms": {"p50": None, "p90": None, "p95": None, "p99": None, "max": None},
            }
        ],
    },
}


def test_router_json_becomes_azure_series_and_back() -> None:
    series = router_metrics_to_series(ROUTER_JSON, ("RequestsPerMinute", "RequestLatency_P99"))
    by_key = {(s.name, tuple(sorted(s.dimensions.items()))): s for s in series}
    per_minute = by_key[("RequestsPerMinute", (("deployment", "blue"), ("statusCodeClass", "5xx")))]
    assert per_minute.points == ((1000.0, 16.0),)  # 8 in 30 s = 16 per minute
    assert by_key[("RequestLatency_P99", (("deployment", "green"),))].points == ((1000.0, None),)
    summary = summarize_series("compliance", 1000.0, 1030.0, series)
    blue = summary.deployments["blue"]
    assert blue.requests == 100 and blue.errors == 8
    assert blue.error_rate == pytest.approx(0.08) and blue.success_rate == pytest.approx(0.92)
    assert blue.latency_ms["p99"] == 20.0
    green = summary.deployments["green"]
    assert green.requests == 0 and green.error_rate is None and green.latency_ms["p99"] is None


def test_latency_over_several_points_takes_the_worst() -> None:
    series = [
        MetricSeries("RequestLatency_P99", {"deployment": "blue"}, ((0.0, 10.0), (60.0, 30.0))),
        MetricSeries("RequestLatency_P99", {"deployment": "blue"}, ((120.0, None),)),
    ]
    assert summarize_series("e", 0.0, 180.0, series).deployments["blue"].latency_ms["p99"] == 30.0
