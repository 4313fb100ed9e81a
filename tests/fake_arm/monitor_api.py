"""Azure Monitor: metric alerts, log search alerts, action groups and metrics.

Alert rules and action groups are plain ARM resources in the resource group
(PUT creates or replaces, GET, DELETE, list). ``GET <resource>/providers/
Microsoft.Insights/metrics`` answers online endpoint and deployment metrics
computed from the requests the fake's scoring service recorded:

* ``RequestsPerMinute`` (``Total`` per time grain) split by ``deployment``
  and ``statusCodeClass``;
* ``RequestLatency_P50/P90/P95/P99`` (``Average``: the percentile of the
  grain's requests, in ms) split by ``deployment``;
* on a deployment: ``CpuUtilizationPercentage`` / ``GpuUtilizationPercentage``
  (``Average``), a made-up load figure (5 % + 2 % per request in the grain,
  GPU only on ``Standard_NC*`` instances), and ``CpuMemoryUtilizationPercentage``
  (30 % + 0.1 % per request, also made up), split by ``instanceId``.

Time grains are Azure's (``PT1M``, ``PT5M``, ...); any other is a 400, as
Azure Monitor answers.

``POST <action group>/createNotifications`` sends a test notification to the
receivers in the request (202 with a ``Location`` to poll; after
``FakeArm.lro_polls`` polls the location answers 200 with each receiver's
delivery). A webhook receiver really gets a POST of a sample alert in the
common alert schema; e-mail cannot be sent here and is reported delivered.
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Any

from tests.fake_arm.lro import POLL_DELAY_MS
from tests.fake_arm.paths import INSIGHTS
from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.workspace_api import check_workspace

GRAINS = {"PT1M": 60, "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT6H": 21600}
LATENCY = {"RequestLatency_P50": 50, "RequestLatency_P90": 90, "RequestLatency_P95": 95,
           "RequestLatency_P99": 99}  # fmt: skip
KINDS = r"(?P<kind>metricAlerts|scheduledQueryRules|actionGroups)"
#: Deployment metrics: the made-up figure is base + per_request x requests in the grain.
UTILIZATION = {"CpuUtilizationPercentage": (5.0, 2.0), "GpuUtilizationPercentage": (5.0, 2.0),
               "CpuMemoryUtilizationPercentage": (30.0, 0.1)}  # fmt: skip


def _rule_id(ctx: Context) -> str:
    arm = ctx.arm
    return (
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        f"/providers/Microsoft.Insights/{ctx.params['kind']}/{ctx.params['name']}"
    )


def _put(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    body = ctx.json or {}
    props = body.get("properties")
    if not isinstance(props, dict):
        return error(400, "BadRequest", "properties are required")
    kind = ctx.params["kind"]
    if kind == "metricAlerts":
        criteria = (props.get("criteria") or {}).get("allOf") or []
        if not props.get("scopes") or not criteria:
            return error(400, "BadRequest", "a metric alert needs scopes and criteria")
    if kind == "actionGroups" and not props.get("groupShortName"):
        return error(400, "BadRequest", "groupShortName is required")
    rid = _rule_id(ctx)
    existing = ctx.arm.state.get(rid)
    resource = {
        "name": ctx.params["name"],
        "type": f"Microsoft.Insights/{kind}",
        "location": body.get("location", "global"),
        "tags": body.get("tags") or {},
        "properties": props,
    }
    for key in ("kind", "identity"):
        if key in body:
            resource[key] = body[key]
    # Metric alerts answer 200 on create too; the others 201 for a new resource.
    status = 200 if existing or kind == "metricAlerts" else 201
    return Response(status, ctx.arm.state.put(rid, resource))


def _get(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_rule_id(ctx))
    if found is None:
        return error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Insights/{ctx.params['kind']}/{ctx.params['name']}' "
            f"under resource group '{ctx.arm.resource_group}' was not found.",
        )
    return Response(200, found)


def _delete(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    return Response(200 if ctx.arm.state.delete(_rule_id(ctx)) else 204)


def _list(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    collection = (
        f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
        f"/providers/Microsoft.Insights/{ctx.params['kind']}"
    )
    return Response(200, {"value": arm.state.children(collection)})


# ---------------------------------------------------------------------- metrics


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(percent / 100 * len(ordered)) - 1)
    return ordered[rank]


def _metrics(ctx: Context) -> Response:
    arm = ctx.arm
    resource = ctx.params["resource"]
    match = re.search(r"/onlineEndpoints/([^/]+)(?:/deployments/([^/]+))?$", resource, re.I)
    if match is None or arm.state.get(resource) is None:
        return error(404, "ResourceNotFound", f"The resource {resource} was not found.")
    endpoint, deployment = match.group(1), match.group(2)
    query = ctx.request.query
    grain = query.get("interval", "PT1M").upper()
    if grain not in GRAINS:
        return error(400, "BadRequest", f"Invalid time grain {grain}; valid: {', '.join(GRAINS)}")
    step = GRAINS[grain]
    try:
        first, last = (_parse_time(part) for part in query["timespan"].split("/"))
    except (KeyError, ValueError):
        return error(400, "BadRequest", "timespan must be <start>/<end> in ISO 8601")
    start = math.floor(first / step) * step  # Azure aligns grains to the clock
    names = [n for n in query.get("metricnames", "").split(",") if n]
    records = [
        r
        for r in arm.state.scoring
        if r.endpoint == endpoint and start <= r.at < last and not r.mirrored
    ]
    if deployment is None:
        mirrored = [
            r
            for r in arm.state.scoring
            if r.endpoint == endpoint and start <= r.at < last and r.mirrored
        ]
        records += mirrored
    bins = [start + i * step for i in range(max(1, math.ceil((last - start) / step)))]
    value = []
    for name in names:
        series: list[dict[str, Any]] = []
        if deployment is None and name == "RequestsPerMinute":
            groups = sorted({(r.deployment, f"{r.status // 100}xx") for r in records})
            for dep, status_class in groups:
                data = [
                    {
                        "timeStamp": _iso(b),
                        "total": float(
                            sum(
                                1
                                for r in records
                                if r.deployment == dep
                                and f"{r.status // 100}xx" == status_class
                                and b <= r.at < b + step
                            )
                        ),
                    }
                    for b in bins
                ]
                series.append(_timeseries({"deployment": dep, "statuscodeclass": status_class},
                                          data))  # fmt: skip
        elif deployment is None and name in LATENCY:
            for dep in sorted({r.deployment for r in records}):
                data = []
                for b in bins:
                    values = [r.latency_ms for r in records if r.deployment == dep
                              and b <= r.at < b + step]  # fmt: skip
                    point: dict[str, Any] = {"timeStamp": _iso(b)}
                    if values:
                        point["average"] = _percentile(values, LATENCY[name])
                    data.append(point)
                series.append(_timeseries({"deployment": dep}, data))
        elif deployment is not None and name in UTILIZATION:
            found = arm.state.get(resource) or {}
            instance_type = str(found.get("properties", {}).get("instanceType") or "")
            if name == "GpuUtilizationPercentage" and not instance_type.startswith("Standard_NC"):
                series = []
            else:
                data = []
                for b in bins:
                    served = sum(
                        1 for r in arm.state.scoring
                        if r.endpoint == endpoint and r.deployment == deployment
                        and b <= r.at < b + step
                    )  # fmt: skip
                    base, per_request = UTILIZATION[name]
                    data.append({"timeStamp": _iso(b),
                                 "average": min(100.0, base + per_request * served)})  # fmt: skip
                series.append(_timeseries({"instanceid": f"{deployment}-0"}, data))
        elif name not in ("RequestsPerMinute", *LATENCY, *UTILIZATION):
            return error(400, "BadRequest", f"Failed to find metric configuration for {name}.")
        value.append(
            {
                "id": f"{resource}/providers/Microsoft.Insights/metrics/{name}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": name, "localizedValue": name},
                "unit": "Count" if name == "RequestsPerMinute" else (
                    "Percent" if "Utilization" in name else "Milliseconds"),
                "timeseries": series,
                "errorCode": "Success",
            }
        )  # fmt: skip
    return Response(
        200,
        {
            "cost": 0,
            "timespan": query.get("timespan"),
            "interval": grain,
            "namespace": query.get("metricnamespace", ""),
            "resourceregion": arm.location,
            "value": value,
        },
    )


def _timeseries(dimensions: dict[str, str], data: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadatavalues": [
            {"name": {"value": k, "localizedValue": k}, "value": v} for k, v in dimensions.items()
        ],
        "data": data,
    }


# ---------------------------------------------------------------------- test notifications


def _sample_alert(ctx: Context) -> dict[str, Any]:
    now = _iso(time.time())
    return {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {
            "essentials": {
                "alertId": f"/subscriptions/{ctx.arm.subscription_id}/providers/"
                f"Microsoft.AlertsManagement/alerts/test-{ctx.arm.state.next_id()}",
                "alertRule": "Test Alert",
                "severity": "Sev3",
                "signalType": "Metric",
                "monitorCondition": "Fired",
                "monitoringService": "Platform",
                "firedDateTime": now,
                "description": "Alert rule description",
                "essentialsVersion": "1.0",
                "alertContextVersion": "1.0",
            },
            "alertContext": {"conditionType": "SingleResourceMultipleMetricCriteria"},
        },
    }


def _deliver(url: str, body: dict[str, Any]) -> tuple[str, str]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
            return "Succeeded", f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return "Failed", f"HTTP {exc.code}"
    except OSError as exc:
        return "Failed", str(exc)


def _create_notifications(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    ctx.params["kind"] = "actionGroups"
    if arm.state.get(_rule_id(ctx)) is None:
        return error(404, "ResourceNotFound", f"Action group {ctx.params['name']} not found.")
    body = ctx.json or {}
    if not body.get("alertType"):
        return error(400, "BadRequest", "alertType is required")
    sent = _iso(time.time())
    details = [
        {"MechanismType": "Email", "Name": r.get("name"), "Status": "Succeeded",
         "SubState": "Default", "SendTime": sent, "Detail": "e-mail is not sent by the fake"}
        for r in body.get("emailReceivers") or []
    ]  # fmt: skip
    for receiver in body.get("webhookReceivers") or []:
        status, detail = _deliver(str(receiver.get("serviceUri")), _sample_alert(ctx))
        details.append({"MechanismType": "Webhook", "Name": receiver.get("name"),
                        "Status": status, "SubState": "Default", "SendTime": sent,
                        "Detail": detail})  # fmt: skip
    notification = str(arm.state.next_id())
    arm.state.notifications[notification] = {
        "polls_left": arm.lro_polls,
        "result": {
            "context": {
                "notificationSource": "Microsoft.Insights/TestNotification",
                "contextType": "Microsoft.Insights/ActionGroups",
            },
            "state": "Complete",
            "createdTime": sent,
            "completedTime": sent,
            "actionDetails": details,
        },  # fmt: skip
    }
    location = (
        f"https://management.azure.com/subscriptions/{arm.subscription_id}/resourceGroups/"
        f"{arm.resource_group}/providers/Microsoft.Insights/actionGroups/{ctx.params['name']}"
        f"/notificationStatus/{notification}?api-version={ctx.request.api_version}"
    )
    return Response(202, None, {"Location": location, "retry-after-ms": POLL_DELAY_MS})


def _notification_status(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.notifications.get(ctx.params["notification"])
    if found is None:
        return error(404, "NotFound", f"notification {ctx.params['notification']} not found")
    if found["polls_left"] > 0:
        found["polls_left"] -= 1
        return Response(202, None, {"retry-after-ms": POLL_DELAY_MS})
    return Response(200, found["result"])


def register(router: Router) -> None:
    group = INSIGHTS + r"/actionGroups/(?P<name>[^/]+)"
    router.add("arm", "POST", group + r"/createNotifications", _create_notifications)
    router.add(
        "arm", "GET", group + r"/notificationStatus/(?P<notification>[^/]+)", _notification_status
    )
    base = INSIGHTS + "/" + KINDS
    router.add("arm", "PUT", base + r"/(?P<name>[^/]+)", _put)
    router.add("arm", "GET", base + r"/(?P<name>[^/]+)", _get)
    router.add("arm", "DELETE", base + r"/(?P<name>[^/]+)", _delete)
    router.add("arm", "GET", base, _list)
    router.add(
        "arm", "GET", r"(?P<resource>/subscriptions/.+?)/providers/Microsoft\.Insights/metrics",
        _metrics,
    )  # fmt: skip
