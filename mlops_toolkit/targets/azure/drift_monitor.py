"""The drift alert rule of an endpoint as an Azure ML model monitor in the workspace.

``plan`` reads the endpoint (its live deployment: the one with the most
traffic) and that deployment (the data assets its collector writes, the day
it last changed) and renders the monitor (``monitor_schedule``); nothing is
written. ``apply`` compares the rendered schedule with the one Azure holds
and writes it only when they differ, so a second apply sends no write. The
monitor watches one deployment: after a swap moves live traffic, applying
the rules again moves it to the new live deployment.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.targets.azure.alert_rules import ENDPOINT_TAG, SIGNAL_TAG, TOOLKIT_TAG
from mlops_toolkit.targets.azure.monitor_schedule import (
    DRIFT_SIGNAL,
    MonitorPlan,
    build_monitor_schedule,
    canonical_schedule,
    plan_monitor,
)
from mlops_toolkit.targets.azure.sdk_errors import calling, wait
from mlops_toolkit.targets.base import AlertRuleState

#: ``list_view_type`` of every schedule, enabled or not (Azure's ``ScheduleListViewType``).
ALL_SCHEDULES: Any = "All"

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

DEPLOYMENT_TAG = "mlops.deployment"
COLLECTIONS = ("model_inputs", "model_outputs")


def live_deployment(traffic: dict[str, int]) -> str | None:
    """The deployment with the most live traffic (ties: the first name), or None. Pure."""
    live = sorted(((-share, name) for name, share in traffic.items() if share > 0))
    return live[0][1] if live else None


class AzureDriftMonitor:
    """Model monitors of the toolkit's drift rules. Every method blocks on a few requests."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    def plan(self, spec: dict[str, Any], *, enabled: bool) -> MonitorPlan:
        """The monitor of drift rule ``spec`` on the endpoint's live deployment. Reads only.

        Raises ``NotFoundError`` when the endpoint does not exist, ``UsageError`` when
        it has no live traffic or its live deployment collects no inputs and outputs.
        """
        endpoint = str(spec["endpoint"])
        info = self._target.endpoints.get_endpoint(endpoint)
        deployment = live_deployment(dict(info.traffic))
        rule = str(spec["name"])
        if deployment is None:
            raise UsageError(
                f"endpoint: {endpoint!r} sends no live traffic to any deployment, and the drift "
                f"rule {rule!r} (an Azure ML model monitor) watches the live deployment",
                hint="Deploy and set traffic first, then apply the rules again; or set "
                "alerts.endpoint_drift: false.",
            )
        what = f"deployment {deployment!r} of endpoint {endpoint!r}"
        with calling(what):
            found = self._ml.online_deployments.get(name=deployment, endpoint_name=endpoint)
        collector = getattr(found, "data_collector", None)
        collections: dict[str, str] = {}
        for name in COLLECTIONS:
            collection = (getattr(collector, "collections", None) or {}).get(name)
            data_id = getattr(collection, "data", None)
            if collection is None or str(collection.enabled).lower() != "true" or not data_id:
                raise UsageError(
                    f"endpoint: {what} does not collect {name}; the drift rule {rule!r} "
                    "needs the data collector's inputs and outputs",
                    hint="Deploy with data collection on (the toolkit's default), then "
                    "apply the rules again.",
                )
            collections[name] = str(data_id).removeprefix("azureml:")
        coords = self._target.connection.coordinates
        config = self._target.config
        tags = {
            **config.merged_tags,
            TOOLKIT_TAG[0]: TOOLKIT_TAG[1],
            SIGNAL_TAG: DRIFT_SIGNAL,
            ENDPOINT_TAG: endpoint,
            DEPLOYMENT_TAG: deployment,
        }
        return plan_monitor(
            spec,
            enabled=enabled,
            deployment=deployment,
            deployment_id=coords.deployment_id(endpoint, deployment),
            collections=collections,
            last_changed=_last_changed(found),
            emails=(config.alerts.action_group_email,),
            tags=tags,
        )

    def apply(self, plan: MonitorPlan) -> bool:
        """Create or update the monitor of ``plan``; whether it was written. Idempotent."""
        schedule = build_monitor_schedule(plan)
        current = self._read(plan.name)
        desired = {"properties": schedule._to_rest_object().as_dict()["properties"]}
        if current is not None and canonical_schedule(current) == canonical_schedule(desired):
            return False
        what = f"model monitor {plan.name!r}"
        with calling(what):
            poller = self._ml.schedules.begin_create_or_update(schedule)
        wait(poller, what)
        return True

    def list(self) -> tuple[AlertRuleState, ...]:
        """The toolkit's model monitors, as alert rules."""
        with calling("the workspace's schedules"):
            schedules = list(self._ml.schedules.list(list_view_type=ALL_SCHEDULES))
        return tuple(
            _state(s)
            for s in schedules
            if (s.tags or {}).get(SIGNAL_TAG) == DRIFT_SIGNAL
            and (s.tags or {}).get(TOOLKIT_TAG[0]) == TOOLKIT_TAG[1]
        )

    def delete(self, name: str) -> None:
        """Delete the toolkit's monitor ``name``; succeeds when there is none (a schedule
        of that name that is not a toolkit monitor is left alone)."""
        current = self._read(name)
        tags = ((current or {}).get("properties") or {}).get("tags") or {}
        if current is None or tags.get(SIGNAL_TAG) != DRIFT_SIGNAL:
            return
        what = f"model monitor {name!r}"
        try:
            with calling(what):
                poller = self._ml.schedules.begin_delete(name)
            wait(poller, what)
        except NotFoundError:
            return

    def _read(self, name: str) -> dict[str, Any] | None:
        """The schedule ``name`` as REST JSON, or None."""
        try:
            with calling(f"schedule {name!r}"):
                found = self._ml.schedules.get(name)
        except NotFoundError:
            return None
        return {"properties": found._to_rest_object().as_dict()["properties"]}


def _last_changed(deployment: Any) -> date:
    context = getattr(deployment, "creation_context", None)
    moment = getattr(context, "last_modified_at", None) or getattr(context, "created_at", None)
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).date()
    return datetime.now(timezone.utc).date()


def _state(schedule: Any) -> AlertRuleState:
    """A toolkit monitor as an alert rule: where it looks and what Azure judges. Pure."""
    tags = dict(schedule.tags or {})
    rest = schedule._to_rest_object().as_dict()["properties"]
    signals = rest["action"]["monitorDefinition"].get("signals") or {}
    thresholds = {
        f"{name}.{re.sub(r'(?<!^)(?=[A-Z])', '_', str(t['metric'])).lower()}": float(
            t["threshold"]["value"]
        )
        for name, signal in signals.items()
        for t in signal.get("metricThresholds") or []
        if (t.get("threshold") or {}).get("value") is not None
    }
    spec = {
        "name": schedule.name,
        "endpoint": tags.get(ENDPOINT_TAG, ""),
        "deployment": tags.get(DEPLOYMENT_TAG, ""),
        "signal": DRIFT_SIGNAL,
        "operator": "gt",
        "threshold": 0.0,
        "schedule": getattr(schedule.trigger, "expression", ""),
        "azure_thresholds": thresholds,
        "azure_kind": "Azure ML model monitor",
        "description": schedule.description or "",
    }
    return AlertRuleState(
        name=str(schedule.name),
        description=str(schedule.description or ""),
        enabled=bool(schedule.is_enabled),
        severity=2,
        spec=spec,
    )
