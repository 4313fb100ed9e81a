"""Managed online endpoints and deployments, their keys and logs, and scoring.

Writes are LROs (see ``lro``). The service's rules are enforced the way the
service enforces them, late: a traffic map that does not sum to 100 (or 0),
names a missing deployment, mirrors more than 50 % or to a deployment with
live traffic gets 400; deleting a deployment that still has traffic gets
400; a write during another operation on the endpoint gets 409.

The scoring URI (``https://<endpoint>.<region>.inference.ml.azure.com/score``)
is served here too: key (``Authorization: Bearer <key>``) checked, routed by
the ``azureml-model-deployment`` header or by traffic weight, a share
mirrored to the mirror deployment, answered in the reference ``score.py``'s
shape (``{"predictions": [...], "model_version": "<name>:<version>"}``), 400
for a body that is not ``{"inputs": [str, ...]}``. Every answer is recorded
per deployment for the Azure Monitor metrics the fake serves.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from typing import Any

from tests.fake_arm import lro
from tests.fake_arm.assets_api import now_iso, system_data
from tests.fake_arm.paths import WS
from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.state import ScoringRecord
from tests.fake_arm.workspace_api import check_workspace

DEPLOYMENT_HEADER = "azureml-model-deployment"
_RANDOM = random.Random(7)


def _endpoint_id(ctx: Context, name: str | None = None) -> str:
    return f"{ctx.arm.workspace_id}/onlineEndpoints/{name or ctx.params['endpoint']}"


def _deployment_id(ctx: Context) -> str:
    return f"{_endpoint_id(ctx)}/deployments/{ctx.params['deployment']}"


def _missing_endpoint(name: str) -> Response:
    return error(
        404,
        "UserError",
        f"No online endpoint found with name {name} in this workspace.",
    )


def _deployments(ctx: Context, endpoint: str) -> list[dict[str, Any]]:
    return ctx.arm.state.children(_endpoint_id(ctx, endpoint) + "/deployments")


def _check_traffic(
    ctx: Context, endpoint: str, traffic: dict[str, int], mirror: dict[str, int]
) -> Response | None:
    names = {d["name"].lower() for d in _deployments(ctx, endpoint)}
    for label, mapping in (("traffic", traffic), ("mirrorTraffic", mirror)):
        for name in mapping:
            if name.lower() not in names:
                return error(
                    400,
                    "BadArgument",
                    f"{label}: deployment {name} does not exist on endpoint {endpoint}.",
                )
    total = sum(traffic.values())
    if traffic and total not in (0, 100):
        return error(400, "BadArgument", f"Traffic must sum to 100 percent, got {total}.")
    live = {k.lower() for k, v in traffic.items() if v}
    if len([v for v in mirror.values() if v]) > 1:
        return error(400, "BadArgument", "Mirror traffic can go to one deployment only.")
    for name, percent in mirror.items():
        if percent > 50:
            return error(400, "BadArgument", "Mirror traffic cannot exceed 50 percent.")
        if percent and name.lower() in live:
            return error(
                400,
                "BadArgument",
                f"Deployment {name} cannot receive live and mirror traffic at once.",
            )
    return None


# ---------------------------------------------------------------------- endpoints


def _put_endpoint(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    name = ctx.params["endpoint"]
    rid = _endpoint_id(ctx)
    if (busy := lro.conflict_if_busy(ctx, rid, f"endpoint {name}")) is not None:
        return busy
    body = ctx.json or {}
    props = dict(body.get("properties") or {})
    traffic = {k: int(v) for k, v in (props.get("traffic") or {}).items()}
    mirror = {k: int(v) for k, v in (props.get("mirrorTraffic") or {}).items()}
    if (bad := _check_traffic(ctx, name, traffic, mirror)) is not None:
        return bad
    existing = arm.state.get(rid)
    keys = (existing or {}).get("_keys") or [secrets.token_urlsafe(24), secrets.token_urlsafe(24)]
    scoring = f"https://{name}.{arm.location}.inference.ml.azure.com/score"
    resource = {
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "location": body.get("location", arm.location),
        "kind": body.get("kind"),
        "identity": body.get("identity") or {"type": "SystemAssigned"},
        "tags": body.get("tags") or {},
        "properties": {
            **props,
            "traffic": traffic,
            "mirrorTraffic": mirror,
            "scoringUri": scoring,
            "swaggerUri": scoring.replace("/score", "/swagger.json"),
            "provisioningState": "Updating" if existing else "Creating",
        },
        "systemData": system_data((existing or {}).get("systemData", {}).get("createdAt")),
        "_keys": keys,
    }
    previous = existing

    def succeed() -> None:
        arm.state.update(rid, provisioningState="Succeeded")

    def fail() -> None:
        if previous is None:
            arm.state.update(rid, provisioningState="Failed")
        else:
            restored = dict(previous)
            restored["properties"] = {**previous["properties"], "provisioningState": "Failed"}
            arm.state.put(rid, restored)

    stored = arm.state.put(rid, resource)
    return lro.begin(ctx, rid, succeed, on_failure=fail, status=200 if existing else 201,
                     body=_public(stored))  # fmt: skip


def _public(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if not k.startswith("_")}


def _get_endpoint(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_endpoint_id(ctx))
    if found is None:
        return _missing_endpoint(ctx.params["endpoint"])
    return Response(200, _public(found))


def _list_endpoints(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.children(f"{ctx.arm.workspace_id}/onlineEndpoints")
    return Response(200, {"value": [_public(e) for e in found]})


def _delete_endpoint(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    rid = _endpoint_id(ctx)
    if arm.state.get(rid) is None:
        return Response(204)
    if (busy := lro.conflict_if_busy(ctx, rid, f"endpoint {ctx.params['endpoint']}")) is not None:
        return busy
    arm.state.update(rid, provisioningState="Deleting")

    def gone() -> None:
        arm.state.delete(rid)

    return lro.begin(ctx, rid, gone, status=202)


def _list_keys(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_endpoint_id(ctx))
    if found is None:
        return _missing_endpoint(ctx.params["endpoint"])
    if str(found["properties"].get("authMode", "Key")).lower() != "key":
        return error(400, "BadArgument", "The endpoint does not use key authentication.")
    primary, secondary = found["_keys"]
    return Response(200, {"primaryKey": primary, "secondaryKey": secondary})


# ---------------------------------------------------------------------- deployments


def _put_deployment(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    endpoint = ctx.params["endpoint"]
    eid = _endpoint_id(ctx)
    if arm.state.get(eid) is None:
        return _missing_endpoint(endpoint)
    if (busy := lro.conflict_if_busy(ctx, eid, f"endpoint {endpoint}")) is not None:
        return busy
    rid = _deployment_id(ctx)
    if busy := lro.conflict_if_busy(ctx, rid, f"deployment {ctx.params['deployment']}"):
        return busy
    body = ctx.json or {}
    props = dict(body.get("properties") or {})
    props["scaleSettings"] = props.get("scaleSettings") or {"scaleType": "Default"}
    for ref, label in ((props.get("model"), "model"), (props.get("environmentId"), "environment")):
        if ref and str(ref).startswith("/subscriptions/") and arm.state.get(ref) is None:
            return error(400, "BadArgument", f"{label} {ref} does not exist.")
    code_id = (props.get("codeConfiguration") or {}).get("codeId")
    if code_id and arm.state.get(code_id) is None:
        return error(400, "BadArgument", f"code {code_id} does not exist.")
    existing = arm.state.get(rid)
    resource = {
        "name": ctx.params["deployment"],
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        "location": body.get("location", arm.location),
        "kind": body.get("kind", "Managed"),
        "sku": body.get("sku") or {"name": "Default", "capacity": 1},
        "tags": body.get("tags") or {},
        "properties": {**props, "provisioningState": "Updating" if existing else "Creating"},
        "systemData": system_data((existing or {}).get("systemData", {}).get("createdAt")),
        "_log": list((existing or {}).get("_log") or []),
    }
    model = str(props.get("model") or "")
    resource["_log"].append(f"{now_iso()} fake inference server starting model {model}")
    previous = existing

    def succeed() -> None:
        arm.state.update(rid, provisioningState="Succeeded")
        found = arm.state.resources.get(rid.lower())
        if found is not None:
            found["_log"].append(f"{now_iso()} Server ready: listening on 0.0.0.0:31311")

    def fail() -> None:
        if previous is None:
            arm.state.update(rid, provisioningState="Failed")
        else:
            arm.state.put(rid, previous)
            arm.state.update(rid, provisioningState="Failed")

    stored = arm.state.put(rid, resource)
    return lro.begin(ctx, rid, succeed, on_failure=fail, status=200 if existing else 201,
                     body=_public(stored))  # fmt: skip


def _get_deployment(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_deployment_id(ctx))
    if found is None:
        return error(
            404,
            "UserError",
            f"No deployment {ctx.params['deployment']} on endpoint {ctx.params['endpoint']}.",
        )
    return Response(200, _public(found))


def _list_deployments(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    if ctx.arm.state.get(_endpoint_id(ctx)) is None:
        return _missing_endpoint(ctx.params["endpoint"])
    return Response(200, {"value": [_public(d) for d in _deployments(ctx, ctx.params["endpoint"])]})


def _delete_deployment(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    rid = _deployment_id(ctx)
    name = ctx.params["deployment"]
    endpoint = arm.state.get(_endpoint_id(ctx))
    if endpoint is None or arm.state.get(rid) is None:
        return Response(204)
    props = endpoint["properties"]
    for label, mapping in (("live", props.get("traffic")), ("mirror", props.get("mirrorTraffic"))):
        if any(k.lower() == name.lower() and v for k, v in (mapping or {}).items()):
            return error(
                400,
                "BadArgument",
                f"Deployment {name} has {label} traffic; set its traffic to 0 before deleting it.",
            )
    if (busy := lro.conflict_if_busy(ctx, rid, f"deployment {name}")) is not None:
        return busy
    arm.state.update(rid, provisioningState="Deleting")

    def gone() -> None:
        arm.state.delete(rid)

    return lro.begin(ctx, rid, gone, status=202)


def _get_logs(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_deployment_id(ctx))
    if found is None:
        return error(404, "UserError", f"No deployment {ctx.params['deployment']}.")
    tail = int((ctx.json or {}).get("tail") or 200)
    lines = list(found.get("_log") or [])[-tail:]
    return Response(200, {"content": "\n".join(lines) + ("\n" if lines else "")})


# ---------------------------------------------------------------------- scoring


def _score(ctx: Context) -> Response:
    arm = ctx.arm
    started = time.perf_counter()
    host = ctx.request.host.split(":")[0]
    endpoint_name = host.split(".")[0]
    endpoint = arm.state.get(f"{arm.workspace_id}/onlineEndpoints/{endpoint_name}")
    if endpoint is None:
        return error(404, "EndpointNotFound", f"no endpoint at {host}")
    auth = ctx.request.headers.get("authorization", "")
    if auth.removeprefix("Bearer ") not in endpoint["_keys"]:
        return Response(401, {"message": "Invalid key"})
    deployments = {d["name"]: d for d in _deployments(ctx, endpoint_name)}
    wanted = ctx.request.headers.get(DEPLOYMENT_HEADER)
    props = endpoint["properties"]
    if wanted:
        if wanted not in deployments:
            return Response(404, {"message": f"deployment {wanted} not found"})
        chosen = wanted
    else:
        weights = {k: v for k, v in (props.get("traffic") or {}).items() if v}
        if not weights:
            return Response(404, {"message": "No valid deployments to route to."})
        chosen = _RANDOM.choices(list(weights), weights=list(weights.values()))[0]
        for mirror_name, percent in (props.get("mirrorTraffic") or {}).items():
            if percent and _RANDOM.random() * 100 < percent and mirror_name in deployments:
                mirrored = _answer(deployments[mirror_name], ctx.request.body)
                _record(ctx, endpoint_name, mirror_name, mirrored, started, mirrored=True)
    response = _answer(deployments[chosen], ctx.request.body)
    response.headers[DEPLOYMENT_HEADER] = chosen
    _record(ctx, endpoint_name, chosen, response, started)
    return response


def _answer(deployment: dict[str, Any], body: bytes) -> Response:
    model = str(deployment["properties"].get("model") or "")
    parts = model.rstrip("/").split("/")
    version = f"{parts[-3]}:{parts[-1]}" if len(parts) >= 3 else model
    try:
        payload = json.loads(body)
    except ValueError:
        return Response(400, {"message": "request body is not JSON"})
    inputs = payload.get("inputs") if isinstance(payload, dict) else None
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
        return Response(400, {"message": 'expected {"inputs": ["description", ...]}'})
    predictions = []
    for text in inputs:
        score = int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) / 0xFFFF
        label = "non_compliant" if score >= 0.5 else "compliant"
        predictions.append(
            {
                "label": label,
                "probabilities": {
                    "compliant": round(1 - score, 4),
                    "non_compliant": round(score, 4),
                },
            }
        )
    return Response(200, {"predictions": predictions, "model_version": version})


def _record(
    ctx: Context,
    endpoint: str,
    deployment: str,
    response: Response,
    started: float,
    *,
    mirrored: bool = False,
) -> None:
    latency = (time.perf_counter() - started) * 1000 + 5.0  # + the model's time on Azure
    ctx.arm.state.scoring.append(
        ScoringRecord(time.time(), endpoint, deployment, response.status, latency, mirrored)
    )
    rid = f"{_endpoint_id(ctx, endpoint)}/deployments/{deployment}"
    found = ctx.arm.state.resources.get(rid.lower())
    if found is not None:
        found.setdefault("_log", []).append(
            f"{now_iso()} POST /score {response.status}" + (" (mirrored)" if mirrored else "")
        )


def register(router: Router) -> None:
    ep = WS + r"/onlineEndpoints/(?P<endpoint>[^/]+)"
    dep = ep + r"/deployments/(?P<deployment>[^/]+)"
    router.add("arm", "PUT", ep, _put_endpoint)
    router.add("arm", "GET", ep, _get_endpoint)
    router.add("arm", "DELETE", ep, _delete_endpoint)
    router.add("arm", "GET", WS + r"/onlineEndpoints", _list_endpoints)
    router.add("arm", "POST", ep + r"/listKeys", _list_keys)
    router.add("arm", "PUT", dep, _put_deployment)
    router.add("arm", "GET", dep, _get_deployment)
    router.add("arm", "DELETE", dep, _delete_deployment)
    router.add("arm", "GET", ep + r"/deployments", _list_deployments)
    router.add("arm", "POST", dep + r"/getLogs", _get_logs)
    router.add("scoring", "POST", r"/score", _score)
