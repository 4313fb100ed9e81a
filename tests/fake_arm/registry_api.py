"""Azure ML registries: the ARM resource, registry discovery and the registry's model assets.

A registry is an ARM resource (``.../providers/Microsoft.MachineLearningServices
/registries/<name>``, created with ``PUT``) that several workspaces share. A
registry-scoped ``MLClient`` first asks the discovery service
(``<region>.api.azureml.ms/registrymanagement/v1.0/registries/<name>/discovery``)
for the registry's subscription, resource group and the regional front end
(``<region>.experiments.azureml.net``), then sends its asset requests there
under ``/mferp/managementfrontend``: model versions (``PUT`` as a long-running
operation), listing, ``tempdatarefs`` (a SAS URL of the fake's blob
service to upload the files to) and ``datarefs`` (a SAS URL to read them).
Uploaded files land in the registry's own storage container, so a copy that
reads back the same bytes really went through the registry.
"""

from __future__ import annotations

from typing import Any

from tests.fake_arm import lro
from tests.fake_arm.assets_api import system_data
from tests.fake_arm.paths import RG
from tests.fake_arm.server import Context, Response, Router, error

#: The host of the registry's regional front end (``primaryRegionResourceProviderUri``).
FRONT_END = "experiments.azureml.net"
MFE = r"/mferp/managementfrontend"
REGISTRY = RG + r"/providers/Microsoft\.MachineLearningServices/registries/(?P<reg>[^/]+)"
SAS = "sv=2021-08-06&sr=c&sp=rcwl&sig=fake"


def registry_id(sub: str, rg: str, name: str) -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{rg}"
        f"/providers/Microsoft.MachineLearningServices/registries/{name}"
    )


def find_registry(ctx: Context, name: str) -> dict[str, Any] | None:
    """The registry resource named ``name`` in any resource group, or None."""
    suffix = f"/providers/microsoft.machinelearningservices/registries/{name.lower()}"
    for key, resource in ctx.arm.state.resources.items():
        if key.endswith(suffix):
            return dict(resource)
    return None


def storage_account(name: str) -> str:
    return f"st{''.join(c for c in name.lower() if c.isalnum())[:20]}reg"


# ------------------------------------------------------------------ ARM resource


def _put_registry(ctx: Context) -> Response:
    body = ctx.json or {}
    if not body.get("location"):
        return error(400, "InvalidRequestContent", "location is required")
    rid = registry_id(ctx.params["sub"], ctx.params["rg"], ctx.params["reg"])
    existing = ctx.arm.state.get(rid)
    location = body["location"]
    resource = {
        "name": ctx.params["reg"],
        "type": "Microsoft.MachineLearningServices/registries",
        "location": location,
        "tags": body.get("tags") or {},
        "identity": body.get("identity") or {"type": "SystemAssigned"},
        "properties": {
            **(body.get("properties") or {}),
            "discoveryUrl": f"https://{location}.api.azureml.ms/registrymanagement/v1.0/registries/{ctx.params['reg']}/discovery",
            "mlFlowRegistryUri": f"azureml://{location}.api.azureml.ms/mlflow/v1.0{rid}",
            "provisioningState": "Succeeded",
        },
        "systemData": system_data(existing["systemData"]["createdAt"] if existing else None),
    }
    if (busy := lro.conflict_if_busy(ctx, rid, f"registry {ctx.params['reg']}")) is not None:
        return busy
    body = {**resource, "id": rid}
    return lro.begin(ctx, rid, lambda: ctx.arm.state.put(rid, resource), body=body)


def _get_registry(ctx: Context) -> Response:
    rid = registry_id(ctx.params["sub"], ctx.params["rg"], ctx.params["reg"])
    found = ctx.arm.state.get(rid)
    if found is None:
        return error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.MachineLearningServices/registries/{ctx.params['reg']}' "
            f"under resource group '{ctx.params['rg']}' was not found.",
        )
    return Response(200, found)


# ------------------------------------------------------------------ discovery


