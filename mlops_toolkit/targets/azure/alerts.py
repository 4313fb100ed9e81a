"""Endpoint alert rules and their action group in Azure Monitor (``azure-mgmt-monitor``).

``apply_rules`` renders each rule (``alert_rules``), reads what Azure holds
and writes only what differs, so a second apply with an unchanged config
sends no PUT. Rules live in the environment's resource group, tagged
``managed_by: mlops-toolkit``; ``list_rules`` shows those, ``delete_rule``
removes one (whichever kind it is) and succeeds when it is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import NotFoundError
from mlops_toolkit.targets.azure.alert_rules import (
    ENDPOINT_TAG,
    LATENCY_METRIC,
    SIGNAL_TAG,
    TOOLKIT_TAG,
    action_group_short_name,
    canonical,
    render_action_group,
    render_rule,
)
from mlops_toolkit.targets.azure.sdk_errors import calling
from mlops_toolkit.targets.base import AlertRuleState

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget


class AzureAlerts:
    """``AlertOperations`` on Azure Monitor. Every method blocks on a few requests."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    @property
    def _monitor(self) -> Any:
        return self._target.connection.monitor_client

    @property
    def _group(self) -> str:
        return self._target.connection.coordinates.resource_group

    def _operations(self, kind: str) -> Any:
        return (
            self._monitor.metric_alerts if kind == "metric" else self._monitor.scheduled_query_rules
        )

    def _read(self, kind: str, name: str) -> Any | None:
        try:
            with calling(f"alert rule {name!r}"):
                return self._operations(kind).get(self._group, name)
        except NotFoundError:
            return None

    # ------------------------------------------------------------------ action group

    def ensure_action_group(self) -> tuple[str, bool]:
        """``(id, written)`` of the action group rules notify. Terraform's when the saved
        outputs name one (never written here); else the toolkit's, created or updated
        only when it differs from the config."""
        coords = self._target.connection.coordinates
        if coords.action_group_id:
            return coords.action_group_id, False
        config = self._target.config
        desired = render_action_group(
            config.alerts.action_group_email,
            action_group_short_name(config.namespace, config.environment),
            {**config.merged_tags},
        )
        name = coords.action_group_name
        what = f"action group {name!r}"
        try:
            with calling(what):
                current = self._monitor.action_groups.get(self._group, name)
        except NotFoundError:
            current = None
        if current is not None and canonical("action_group", current) == canonical(
            "action_group", desired
        ):
            return str(current.id), False
        with calling(what):
            created = self._monitor.action_groups.create_or_update(self._group, name, desired)
        return str(created.id), True

    # ------------------------------------------------------------------ rules

    def apply_rules(self, rules: tuple[AlertRuleState, ...]) -> tuple[str, ...]:
        """Create or update ``rules``; returns the names written (empty when nothing
        changed). Idempotent. Deletes nothing."""
        if not rules:
            return ()
        coords = self._target.connection.coordinates
        action_group, _ = self.ensure_action_group()
        tags = {**self._target.config.merged_tags}
        written: list[str] = []
        for rule in rules:
            kind, desired = render_rule(
                dict(rule.spec),
                enabled=rule.enabled,
                coords=coords,
                action_group_id=action_group,
                tags=tags,
            )
            current = self._read(kind, rule.name)
            if current is not None and canonical(kind, current) == canonical(kind, desired):
                continue
            with calling(f"alert rule {rule.name!r}"):
                self._operations(kind).create_or_update(self._group, rule.name, desired)
            written.append(rule.name)
        return tuple(written)

    def list_rules(self) -> tuple[AlertRuleState, ...]:
        """The toolkit's rules in the resource group, by name."""
        found: list[AlertRuleState] = []
        with calling(f"alert rules of resource group {self._group!r}"):
            metric = list(self._monitor.metric_alerts.list_by_resource_group(self._group))
            logs = list(self._monitor.scheduled_query_rules.list_by_resource_group(self._group))
        for resource in [*metric, *logs]:
            tags = resource.tags or {}
            if tags.get(TOOLKIT_TAG[0]) != TOOLKIT_TAG[1] or SIGNAL_TAG not in tags:
                continue
            found.append(_state(resource))
        return tuple(sorted(found, key=lambda r: r.name))

    def delete_rule(self, name: str) -> None:
        """Delete rule ``name`` (metric or log alert); succeeds when it is already gone."""
        with calling(f"alert rule {name!r}"):
            self._monitor.metric_alerts.delete(self._group, name)
            self._monitor.scheduled_query_rules.delete(self._group, name)


def _state(resource: Any) -> AlertRuleState:
    """The toolkit's view of a rule read from Azure (its spec from the resource). Pure."""
    tags = resource.tags or {}
    criteria = (
        resource.criteria.all_of[0] if resource.criteria and resource.criteria.all_of else None
    )
    threshold = float(getattr(criteria, "threshold", 0.0) or 0.0)
    operator = str(getattr(criteria, "operator", "GreaterThan"))
    window = resource.window_size.total_seconds() / 60 if resource.window_size else 5
    frequency = (
        resource.evaluation_frequency.total_seconds() / 60 if resource.evaluation_frequency else 1
    )
    spec = {
        "name": resource.name,
        "endpoint": tags.get(ENDPOINT_TAG, ""),
        "signal": tags.get(SIGNAL_TAG, ""),
        "operator": "lt" if operator.lower().startswith("less") else "gt",
        "threshold": threshold,
        "window_minutes": int(window),
        "frequency_minutes": int(frequency),
        "severity": int(resource.severity or 0),
        "description": resource.description or "",
        "azure_kind": "metric alert"
        if getattr(criteria, "metric_name", None) == LATENCY_METRIC
        else "log search alert",
    }
    return AlertRuleState(
        name=str(resource.name),
        description=str(resource.description or ""),
        enabled=bool(resource.enabled),
        severity=int(resource.severity or 0),
        spec=spec,
    )
