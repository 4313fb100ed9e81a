"""Deployments, scoring and metrics on the azure target, as the fake received them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from mlops_toolkit import MLOpsClient
from tests.fake_arm import FakeArm
from tests.fake_arm.state import ScoringRecord
from tests.integration.azure.conftest import Workspace

EP = "ep-serve"
BODY = {"inputs": ["brass fitting, CuZn39Pb3, 2.5 % Pb"]}


@pytest.fixture(scope="module")
def serving(shared: Workspace) -> Iterator[Workspace]:
    shared.client.endpoints.create(EP)
    shared.client.endpoints.create_deployment(EP, "blue", model="contract-model:1")
    shared.client.endpoints.set_traffic(EP, {"blue": 100})
    yield shared
    shared.client.endpoints.delete(EP)


def test_the_deployment_body_has_app_insights_data_collection_probes_and_settings(
    serving: Workspace,
) -> None:
    arm = serving.arm
    (put,) = arm.arm_requests("PUT", f"/onlineEndpoints/{EP}/deployments/blue")
    config = serving.client.config.endpoints
    body = put.json
    properties = body["properties"]
    assert properties["endpointComputeType"] == "Managed"
    assert properties["appInsightsEnabled"] is True
    collections = properties["dataCollector"]["collections"]
    assert set(collections) == {"model_inputs", "model_outputs"}
    assert all(c["dataCollectionMode"] == "enabled" for c in collections.values())
    assert properties["instanceType"] == config.instance_type
    assert body["sku"]["capacity"] == config.instance_count
    assert properties["requestSettings"] == {
        "requestTimeout": f"PT{config.request_timeout_ms // 1000}S",
        "maxConcurrentRequestsPerInstance": 1,
        "maxQueueWait": "PT0.5S",
    }
    for probe in ("livenessProbe", "readinessProbe"):
        assert set(properties[probe]) == {
            "initialDelay", "period", "timeout", "failureThreshold"
        }  # fmt: skip
    assert properties["environmentVariables"]["SERVICE_NAME"] == EP
    assert properties["model"].endswith("/models/contract-model/versions/1")
    assert properties["environmentId"].endswith("/environments/compliance-nlp-env/versions/1")
    assert properties["codeConfiguration"]["scoringScript"] == "score.py"
    code = arm.state.get(properties["codeConfiguration"]["codeId"])
    assert code is not None  # the scoring code was uploaded and registered first
    uploaded = {name.rsplit("/", 1)[-1] for (_a, _c, name) in arm.state.blobs}
    assert {"score.py", "modeling.py"} <= uploaded
    assert body["tags"]["managed_by"] == "mlops-toolkit"
    for name in ("model_inputs", "model_outputs"):  # the collection's data assets
        assert arm.arm_requests("PUT", f"/data/{EP}-blue-{name}/versions/")


def test_scoring_goes_through_the_endpoint_key_and_names_the_deployment(
    serving: Workspace,
) -> None:
    client = serving.client
    answer = client.endpoints.invoke(EP, BODY)
    assert answer.status == 200 and answer.deployment == "blue"
    assert answer.json()["model_version"] == "contract-model:1"
    direct = client.endpoints.invoke(EP, BODY, deployment="blue")
    assert direct.status == 200 and direct.deployment == "blue"
    keys = client.endpoints.get_credentials(EP)
    scored = [r for r in serving.arm.requests if r.path == "/score"]
    assert scored and all(
        r.headers["authorization"] == f"Bearer {keys.primary_key}" for r in scored
    )
    assert scored[-1].headers["azureml-model-deployment"] == "blue"
    assert "primary_key=***" in repr(keys)


def test_keys_regenerated_elsewhere_are_read_again(serving: Workspace) -> None:
    client, arm = serving.client, serving.arm
    client.endpoints.invoke(EP, BODY)  # keys read and kept
    old = client.endpoints.get_credentials(EP).primary_key
    stored = arm.state.resources[f"{arm.workspace_id}/onlineEndpoints/{EP}".lower()]
    stored["_keys"] = ["rotated-primary", "rotated-secondary"]
    mark = arm.mark()
    answer = client.endpoints.invoke(EP, BODY)
    assert answer.status == 200
    scored = [r.headers["authorization"] for r in arm.since(mark) if r.path == "/score"]
    assert scored == [f"Bearer {old}", "Bearer rotated-primary"]  # 401, then read again


def test_an_answer_with_an_error_status_is_a_result(serving: Workspace) -> None:
    answer = serving.client.endpoints.invoke(EP, b"not json")
    assert answer.status == 400 and answer.deployment == "blue"


def test_deployment_logs(serving: Workspace) -> None:
    text = serving.client.endpoints.logs(EP, "blue", lines=5)
    assert "POST /score" in text and len(text.strip().splitlines()) <= 5


def test_request_metrics_are_per_minute_rates_per_deployment_and_status(
    serving: Workspace,
) -> None:
    arm: FakeArm = serving.arm
    start = float(int(time.time()) // 60 * 60 - 600)  # Azure's grains start on the minute
    records = [ScoringRecord(start + 30 + i, EP, "blue", 200, 40.0 + i) for i in range(6)]
    records += [ScoringRecord(start + 95, EP, "blue", 503, 900.0)]
    records += [ScoringRecord(start + 200, EP, "green", 200, 10.0)]
    arm.state.scoring.extend(records)
    series = serving.client.metrics.query(EP, start=start, end=start + 180, interval=60)
    by_key = {(s.name, tuple(sorted(s.dimensions.items()))): s for s in series}
    ok = by_key[("RequestsPerMinute", (("deployment", "blue"), ("statusCodeClass", "2xx")))]
    failed = by_key[("RequestsPerMinute", (("deployment", "blue"), ("statusCodeClass", "5xx")))]
    assert [v for _, v in ok.points] == [6.0, 0.0, 0.0]
    assert [v for _, v in failed.points] == [0.0, 1.0, 0.0]
    p99 = by_key[("RequestLatency_P99", (("deployment", "blue"),))]
    assert p99.points[0][1] == 45.0 and p99.points[1][1] == 900.0 and p99.points[2][1] is None
    assert all(s.dimensions.get("deployment") != "green" for s in series)  # after the window
    summary = serving.client.metrics.summarize(EP, window=180, end=start + 180)
    assert summary.deployments["blue"].requests == 7
    assert summary.deployments["blue"].errors == 1


def test_utilisation_metrics_come_from_each_deployment(serving: Workspace) -> None:
    series = serving.client.metrics.query(
        EP, interval=300, names=("CpuUtilizationPercentage", "GpuUtilizationPercentage")
    )
    cpu = [s for s in series if s.name == "CpuUtilizationPercentage"]
    assert [s.dimensions["deployment"] for s in cpu] == ["blue"]
    assert all(v is not None and 0 <= v <= 100 for _, v in cpu[0].points if v is not None)
    assert not [s for s in series if s.name == "GpuUtilizationPercentage"]  # a CPU instance
    metric_calls = [r for r in serving.arm.requests if r.path.endswith("/metrics")]
    resource = metric_calls[-1].path.removesuffix("/providers/Microsoft.Insights/metrics")
    assert resource.endswith(f"/onlineEndpoints/{EP}/deployments/blue")
    assert metric_calls[-1].query["interval"] == "PT5M"


def test_scoring_without_live_traffic_answers_404(serving: Workspace) -> None:
    client: MLOpsClient = serving.client
    client.endpoints.set_traffic(EP, {"blue": 0})
    try:
        assert client.endpoints.invoke(EP, BODY).status == 404
        assert client.endpoints.invoke(EP, BODY, deployment="blue").status == 200
    finally:
        client.endpoints.set_traffic(EP, {"blue": 100})