def _discovery(ctx: Context) -> Response:
    found = find_registry(ctx, ctx.params["reg"])
    if found is None:
        return error(404, "NotFound", f"Registry {ctx.params['reg']} not found")
    parts = found["id"].split("/")
    location = found["location"]
    return Response(
        200,
        {
            "registryName": found["name"],
            "primaryRegion": location,
            "primaryRegionResourceProviderUri": f"https://{location}.{FRONT_END}/",
            "regions": [location],
            "subscriptionId": parts[2],
            "resourceGroup": parts[4],
            "registryFqdns": {location: {"api": f"https://{location}.{FRONT_END}"}},
        },
    )


# ------------------------------------------------------------------ model assets


def _registry_of(ctx: Context) -> dict[str, Any] | Response:
    rid = registry_id(ctx.params["sub"], ctx.params["rg"], ctx.params["reg"])
    found = ctx.arm.state.get(rid)
    if found is None:
        return error(404, "RegistryNotFound", f"Registry {ctx.params['reg']} not found")
    return found


def _public(resource: dict[str, Any]) -> dict[str, Any]:
    """A registry asset as the front end answers it: its id is an ``azureml://registries``
    URI, not an ARM path."""
    parts = resource["id"].split("/")
    reg = parts[parts.index("registries") + 1]
    tail = "/".join(parts[parts.index("registries") + 2 :])
    return {**resource, "id": f"azureml://registries/{reg}/{tail}"}


def _model_id(ctx: Context) -> str:
    registry = registry_id(ctx.params["sub"], ctx.params["rg"], ctx.params["reg"])
    return f"{registry}/models/{ctx.params['name']}"


