"""Endpoint alert rules in Azure Monitor and the drift rule's Azure ML model monitor: what is
written, and that a re-apply writes nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_toolkit import BackendError, MLOpsClient, NotFoundError, UsageError
from mlops_toolkit.targets.azure.monitor_schedule import share_change_to_js
from tests.contract.azure_harness import prepare_workspace
from tests.fake_arm import FakeArm, RecordedRequest
from tests.integration.azure.conftest import client_for

EP = "ep-watched"


def configure(project: Path, **alerts: Any) -> None:
    """Change keys of the ``alerts`` section of the project's dev config."""
    config = project / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["alerts"].update(alerts)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


def deploy(client: MLOpsClient, slot: str = "blue") -> None:
    """The workspace prepared, ``EP`` with ``slot`` serving contract-model:1 at 100 %."""
    if not client.models.list("contract-model"):
        prepare_workspace(client)
    if EP not in {e.name for e in client.endpoints.list()}:
        client.endpoints.create(EP)
    client.endpoints.create_deployment(EP, slot, model="contract-model:1")
    client.endpoints.set_traffic(EP, {slot: 100})


def puts(arm: FakeArm, mark: int = 0) -> dict[str, RecordedRequest]:
    """PUTs since ``mark`` by ``<collection>/<name>``."""
    return {r.path.rsplit("/", 2)[-2] + "/" + r.path.rsplit("/", 1)[-1]: r
            for r in arm.since(mark) if r.method == "PUT"}  # fmt: skip


@pytest.fixture
def watched(project: Path, arm: FakeArm) -> Iterator[MLOpsClient]:
    """A client of a config with a no-traffic rule and a webhook, ``EP`` deployed."""
    configure(project, endpoint_no_traffic_minutes=15, webhook_url="https://hooks.example.com/a")
    with client_for(project, arm) as client:
        deploy(client)
        yield client


