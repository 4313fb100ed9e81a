"""Workspace schedules: recurring jobs (``CreateJob``) and model monitors (``CreateMonitor``).

``PUT .../schedules/<name>`` is a long-running operation (``lro``) that
stores the schedule as sent; ``GET`` reads it, ``GET .../schedules`` lists
them (``listViewType``: ``EnabledOnly``, the service's default,
``DisabledOnly`` or ``All``), ``DELETE`` removes it (an LRO). The service's
checks run before anything is stored, as Azure's do: a cron expression of
five fields, a pipeline job whose components exist, a monitor whose
deployment, data assets and signals exist. Schedules never fire here.
"""

from __future__ import annotations

from typing import Any

from tests.fake_arm import lro
from tests.fake_arm.assets_api import system_data
from tests.fake_arm.paths import WS
from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.workspace_api import check_workspace

ACTIONS = ("CreateJob", "CreateMonitor", "InvokeBatchEndpoint")


def _schedule_id(ctx: Context) -> str:
    return f"{ctx.arm.workspace_id}/schedules/{ctx.params['name']}"


def _check_trigger(trigger: dict[str, Any]) -> str | None:
    kind = trigger.get("triggerType")
    if kind == "Cron":
        fields = str(trigger.get("expression") or "").split()
        if len(fields) != 5:
            return f"Invalid cron expression {trigger.get('expression')!r}."
        return None
    if kind == "Recurrence":
        return None if trigger.get("frequency") else "A recurrence trigger needs a frequency."
    return f"Unknown trigger type {kind!r}."


def _check_monitor(ctx: Context, definition: dict[str, Any]) -> str | None:
    state = ctx.arm.state
    target = definition.get("monitoringTarget") or {}
    deployment = str(target.get("deploymentId") or "")
    if deployment and state.get(deployment) is None:
        return f"Deployment {deployment} does not exist."
    signals = definition.get("signals") or {}
    if not signals:
        return "A monitor needs at least one signal."
    for name, signal in signals.items():
        if not signal.get("metricThresholds"):
            return f"Signal {name} has no metric thresholds."
        for role in ("productionData", "referenceData"):
            data = signal.get(role) or {}
            uri = str(data.get("uri") or "").removeprefix("azureml:")
            if uri.startswith("/subscriptions/") and state.get(uri) is None:
                return f"Signal {name}: {role} {uri} does not exist."
    compute = definition.get("computeConfiguration") or {}
    if compute.get("computeType") != "ServerlessSpark":
        return "Monitors run on serverless Spark compute."
    return None


def _check_job(ctx: Context, job: dict[str, Any]) -> str | None:
    if job.get("jobType") != "Pipeline":
        return "the fake schedules pipeline jobs only"
    for node, spec in (job.get("jobs") or {}).items():
        component = spec.get("componentId")
        if not component or ctx.arm.state.get(component) is None:
            return f"step {node}: component {component} not found"
    return None


def _put(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    rid = _schedule_id(ctx)
    if (busy := lro.conflict_if_busy(ctx, rid, f"schedule {ctx.params['name']}")) is not None:
        return busy
    props = dict((ctx.json or {}).get("properties") or {})
    action = props.get("action") or {}
    if action.get("actionType") not in ACTIONS:
        return error(400, "UserError", f"Unknown action type {action.get('actionType')!r}.")
    problem = _check_trigger(props.get("trigger") or {})
    if problem is None and action["actionType"] == "CreateMonitor":
        problem = _check_monitor(ctx, action.get("monitorDefinition") or {})
    if problem is None and action["actionType"] == "CreateJob":
        problem = _check_job(ctx, action.get("jobDefinition") or {})
    if problem is not None:
        return error(400, "UserError", problem)
    existing = arm.state.get(rid)
    resource = {
        "name": ctx.params["name"],
        "type": "Microsoft.MachineLearningServices/workspaces/schedules",
        "properties": {**props, "provisioningState": "Updating" if existing else "Creating"},
        "systemData": system_data((existing or {}).get("systemData", {}).get("createdAt")),
    }
    resource["properties"].setdefault("isEnabled", True)
    stored = arm.state.put(rid, resource)

    def done() -> None:
        arm.state.update(rid, provisioningState="Succeeded")

    return lro.begin(ctx, rid, done, status=200 if existing else 201, body=stored)


def _get(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_schedule_id(ctx))
    if found is None:
        return error(404, "UserError", f"Schedule {ctx.params['name']} not found.")
    return Response(200, found)


def _list(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    view = ctx.request.query.get("listViewType", "EnabledOnly").lower()
    found = ctx.arm.state.children(f"{ctx.arm.workspace_id}/schedules")
    if view == "enabledonly":
        found = [s for s in found if s["properties"].get("isEnabled", True)]
    elif view == "disabledonly":
        found = [s for s in found if not s["properties"].get("isEnabled", True)]
    return Response(200, {"value": found})


def _delete(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    rid = _schedule_id(ctx)
    if arm.state.get(rid) is None:
        return Response(204)
    if (busy := lro.conflict_if_busy(ctx, rid, f"schedule {ctx.params['name']}")) is not None:
        return busy
    arm.state.update(rid, provisioningState="Deleting")

    def gone() -> None:
        arm.state.delete(rid)

    return lro.begin(ctx, rid, gone, status=202)


def register(router: Router) -> None:
    one = WS + r"/schedules/(?P<name>[^/]+)"
    router.add("arm", "PUT", one, _put)
    router.add("arm", "GET", one, _get)
    router.add("arm", "DELETE", one, _delete)
    router.add("arm", "GET", WS + r"/schedules", _list)
