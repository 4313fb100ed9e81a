"""The config's endpoint alert rules as Azure Monitor resources. Pure.

* ``latency_p99_ms`` becomes a **metric alert** on the endpoint:
  ``RequestLatency_P99`` (average over the window) above the threshold.
* ``error_rate_percent`` becomes a **log search alert** (scheduled query
  rule) on the workspace's Application Insights: metric alerts compare one
  metric with a constant and cannot divide 5xx answers by all answers, while
  every deployment the toolkit creates sends its requests to Application
  Insights (``app_insights_enabled``), whose ``requests`` table has one row
  per scoring request with its result code, and ``cloud_RoleName`` set to
  the endpoint's name (the inference server's service name, which every
  deployment the toolkit creates sets through ``SERVICE_NAME``, see
  ``deployment_spec``).
* The action group (e-mail to ``alerts.action_group_email``) is the one
  Terraform created when the saved outputs name it, else the toolkit's own,
  named and shaped like Terraform's.

``canonical`` reduces a resource (rendered here or read back from Azure) to
the fields the toolkit sets, so an unchanged rule compares equal and is not
written again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mlops_toolkit.targets.azure.connection import WorkspaceCoordinates

ENDPOINT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
TOOLKIT_TAG = ("managed_by", "mlops-toolkit")
SIGNAL_TAG = "mlops.signal"
ENDPOINT_TAG = "mlops.endpoint"
LATENCY_METRIC = "RequestLatency_P99"
ERROR_RATE_COLUMN = "error_rate_percent"


def error_rate_query(endpoint: str) -> str:
    """KQL: the share of 5xx answers of ``endpoint``'s requests, in percent."""
    return (
        "requests\n"
        f'| where cloud_RoleName == "{endpoint}"\n'
        "| summarize total = count(), failed = countif(toint(resultCode) >= 500)\n"
        "| where total > 0\n"
        f"| extend {ERROR_RATE_COLUMN} = 100.0 * failed / total"
    )


def action_group_short_name(namespace: str, environment: str) -> str:
    """As ``terraform/main.tf`` names it: 12 characters at most."""
    return f"{namespace}{environment}"[:12]


def render_action_group(email: str, short_name: str, tags: dict[str, str]) -> Any:
    from azure.mgmt.monitor.models import ActionGroupResource, EmailReceiver

    return ActionGroupResource(
        location="global",
        tags=tags,
        group_short_name=short_name,
        enabled=True,
        email_receivers=[
            EmailReceiver(name="primary", email_address=email, use_common_alert_schema=True)
        ],
    )


def render_rule(
    spec: dict[str, Any],
    *,
    enabled: bool,
    coords: WorkspaceCoordinates,
    action_group_id: str,
    tags: dict[str, str],
) -> tuple[str, Any]:
    """``(kind, resource)`` for one ``AlertRule.as_dict()``: kind ``metric`` or ``log``."""
    endpoint = str(spec["endpoint"])
    signal = str(spec["signal"])
    window = timedelta(minutes=int(spec.get("window_minutes", 5)))
    frequency = timedelta(minutes=int(spec.get("frequency_minutes", 1)))
    operator = {"gt": "GreaterThan", "lt": "LessThan"}[str(spec.get("operator", "gt"))]
    rule_tags = {**tags, TOOLKIT_TAG[0]: TOOLKIT_TAG[1], SIGNAL_TAG: signal, ENDPOINT_TAG: endpoint}
    if signal == "latency_p99_ms":
        from azure.mgmt.monitor.models import (
            MetricAlertAction,
            MetricAlertResource,
            MetricAlertSingleResourceMultipleMetricCriteria,
            MetricCriteria,
        )

        return "metric", MetricAlertResource(
            location="global",
            tags=rule_tags,
            description=str(spec.get("description", "")),
            severity=int(spec.get("severity", 2)),
            enabled=enabled,
            scopes=[coords.endpoint_id(endpoint)],
            evaluation_frequency=frequency,
            window_size=window,
            target_resource_type=ENDPOINT_NAMESPACE,
            target_resource_region=coords.location,
            auto_mitigate=True,
            criteria=MetricAlertSingleResourceMultipleMetricCriteria(
                all_of=[
                    MetricCriteria(
                        name="p99-latency",
                        metric_name=LATENCY_METRIC,
                        metric_namespace=ENDPOINT_NAMESPACE,
                        time_aggregation="Average",
                        operator=operator,
                        threshold=float(spec["threshold"]),
                    )
                ]
            ),
            actions=[MetricAlertAction(action_group_id=action_group_id)],
        )
    if signal == "error_rate_percent":
        from azure.mgmt.monitor.models import (
            Actions,
            Condition,
            ConditionFailingPeriods,
            ScheduledQueryRuleCriteria,
            ScheduledQueryRuleResource,
        )

        return "log", ScheduledQueryRuleResource(
            location=coords.location,
            tags=rule_tags,
            kind="LogAlert",
            description=str(spec.get("description", "")),
            display_name=str(spec.get("name", "")),
            severity=int(spec.get("severity", 2)),
            enabled=enabled,
            scopes=[coords.application_insights_id],
            evaluation_frequency=frequency,
            window_size=window,
            auto_mitigate=True,
            criteria=ScheduledQueryRuleCriteria(
                all_of=[
                    Condition(
                        query=error_rate_query(endpoint),
                        time_aggregation="Maximum",
                        metric_measure_column=ERROR_RATE_COLUMN,
                        operator=operator,
                        threshold=float(spec["threshold"]),
                        failing_periods=ConditionFailingPeriods(
                            number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                        ),
                    )
                ]
            ),
            actions=Actions(action_groups=[action_group_id]),
        )
    raise ValueError(f"unknown alert signal {signal!r}")


#: The fields the toolkit sets, per kind (what ``canonical`` compares).
FIELDS = {
    "metric": ("location", "tags", "description", "severity", "enabled", "scopes",
               "evaluation_frequency", "window_size", "target_resource_type",
               "auto_mitigate", "criteria", "actions"),
    "log": ("location", "tags", "kind", "description", "display_name", "severity", "enabled",
            "scopes", "evaluation_frequency", "window_size", "auto_mitigate", "criteria",
            "actions"),
    "action_group": ("location", "tags", "group_short_name", "enabled", "email_receivers"),
}  # fmt: skip


def canonical(kind: str, resource: Any) -> dict[str, Any]:
    """The toolkit's fields of ``resource`` with Azure's spelling differences removed
    (case of ids, locations and enums; empty values). Pure."""
    return {name: _normal(getattr(resource, name, None)) for name in FIELDS[kind]}


def _normal(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        cleaned = {str(k): _normal(v) for k, v in value.items()}
        return {k: v for k, v in sorted(cleaned.items()) if v not in (None, [], {}, "")}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, str):
        text = value.strip()
        return text.lower() if text.startswith("/subscriptions/") or " " not in text else text
    return value