def _put_version(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    body = ctx.json or {}
    properties = body.get("properties")
    if not isinstance(properties, dict):
        return error(400, "UserError", "the request body must have properties")
    rid = f"{_model_id(ctx)}/versions/{ctx.params['version']}"
    state = ctx.arm.state
    properties = {**properties, "modelUri": _host_style(ctx, str(properties.get("modelUri") or ""))}
    existing = state.get(rid)
    if existing is not None and existing["properties"]["modelUri"] != properties["modelUri"]:
        return error(400, "UserError", "Cannot update the asset path of an existing asset")
    resource = {
        "name": ctx.params["version"],
        "type": "Microsoft.MachineLearningServices/registries/models/versions",
        "properties": {**properties, "flavors": properties.get("flavors") or {},
                       "provisioningState": "Succeeded"},
        "systemData": system_data(existing["systemData"]["createdAt"] if existing else None),
    }  # fmt: skip

    def store() -> None:
        state.put(rid, resource)
        container = state.get(_model_id(ctx)) or {
            "name": ctx.params["name"],
            "type": "Microsoft.MachineLearningServices/registries/models",
            "properties": {"isArchived": False, "tags": {}, "properties": {}},
            "systemData": system_data(),
        }
        numbers = [int(v["name"]) for v in state.children(_model_id(ctx) + "/versions")
                   if str(v["name"]).isdigit()]  # fmt: skip
        latest = max(numbers, default=0)
        container["properties"]["latestVersion"] = str(latest)
        container["properties"]["nextVersion"] = str(latest + 1)
        state.put(_model_id(ctx), container)

    return lro.begin(ctx, rid, store, status=202)


def _host_style(ctx: Context, uri: str) -> str:
    """``uri`` with the fake's path-style SAS base (``http://127.0.0.1:<port>/<account>/``)
    put back in Azure's form (``https://<account>.blob.core.windows.net/``): the SDK
    builds a model's path from the SAS URL it uploaded to, which on Azure is host-style."""
    loopback = ctx.arm.address + "/"
    if not uri.startswith(loopback):
        return uri
    account, _, rest = uri[len(loopback) :].partition("/")
    return f"https://{account}.blob.core.windows.net/{rest}"


def _get_version(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    found = ctx.arm.state.get(f"{_model_id(ctx)}/versions/{ctx.params['version']}")
    if found is None:
        return error(
            404,
            "UserError",
            f"Could not find asset with name {ctx.params['name']} and version "
            f"{ctx.params['version']} in registry {ctx.params['reg']}",
        )
    return Response(200, _public(found))


def _delete_version(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    rid = f"{_model_id(ctx)}/versions/{ctx.params['version']}"
    if ctx.arm.state.get(rid) is None:
        return Response(204)
    return lro.begin(ctx, rid, lambda: ctx.arm.state.delete(rid), status=202)


def _list_versions(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    found = ctx.arm.state.children(_model_id(ctx) + "/versions")
    view = ctx.request.query.get("listViewType", "ActiveOnly")
    if view == "ActiveOnly":
        found = [v for v in found if not v["properties"].get("isArchived")]
    elif view == "ArchivedOnly":
        found = [v for v in found if v["properties"].get("isArchived")]
    found.sort(key=lambda v: v["systemData"]["createdAt"], reverse=True)
    return Response(200, {"value": [_public(v) for v in found]})


def _get_container(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    found = ctx.arm.state.get(_model_id(ctx))
    if found is None:
        return error(404, "UserError", f"Could not find asset with name {ctx.params['name']}")
    return Response(200, _public(found))


def _list_containers(ctx: Context) -> Response:
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    rid = registry_id(ctx.params["sub"], ctx.params["rg"], ctx.params["reg"])
    return Response(200, {"value": [_public(c) for c in ctx.arm.state.children(rid + "/models")]})


def _blob_reference(ctx: Context, container: str) -> dict[str, Any]:
    account = storage_account(ctx.params["reg"])
    return {
        "blobUri": f"https://{account}.blob.core.windows.net/{container}",
        "storageAccountArmId": (
            f"/subscriptions/{ctx.params['sub']}/resourceGroups/{ctx.params['rg']}"
            f"/providers/Microsoft.Storage/storageAccounts/{account}"
        ),
        "credential": {
            "credentialType": "SAS",
            "sasUri": f"{ctx.arm.address}/{account}/{container}?{SAS}",
        },
    }


def _temporary_reference(ctx: Context) -> Response:
    """A write SAS for a new version's files; 409 when the version already exists."""
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    if ctx.arm.state.get(f"{_model_id(ctx)}/versions/{ctx.params['version']}") is not None:
        return error(409, "Conflict", "Asset already exists")
    container = f"{ctx.params['name']}-{ctx.params['version']}-{ctx.arm.state.next_id()}".lower()
    return Response(
        200,
        {
            "blobReferenceForConsumption": _blob_reference(ctx, container),
            "pendingUploadId": container,
            "pendingUploadType": "TemporaryBlobReference",
        },
    )


def _data_reference(ctx: Context) -> Response:
    """A read SAS for the container of a registered version's files."""
    registry = _registry_of(ctx)
    if isinstance(registry, Response):
        return registry
    blob_uri = str((ctx.json or {}).get("blobUri") or "")
    account = storage_account(ctx.params["reg"])
    prefix = f"https://{account}.blob.core.windows.net/"
    if not blob_uri.startswith(prefix):
        return error(400, "UserError", f"{blob_uri!r} is not in the registry's storage")
    container = blob_uri[len(prefix) :].split("/", 1)[0]
    return Response(200, {"blobReferenceForConsumption": _blob_reference(ctx, container)})


def register(router: Router) -> None:
    router.add("arm", "PUT", REGISTRY, _put_registry)
    router.add("arm", "GET", REGISTRY, _get_registry)
    router.add(
        "runhistory", "GET", r"/registrymanagement/v1\.0/registries/(?P<reg>[^/]+)/discovery",
        _discovery,
    )  # fmt: skip
    models = MFE + REGISTRY + r"/models"
    version = models + r"/(?P<name>[^/]+)/versions/(?P<version>[^/]+)"
    router.add("registry", "PUT", version, _put_version)
    router.add("registry", "GET", version, _get_version)
    router.add("registry", "DELETE", version, _delete_version)
    router.add("registry", "GET", models + r"/(?P<name>[^/]+)/versions", _list_versions)
    router.add("registry", "GET", models + r"/(?P<name>[^/]+)", _get_container)
    router.add("registry", "GET", models, _list_containers)
    asset = r"/(?P<name>[^/]+)/versions/(?P<version>[^/]+)"
    router.add("registry", "PUT", MFE + REGISTRY + r"/tempdatarefs" + asset, _temporary_reference)
    router.add("registry", "POST", MFE + REGISTRY + r"/datarefs" + asset, _data_reference)
