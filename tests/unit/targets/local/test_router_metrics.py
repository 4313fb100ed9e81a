"""The router's per-second metrics store: recording, windows, retention, Prometheus text."""

from __future__ import annotations

import pytest

from mlops_toolkit.histogram import LatencyHistogram
from mlops_toolkit.targets.local.router_metrics import MetricsStore, status_class

T = 1_800_000_000  # a whole unix second


def test_status_classes() -> None:
    assert [status_class(s) for s in (100, 200, 204, 302, 404, 413, 500, 503, 600)] == [
        0, 0, 0, 1, 2, 2, 3, 3, 3,
    ]  # fmt: skip


def test_window_with_counts_latencies_and_empty_intervals() -> None:
    store = MetricsStore()
    for i in range(10):
        store.record("blue", 200, 10.0 + i, T + 0.5)
    store.record("blue", 503, 1.0, T + 1.2)
    store.record("green", 200, 40.0, T + 2.9, mirrored=True)
    store.record_mirror_dropped("green", T + 2.9)
    store.record_unrouted(401, T + 0.1)
    data = store.query(T, T + 4, 1, deployments=["blue", "green", "idle"])
    blue = data["deployments"]["blue"]
    assert [row["start"] for row in blue] == [T, T + 1, T + 2, T + 3]
    assert blue[0]["requests"] == {"2xx": 10, "3xx": 0, "4xx": 0, "5xx": 0}
    assert blue[0]["latency_ms"]["max"] == 19.0
    assert blue[0]["latency_ms"]["p50"] == pytest.approx(14.0, rel=0.01)
    assert blue[1]["requests"]["5xx"] == 1
    assert blue[2]["requests"] == {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
    assert blue[2]["latency_ms"] == {
        "p50": None,
        "p90": None,
        "p95": None,
        "p99": None,
        "max": None,
    }
    green = data["deployments"]["green"]
    assert green[2]["mirrored"] == 1 and green[2]["mirror_dropped"] == 1
    assert green[2]["requests"]["2xx"] == 1  # a mirrored copy is one of its requests
    assert all(row["requests"]["2xx"] == 0 for row in data["deployments"]["idle"])
    assert data["unrouted"][0]["requests"]["4xx"] == 1


def test_longer_intervals_merge_seconds() -> None:
    store = MetricsStore()
    values = [float(v) for v in range(1, 121)]
    for i, value in enumerate(values):
        store.record("blue", 200, value, T + i / 2)  # 60 seconds, 2 a second
    rows = store.query(T, T + 60, 30)["deployments"]["blue"]
    assert [row["requests"]["2xx"] for row in rows] == [60, 60]
    expected = LatencyHistogram()
    for value in values[60:]:
        expected.record(value)
    assert rows[1]["latency_ms"]["p99"] == round(expected.percentile(99), 3)
    assert rows[1]["latency_ms"]["max"] == 120.0


def test_passed_seconds_are_packed_and_still_read_back() -> None:
    store = MetricsStore()
    store.record("blue", 200, 5.0, T)
    store.record("blue", 200, 7.0, T + 1)  # moves on: second T is packed now
    store.record("blue", 200, 6.0, T + 0.9)  # a late arrival for the packed second
    rows = store.query(T, T + 2, 1)["deployments"]["blue"]
    assert rows[0]["requests"]["2xx"] == 2 and rows[0]["latency_ms"]["max"] == 6.0
    assert rows[1]["requests"]["2xx"] == 1


def test_retention_drops_old_seconds_only() -> None:
    store = MetricsStore(retention_s=100)
    store.record("blue", 200, 1.0, T)
    store.record("blue", 200, 1.0, T + 50)
    store.record("blue", 200, 1.0, T + 120)  # T is now older than 100 s
    rows = store.query(T, T + 121, 1)["deployments"]["blue"]
    assert rows[0]["requests"]["2xx"] == 0
    assert rows[50]["requests"]["2xx"] == 1
    assert rows[120]["requests"]["2xx"] == 1


def test_two_hours_are_kept_by_default() -> None:
    store = MetricsStore()
    store.record("blue", 200, 1.0, T)
    store.record("blue", 200, 1.0, T + 2 * 3600)
    rows = store.query(T, T + 2 * 3600 + 1, 3600)["deployments"]["blue"]
    assert [row["requests"]["2xx"] for row in rows] == [1, 0, 1]


@pytest.mark.parametrize(
    ("start", "end", "interval", "message"),
    [
        (T, T + 10, 0, "interval"),
        (T + 10, T, 1, "must be after start"),
        (T, T + 100_000, 1, "at most 10000"),
        (T, float("inf"), 1, "finite"),
        (float("nan"), T, 1, "finite"),
    ],
)
def test_bad_windows(start: float, end: float, interval: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MetricsStore().query(start, end, interval)


def test_deployments_with_data_appear_even_when_not_asked_for() -> None:
    store = MetricsStore()
    store.record("removed", 200, 1.0, T)
    assert "removed" in store.query(T, T + 1, 1, deployments=["blue"])["deployments"]
    assert "removed" not in store.query(T + 5, T + 6, 1)["deployments"]


def test_prometheus_text_counts_everything_since_start() -> None:
    store = MetricsStore(retention_s=10)
    for latency in (0.5, 3.0, 3.0, 80.0, 2_000.0):
        store.record("blue", 200, latency, T)
    store.record("blue", 500, 20.0, T + 100)  # older seconds are gone; totals are not
    store.record("shadow", 200, 4.0, T + 100, mirrored=True)
    store.record_mirror_dropped("shadow", T + 100)
    store.record_unrouted(401, T + 100)
    text = store.prometheus("compliance", {"mlops_router_traffic_percent": {"blue": 100}})
    lines = set(text.splitlines())
    labels = 'endpoint="compliance",deployment="blue"'
    assert f'mlops_router_requests_total{{{labels},status_class="2xx"}} 5' in lines
    assert f'mlops_router_requests_total{{{labels},status_class="5xx"}} 1' in lines
    assert (
        'mlops_router_mirrored_requests_total{endpoint="compliance",deployment="shadow",'
        'status_class="2xx"} 1'
    ) in lines
    assert 'mlops_router_mirror_dropped_total{endpoint="compliance",deployment="shadow"} 1' in lines
    assert (
        'mlops_router_unrouted_requests_total{endpoint="compliance",status_class="4xx"} 1' in lines
    )
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="0.001"}} 1' in lines
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="0.005"}} 3' in lines
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="0.025"}} 4' in lines
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="0.1"}} 5' in lines
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="2.5"}} 6' in lines
    assert f'mlops_router_request_duration_seconds_bucket{{{labels},le="+Inf"}} 6' in lines
    assert f"mlops_router_request_duration_seconds_count{{{labels}}} 6" in lines
    assert 'mlops_router_traffic_percent{endpoint="compliance",deployment="blue"} 100' in lines
    assert "# TYPE mlops_router_request_duration_seconds histogram" in lines
    assert text.endswith("\n")


def test_label_values_are_escaped() -> None:
    store = MetricsStore()
    store.record("blue", 200, 1.0, T)
    assert 'endpoint="a\\"b"' in store.prometheus('a"b')