def test_apply_writes_the_action_group_every_rule_and_the_monitor_then_nothing(
    watched: MLOpsClient, arm: FakeArm
) -> None:
    mark = arm.mark()
    written = watched.alerts.apply(EP)
    assert set(written) == {f"{EP}-latency", f"{EP}-error-rate", f"{EP}-no-traffic", f"{EP}-drift"}
    sent = puts(arm, mark)
    names = watched.config.names
    group = sent[f"actionGroups/{names.action_group}"].json["properties"]
    assert group["groupShortName"] == "mlopstkdev"
    assert group["emailReceivers"] == [
        {"name": "primary", "emailAddress": "mlops-dev@example.com", "useCommonAlertSchema": True}
    ]
    assert group["webhookReceivers"] == [
        {"name": "webhook", "serviceUri": "https://hooks.example.com/a",
         "useCommonAlertSchema": True, "useAadAuth": False}
    ]  # fmt: skip
    group_id = arm.state.children(
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        "/providers/Microsoft.Insights/actionGroups"
    )[0]["id"]

    latency = sent[f"metricAlerts/{EP}-latency"].json["properties"]
    assert latency["scopes"] == [f"{arm.workspace_id}/onlineEndpoints/{EP}"]
    (criterion,) = latency["criteria"]["allOf"]
    assert latency["criteria"]["odata.type"].endswith("SingleResourceMultipleMetricCriteria")
    assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == (
        "RequestLatency_P99", "GreaterThan", 1000.0
    )  # fmt: skip
    assert criterion["timeAggregation"] == "Average"
    assert (latency["windowSize"], latency["evaluationFrequency"]) == ("PT5M", "PT1M")
    assert latency["actions"] == [{"actionGroupId": group_id}]

    insights = (
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        f"/providers/Microsoft.Insights/components/{names.application_insights}"
    )
    errors = sent[f"scheduledQueryRules/{EP}-error-rate"].json
    assert errors["kind"] == "LogAlert"
    properties = errors["properties"]
    assert properties["scopes"] == [insights]
    (condition,) = properties["criteria"]["allOf"]
    assert f'cloud_RoleName == "{EP}"' in condition["query"]
    assert "resultCode" in condition["query"]
    assert (condition["operator"], condition["threshold"]) == ("GreaterThan", 5.0)
    assert condition["metricMeasureColumn"] == "error_rate_percent"
    assert properties["actions"]["actionGroups"] == [group_id]

    quiet = sent[f"scheduledQueryRules/{EP}-no-traffic"].json["properties"]
    assert quiet["scopes"] == [insights]
    (condition,) = quiet["criteria"]["allOf"]
    assert condition["query"].endswith("| summarize requests = count()")
    assert f'cloud_RoleName == "{EP}"' in condition["query"]
    assert (condition["timeAggregation"], condition["metricMeasureColumn"]) == ("Total", "requests")
    assert (condition["operator"], condition["threshold"]) == ("LessThan", 1.0)
    assert (quiet["windowSize"], quiet["evaluationFrequency"]) == ("PT15M", "PT1M")
    assert quiet["actions"]["actionGroups"] == [group_id]

    monitor = sent[f"schedules/{EP}-drift"].json["properties"]
    assert monitor["trigger"] == {"triggerType": "Cron", "expression": "0 * * * *",
                                  "timeZone": "UTC"}  # fmt: skip
    definition = monitor["action"]["monitorDefinition"]
    assert monitor["action"]["actionType"] == "CreateMonitor"
    deployment = f"{arm.workspace_id}/onlineEndpoints/{EP}/deployments/blue"
    assert definition["monitoringTarget"] == {"taskType": "classification",
                                              "deploymentId": deployment}  # fmt: skip
    assert definition["computeConfiguration"]["computeType"] == "ServerlessSpark"
    assert definition["alertNotificationSetting"]["emailNotificationSetting"]["emails"] == [
        "mlops-dev@example.com"
    ]
    signals = definition["signals"]
    assert set(signals) == {"prediction_share", "input_quality"}
    share, quality = signals["prediction_share"], signals["input_quality"]
    assert share["signalType"] == "PredictionDrift" and quality["signalType"] == "DataQuality"
    assert share["metricThresholds"] == [
        {"metric": "jensenShannonDistance", "threshold": {"value": share_change_to_js(0.15)},
         "dataType": "Categorical"}
    ]  # fmt: skip
    assert {(t["metric"], t["threshold"]["value"]) for t in quality["metricThresholds"]} == {
        ("nullValueRate", 0.01), ("dataTypeErrorRate", 0.02)
    }  # fmt: skip
    assert quality["features"] == {"features": ["description"], "filterType": "FeatureSubset"}
    data = f"{arm.workspace_id}/data/{EP}-blue-model_outputs/versions/1"
    assert share["productionData"]["uri"] == share["referenceData"]["uri"] == data
    assert quality["productionData"]["uri"] == data.replace("outputs", "inputs")
    assert (share["productionData"]["windowSize"], share["productionData"]["windowOffset"]) == (
        "PT1H", "P0D"
    )  # fmt: skip
    reference = share["referenceData"]
    assert reference["inputDataType"] == "Static"
    assert reference["windowStart"] < reference["windowEnd"]

    mark = arm.mark()
    assert watched.alerts.apply(EP) == ()
    assert arm.writes(mark) == []  # reads only
    assert {r.method for r in arm.since(mark)} == {"GET"}


def test_changed_thresholds_rewrite_only_their_rules(
    watched: MLOpsClient, arm: FakeArm, project: Path
) -> None:
    watched.alerts.apply(EP)
    configure(project, endpoint_latency_ms_threshold=750)
    config = project / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.setdefault("monitoring", {}).setdefault("drift", {})["thresholds"] = {"empty": 0.05}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with client_for(project, arm) as changed:
        mark = arm.mark()
        assert set(changed.alerts.apply(EP)) == {f"{EP}-latency", f"{EP}-drift"}
        written = puts(arm, mark)
    assert set(written) == {f"metricAlerts/{EP}-latency", f"schedules/{EP}-drift"}
    latency = written[f"metricAlerts/{EP}-latency"].json["properties"]
    assert latency["criteria"]["allOf"][0]["threshold"] == 750.0
    quality = written[f"schedules/{EP}-drift"].json["properties"]["action"]["monitorDefinition"][
        "signals"]["input_quality"]  # fmt: skip
    assert ("nullValueRate", 0.05) in {
        (t["metric"], t["threshold"]["value"]) for t in quality["metricThresholds"]
    }


def test_the_monitor_follows_live_traffic_to_the_other_slot(
    watched: MLOpsClient, arm: FakeArm
) -> None:
    watched.alerts.apply(EP)
    watched.endpoints.create_deployment(EP, "green", model="contract-model:2")
    watched.endpoints.set_traffic(EP, {"blue": 0, "green": 100})
    mark = arm.mark()
    assert watched.alerts.apply(EP) == (f"{EP}-drift",)
    (written,) = puts(arm, mark).values()
    target = written.json["properties"]["action"]["monitorDefinition"]["monitoringTarget"]
    assert target["deploymentId"].endswith(f"/onlineEndpoints/{EP}/deployments/green")
    drift = {r.name: r for r in watched.alerts.list()}[f"{EP}-drift"]
    assert drift.spec["deployment"] == "green"


