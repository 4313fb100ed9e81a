"""Versioned workspace assets: environments, code, components, models and data.

``PUT .../<kind>/<name>/versions/<version>`` stores a version (and creates
its container with ``latestVersion``/``nextVersion``); ``GET`` reads it or a
list (``$orderBy=createdtime desc``, ``$top``, ``hash`` for code snapshots).
``POST .../codes/<name>/versions/<v>/startPendingUpload`` hands out a SAS
URL of the fake's blob service, path-style on the loopback address, which
is where the SDK's storage client uploads a code snapshot.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from tests.fake_arm.paths import WS
from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.workspace_api import STORAGE_ACCOUNT, check_workspace

KINDS = r"(?P<kind>environments|codes|components|models|data)"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def system_data(created: str | None = None) -> dict[str, Any]:
    stamp = now_iso()
    return {
        "createdAt": created or stamp,
        "createdBy": "fake-user",
        "createdByType": "User",
        "lastModifiedAt": stamp,
    }


def _container_id(ctx: Context) -> str:
    return f"{ctx.arm.workspace_id}/{ctx.params['kind']}/{ctx.params['name']}"


def _versions(ctx: Context) -> list[dict[str, Any]]:
    return ctx.arm.state.children(_container_id(ctx) + "/versions")


def _bump_container(ctx: Context, version: str) -> None:
    state = ctx.arm.state
    cid = _container_id(ctx)
    container = state.get(cid) or {
        "name": ctx.params["name"],
        "type": f"Microsoft.MachineLearningServices/workspaces/{ctx.params['kind']}",
        "properties": {"isArchived": False, "tags": {}, "properties": {}},
        "systemData": system_data(),
    }
    numbers = [int(v["name"]) for v in _versions(ctx) if str(v["name"]).isdigit()]
    if version.isdigit():
        numbers.append(int(version))
    latest = max(numbers) if numbers else None
    container["properties"]["latestVersion"] = str(latest) if latest is not None else version
    container["properties"]["nextVersion"] = str((latest or 0) + 1)
    state.put(cid, container)


def _put_version(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    body = ctx.json or {}
    if not isinstance(body.get("properties"), dict):
        return error(400, "UserError", "the request body must have properties")
    state = ctx.arm.state
    rid = f"{_container_id(ctx)}/versions/{ctx.params['version']}"
    existing = state.get(rid)
    kind = ctx.params["kind"]
    if existing is not None and kind in ("models", "codes", "data"):
        # Asset paths are immutable: only tags, description and stage may change.
        old = existing["properties"].get("modelUri") or existing["properties"].get("codeUri")
        new = body["properties"].get("modelUri") or body["properties"].get("codeUri")
        if old and new and old != new:
            return error(400, "UserError", "Cannot update the asset path of an existing asset")
    resource = {
        "name": ctx.params["version"],
        "type": f"Microsoft.MachineLearningServices/workspaces/{kind}/versions",
        "properties": {**body["properties"], "provisioningState": "Succeeded"},
        "systemData": system_data(existing["systemData"]["createdAt"] if existing else None),
    }
    if kind == "models":
        resource["properties"]["flavors"] = resource["properties"].get("flavors") or {}
    stored = state.put(rid, resource)
    _bump_container(ctx, ctx.params["version"])
    return Response(200 if existing else 201, stored)


def _get_version(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    rid = f"{_container_id(ctx)}/versions/{ctx.params['version']}"
    found = ctx.arm.state.get(rid)
    if found is None:
        kind = ctx.params["kind"]
        return error(
            404,
            "UserError",
            f"Could not find asset with name {ctx.params['name']} and version "
            f"{ctx.params['version']} ({kind})",
        )
    return Response(200, found)


def _list_versions(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    query = ctx.request.query
    found = _versions(ctx)
    wanted_hash = query.get("hash")
    if wanted_hash:
        found = [v for v in found if _hash_of(v) == wanted_hash]
    tag = query.get("tags")
    if tag:
        found = [v for v in found if tag in (v["properties"].get("tags") or {})]
    found.sort(key=lambda v: (v["systemData"]["createdAt"], _number(v["name"])), reverse=True)
    if "$top" in query:
        found = found[: int(query["$top"])]
    return Response(200, {"value": found})


def _hash_of(version: dict[str, Any]) -> str | None:
    props = version["properties"].get("properties") or {}
    return props.get("azureml.codeHash") or props.get("hash")


def _number(name: str) -> int:
    return int(name) if str(name).isdigit() else -1


def _get_container(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_container_id(ctx))
    if found is None:
        return error(404, "UserError", f"Could not find asset with name {ctx.params['name']}")
    return Response(200, found)


def _put_container(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    state = ctx.arm.state
    existing = state.get(_container_id(ctx))
    body = ctx.json or {}
    resource = existing or {
        "name": ctx.params["name"],
        "type": f"Microsoft.MachineLearningServices/workspaces/{ctx.params['kind']}",
        "systemData": system_data(),
        "properties": {},
    }
    resource["properties"] = {**resource.get("properties", {}), **body.get("properties", {})}
    return Response(200, state.put(_container_id(ctx), resource))


def _list_containers(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    kind = ctx.params["kind"]
    found = ctx.arm.state.children(f"{ctx.arm.workspace_id}/{kind}")
    return Response(200, {"value": found})


def _start_pending_upload(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    container = f"code-{arm.state.next_id()}-{int(time.time())}"
    sas = "sv=2021-08-06&sr=c&sp=rcwl&sig=fake"
    return Response(
        200,
        {
            "blobReferenceForConsumption": {
                "blobUri": f"https://{STORAGE_ACCOUNT}.blob.core.windows.net/{container}",
                "storageAccountArmId": (
                    f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
                    f"/providers/Microsoft.Storage/storageAccounts/{STORAGE_ACCOUNT}"
                ),
                "credential": {
                    "credentialType": "SAS",
                    "sasUri": f"{arm.address}/{STORAGE_ACCOUNT}/{container}?{sas}",
                },
            },
            "pendingUploadId": container,
            "pendingUploadType": "TemporaryBlobReference",
        },
    )


def register(router: Router) -> None:
    base = WS + "/" + KINDS + r"/(?P<name>[^/]+)"
    router.add("arm", "PUT", base + r"/versions/(?P<version>[^/]+)", _put_version)
    router.add("arm", "GET", base + r"/versions/(?P<version>[^/]+)", _get_version)
    router.add("arm", "GET", base + r"/versions", _list_versions)
    router.add("arm", "GET", base, _get_container)
    router.add("arm", "PUT", base, _put_container)
    router.add("arm", "GET", WS + "/" + KINDS, _list_containers)
    router.add(
        "arm",
        "POST",
        WS + r"/codes/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/startPendingUpload",
        _start_pending_upload,
    )
