"""Endpoints, deployments, traffic and scoring behave the same on every target."""

from __future__ import annotations

import json

import pytest

from mlops_toolkit import ConflictError, NotFoundError, UsageError
from tests.contract.harness import Harness

BODY = {"inputs": ["brass fitting, CuZn39Pb3, 2.5 % Pb", "brake hose assembly, no DOT marking"]}


def test_endpoint_lifecycle(harness: Harness) -> None:
    endpoints = harness.client.endpoints
    created = endpoints.create("ct-life")
    assert created.name == "ct-life" and created.deployments == ()
    assert created.scoring_uri.endswith("/score")
    assert "ct-life" in {e.name for e in endpoints.list()}
    with pytest.raises(ConflictError):
        endpoints.create("ct-life")
    endpoints.delete("ct-life")
    with pytest.raises(NotFoundError):
        endpoints.get("ct-life")
    endpoints.delete("ct-life")  # already gone: still fine
    assert "ct-life" not in {e.name for e in endpoints.list()}


def test_names_azure_would_reject_are_refused_before_anything_happens(harness: Harness) -> None:
    before = {e.name for e in harness.client.endpoints.list()}
    for name in ("ab", "1abc", "a" * 33, "has_underscore", "trailing-"):
        with pytest.raises(UsageError, match="endpoint"):
            harness.client.endpoints.create(name)
    assert {e.name for e in harness.client.endpoints.list()} == before


def test_blue_green_deploy_traffic_mirror_invoke(harness: Harness) -> None:
    endpoints = harness.client.endpoints
    endpoints.create("ct-slots")
    try:
        blue = endpoints.create_deployment("ct-slots", "blue", model=harness.ref(1))
        assert blue.model == harness.ref(1) and blue.health == "healthy"
        assert endpoints.get("ct-slots").traffic == {"blue": 0}  # new deployments get 0 %

        endpoints.set_traffic("ct-slots", {"blue": 100})
        answer = endpoints.invoke("ct-slots", BODY)
        assert answer.status == 200 and answer.deployment == "blue"
        payload = answer.json()
        assert payload["model_version"] == harness.ref(1)
        assert len(payload["predictions"]) == 2

        endpoints.create_deployment("ct-slots", "green", model=f"{harness.model}@champion")
        green = endpoints.get_deployment("ct-slots", "green")
        assert green.model == harness.ref(1)
        endpoints.create_deployment("ct-slots", "green", model=harness.ref(2))  # replace
        assert endpoints.get("ct-slots").traffic == {"blue": 100, "green": 0}
        direct = endpoints.invoke("ct-slots", json.dumps(BODY), deployment="green")
        assert direct.status == 200 and direct.json()["model_version"] == harness.ref(2)

        shifted = endpoints.set_traffic("ct-slots", {"blue": 90, "green": 10})
        assert shifted.traffic == {"blue": 90, "green": 10}
        endpoints.set_traffic("ct-slots", {"blue": 100})
        mirrored = endpoints.set_mirror_traffic("ct-slots", {"green": 20})
        assert mirrored.mirror_traffic == {"green": 20} and mirrored.traffic["green"] == 0

        before = endpoints.get("ct-slots")
        bad = [
            ({"blue": 90}, None, "sum to 100"),
            ({"blue": 50, "purple": 50}, None, "not a deployment"),
            ({"blue": 90, "green": 10}, None, "never both"),  # green is mirrored
            ({"blue": 100}, {"green": 60}, "50 %"),
            ({"blue": 100}, {"green": 10, "blue": 10}, "at most one"),
        ]
        for traffic, mirror, message in bad:
            with pytest.raises(UsageError, match=message):
                endpoints.set_traffic("ct-slots", traffic, mirror)
        after = endpoints.get("ct-slots")
        assert (after.traffic, after.mirror_traffic) == (before.traffic, before.mirror_traffic)

        with pytest.raises(UsageError, match="live traffic"):
            endpoints.delete_deployment("ct-slots", "blue")
        with pytest.raises(UsageError, match="mirrored"):
            endpoints.delete_deployment("ct-slots", "green")
        with pytest.raises(UsageError, match="no version 99"):
            endpoints.create_deployment("ct-slots", "green", model=f"{harness.model}:99")
        endpoints.set_mirror_traffic("ct-slots", {"green": 0})
        endpoints.delete_deployment("ct-slots", "green")
        assert endpoints.get("ct-slots").deployments == ("blue",)
        endpoints.delete_deployment("ct-slots", "green")  # already gone
    finally:
        endpoints.delete("ct-slots")


def test_metrics_have_azure_names_and_dimensions(harness: Harness) -> None:
    endpoints = harness.client.endpoints
    endpoints.create("ct-metrics")
    try:
        endpoints.create_deployment("ct-metrics", "blue", model=harness.ref(1))
        endpoints.set_traffic("ct-metrics", {"blue": 100})
        statuses = [endpoints.invoke("ct-metrics", BODY).status for _ in range(5)]
        statuses.append(endpoints.invoke("ct-metrics", b"not json").status)
        assert statuses == [200] * 5 + [400]
        summary = harness.client.metrics.summarize("ct-metrics", window=120)
        blue = summary.deployments["blue"]
        assert blue.by_status_class.get("2xx") == 5 and blue.by_status_class.get("4xx") == 1
        assert blue.errors == 0 and blue.latency_ms["p99"] is not None
        names = {
            (s.name, tuple(sorted(s.dimensions)))
            for s in harness.client.metrics.query("ct-metrics", interval=60)
        }
        assert ("RequestsPerMinute", ("deployment", "statusCodeClass")) in names
        assert ("RequestLatency_P99", ("deployment",)) in names
    finally:
        endpoints.delete("ct-metrics")