def test_a_drift_rule_without_a_live_deployment_stops_before_any_write(
    client: MLOpsClient, arm: FakeArm
) -> None:
    with pytest.raises(NotFoundError, match=EP):
        client.alerts.apply(EP)
    client.endpoints.create(EP)
    mark = arm.mark()
    with pytest.raises(UsageError, match="no live traffic") as info:
        client.alerts.apply(EP)
    assert info.value.exit_code == 2
    assert "alerts.endpoint_drift: false" in str(info.value.hint)
    assert arm.writes(mark) == []


def test_the_action_group_terraform_created_is_used_and_never_written(
    project: Path, arm: FakeArm
) -> None:
    terraform_group = (
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        "/providers/Microsoft.Insights/actionGroups/ag-from-terraform"
    )
    state = project / ".mlops" / "dev"
    state.mkdir(parents=True)
    (state / "outputs.json").write_text(
        json.dumps(
            {
                "environment": "dev",
                "applied_at": "2026-11-23T00:00:00+00:00",
                "outputs": {
                    "subscription_id": arm.subscription_id,
                    "resource_group_name": arm.resource_group,
                    "workspace_name": arm.workspace,
                    "location": "westeurope",
                    "action_group_id": terraform_group,
                },
            }
        ),
        encoding="utf-8",
    )
    configure(project, endpoint_drift=False)
    with client_for(project, arm) as client:
        client.alerts.apply(EP)
    assert not arm.arm_requests("PUT", "/actionGroups/")
    (latency,) = arm.arm_requests("PUT", "/metricAlerts/")
    assert latency.json["properties"]["actions"] == [{"actionGroupId": terraform_group}]


def test_rules_and_the_monitor_are_listed_and_deleted(watched: MLOpsClient, arm: FakeArm) -> None:
    watched.alerts.apply(EP)
    listed = {rule.name: rule for rule in watched.alerts.list()}
    assert set(listed) == {f"{EP}-latency", f"{EP}-error-rate", f"{EP}-no-traffic", f"{EP}-drift"}
    latency = listed[f"{EP}-latency"]
    assert latency.enabled and latency.severity == 2
    assert latency.spec["endpoint"] == EP and latency.spec["signal"] == "latency_p99_ms"
    assert latency.spec["threshold"] == 1000.0
    assert listed[f"{EP}-error-rate"].spec["azure_kind"] == "log search alert"
    assert listed[f"{EP}-no-traffic"].spec["operator"] == "lt"
    drift = listed[f"{EP}-drift"]
    assert drift.spec["azure_kind"] == "Azure ML model monitor"
    assert drift.spec["azure_thresholds"]["input_quality.null_value_rate"] == 0.01
    for name in (f"{EP}-error-rate", f"{EP}-drift"):
        watched.alerts.delete(name)
        watched.alerts.delete(name)  # already gone
    assert {r.name for r in watched.alerts.list()} == {f"{EP}-latency", f"{EP}-no-traffic"}
    assert not arm.state.children(f"{arm.workspace_id}/schedules")


def test_disabled_alerts_send_nothing(project: Path, arm: FakeArm) -> None:
    configure(project, enabled=False)
    with client_for(project, arm) as client:
        assert client.alerts.apply(EP) == ()
    assert arm.requests == []


# ---------------------------------------------------------------------- test notification


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_a_test_notification_goes_through_the_action_group(
    project: Path, arm: FakeArm, hook: str
) -> None:
    configure(project, webhook_url=hook)
    with client_for(project, arm) as client:
        reached = client.alerts.test()
        assert reached == ("e-mail mlops-dev@example.com", f"webhook {hook}")
        (request,) = arm.arm_requests("POST", "/createNotifications")
        body = request.json
        assert body["alertType"] == "metricstaticthreshold"
        assert [r["emailAddress"] for r in body["emailReceivers"]] == ["mlops-dev@example.com"]
        assert [r["serviceUri"] for r in body["webhookReceivers"]] == [hook]
        (delivered,) = _Hook.received
        assert delivered["schemaId"] == "azureMonitorCommonAlertSchema"

        _Hook.status = 500
        with pytest.raises(BackendError, match=f"webhook {hook}: Failed HTTP 500"):
            client.alerts.test()
