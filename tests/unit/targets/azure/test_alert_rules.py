"""Alert rules rendered as Azure Monitor resources, and comparing them with Azure's copy."""

from __future__ import annotations

import copy
from datetime import timedelta

from mlops_toolkit.alerts.rules import AlertRule
from mlops_toolkit.targets.azure.alert_rules import (
    action_group_short_name,
    canonical,
    error_rate_query,
    render_rule,
)
from mlops_toolkit.targets.azure.connection import WorkspaceCoordinates

COORDS = WorkspaceCoordinates(
    subscription_id="sub",
    resource_group="rg-x",
    workspace="mlw-x",
    location="westeurope",
    application_insights_id="/subscriptions/sub/resourceGroups/rg-x/providers/Microsoft.Insights/components/appi-x",
    log_analytics_workspace_id="/log",
    action_group_id=None,
    action_group_name="ag-x",
    source="config",
)
GROUP = "/subscriptions/sub/resourceGroups/rg-x/providers/Microsoft.Insights/actionGroups/ag-x"


def latency_rule(threshold: float = 800.0) -> dict[str, object]:
    return AlertRule(
        "ep-latency", "ep", "latency_p99_ms", "gt", threshold, description="d"
    ).as_dict()


def test_latency_is_a_metric_alert_on_the_endpoint() -> None:
    kind, resource = render_rule(latency_rule(), enabled=True, coords=COORDS,
                                 action_group_id=GROUP, tags={"a": "b"})  # fmt: skip
    assert kind == "metric"
    assert resource.scopes == [COORDS.endpoint_id("ep")]
    criterion = resource.criteria.all_of[0]
    assert (criterion.metric_name, criterion.threshold) == ("RequestLatency_P99", 800.0)
    assert resource.window_size == timedelta(minutes=5)
    assert resource.tags["managed_by"] == "mlops-toolkit" and resource.tags["a"] == "b"


def test_error_rate_is_a_log_alert_over_the_endpoints_requests() -> None:
    rule = AlertRule("ep-error-rate", "ep", "error_rate_percent", "gt", 2.5, severity=1)
    kind, resource = render_rule(rule.as_dict(), enabled=False, coords=COORDS,
                                 action_group_id=GROUP, tags={})  # fmt: skip
    assert kind == "log" and resource.enabled is False and resource.severity == 1
    assert resource.scopes == [COORDS.application_insights_id]
    condition = resource.criteria.all_of[0]
    assert condition.query == error_rate_query("ep") and condition.threshold == 2.5
    assert 'cloud_RoleName == "ep"' in condition.query


def test_azures_spelling_of_an_unchanged_rule_compares_equal() -> None:
    _, desired = render_rule(latency_rule(), enabled=True, coords=COORDS,
                             action_group_id=GROUP, tags={})  # fmt: skip
    returned = copy.deepcopy(desired)
    returned.location = "Global"
    returned.scopes = [s.lower() for s in desired.scopes]
    returned.criteria.all_of[0].operator = "greaterThan"
    returned.criteria.all_of[0].dimensions = []
    assert canonical("metric", returned) == canonical("metric", desired)


def test_a_changed_threshold_compares_different() -> None:
    _, old = render_rule(latency_rule(800), enabled=True, coords=COORDS, action_group_id=GROUP,
                         tags={})  # fmt: skip
    _, new = render_rule(latency_rule(900), enabled=True, coords=COORDS, action_group_id=GROUP,
                         tags={})  # fmt: skip
    assert canonical("metric", old) != canonical("metric", new)


def test_the_action_group_short_name_matches_terraforms() -> None:
    assert action_group_short_name("mlopstk", "dev") == "mlopstkdev"
    assert action_group_short_name("abcdefgh", "prod") == "abcdefghprod"
    assert len(action_group_short_name("abcdefgh", "test")) == 12
