"""Endpoint alert rules in Azure Monitor: what is written, and that a re-apply writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from mlops_toolkit import MLOpsClient
from tests.fake_arm import FakeArm
from tests.integration.azure.conftest import client_for

EP = "ep-watched"


def test_apply_writes_the_action_group_and_both_rules_then_nothing(
    client: MLOpsClient, arm: FakeArm
) -> None:
    assert set(client.alerts.apply(EP)) == {f"{EP}-latency", f"{EP}-error-rate"}
    puts = {r.path.rsplit("/", 2)[-2] + "/" + r.path.rsplit("/", 1)[-1]: r
            for r in arm.arm_requests("PUT")}  # fmt: skip
    names = client.config.names
    group = puts[f"actionGroups/{names.action_group}"].json
    assert group["location"] == "global"
    assert group["properties"]["groupShortName"] == "mlopstkdev"
    assert group["properties"]["emailReceivers"] == [
        {"name": "primary", "emailAddress": "mlops-dev@example.com", "useCommonAlertSchema": True}
    ]
    group_id = arm.state.children(
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        "/providers/Microsoft.Insights/actionGroups"
    )[0]["id"]

    latency = puts[f"metricAlerts/{EP}-latency"].json["properties"]
    assert latency["scopes"] == [f"{arm.workspace_id}/onlineEndpoints/{EP}"]
    (criterion,) = latency["criteria"]["allOf"]
    assert latency["criteria"]["odata.type"].endswith("SingleResourceMultipleMetricCriteria")
    assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == (
        "RequestLatency_P99", "GreaterThan", 1000.0
    )  # fmt: skip
    assert criterion["timeAggregation"] == "Average"
    assert (latency["windowSize"], latency["evaluationFrequency"]) == ("PT5M", "PT1M")
    assert latency["actions"] == [{"actionGroupId": group_id}]

    errors = puts[f"scheduledQueryRules/{EP}-error-rate"].json
    assert errors["kind"] == "LogAlert"
    properties = errors["properties"]
    assert properties["scopes"] == [
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        f"/providers/Microsoft.Insights/components/{names.application_insights}"
    ]
    (condition,) = properties["criteria"]["allOf"]
    assert f'cloud_RoleName == "{EP}"' in condition["query"]
    assert "resultCode" in condition["query"]
    assert (condition["operator"], condition["threshold"]) == ("GreaterThan", 5.0)
    assert condition["metricMeasureColumn"] == "error_rate_percent"
    assert properties["actions"]["actionGroups"] == [group_id]

    mark = arm.mark()
    assert client.alerts.apply(EP) == ()
    assert arm.writes(mark) == []  # reads only
    assert {r.method for r in arm.since(mark)} == {"GET"}


def test_a_changed_threshold_rewrites_only_that_rule(
    client: MLOpsClient, arm: FakeArm, project: Path
) -> None:
    client.alerts.apply(EP)
    config = project / "config-infra-dev.yml"
    config.write_text(
        config.read_text().replace(
            "endpoint_latency_ms_threshold: 1000", "endpoint_latency_ms_threshold: 750"
        ),
        encoding="utf-8",
    )
    with client_for(project, arm) as changed:
        mark = arm.mark()
        assert changed.alerts.apply(EP) == (f"{EP}-latency",)
        (put,) = arm.writes(mark)
    assert put.path.endswith(f"/metricAlerts/{EP}-latency")
    assert put.json["properties"]["criteria"]["allOf"][0]["threshold"] == 750.0


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
                "outputs": {
                    "subscription_id": arm.subscription_id,
                    "resource_group_name": arm.resource_group,
                    "workspace_name": arm.workspace,
                    "location": "westeurope",
                    "action_group_id": terraform_group,
                }
            }
        ),
        encoding="utf-8",
    )
    with client_for(project, arm) as client:
        client.alerts.apply(EP)
    assert not arm.arm_requests("PUT", "/actionGroups/")
    (latency,) = arm.arm_requests("PUT", "/metricAlerts/")
    assert latency.json["properties"]["actions"] == [{"actionGroupId": terraform_group}]


def test_rules_are_listed_and_deleted(client: MLOpsClient, arm: FakeArm) -> None:
    client.alerts.apply(EP)
    listed = {rule.name: rule for rule in client.alerts.list()}
    assert set(listed) == {f"{EP}-latency", f"{EP}-error-rate"}
    latency = listed[f"{EP}-latency"]
    assert latency.enabled and latency.severity == 2
    assert latency.spec["endpoint"] == EP and latency.spec["signal"] == "latency_p99_ms"
    assert latency.spec["threshold"] == 1000.0
    assert listed[f"{EP}-error-rate"].spec["azure_kind"] == "log search alert"
    client.alerts.delete(f"{EP}-error-rate")
    client.alerts.delete(f"{EP}-error-rate")  # already gone
    assert {r.name for r in client.alerts.list()} == {f"{EP}-latency"}
    assert not arm.state.children(
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        "/providers/Microsoft.Insights/scheduledQueryRules"
    )


def test_disabled_alerts_send_nothing(project: Path, arm: FakeArm) -> None:
    config = project / "config-infra-dev.yml"
    text = config.read_text()
    assert "alerts:\n  enabled: true" in text
    config.write_text(text.replace("alerts:\n  enabled: true", "alerts:\n  enabled: false"))
    with client_for(project, arm) as client:
        assert client.alerts.apply(EP) == ()
    assert arm.requests == []
