"""The workspace, its discovery document and its default datastore."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_arm.paths import WS
from tests.fake_arm.server import Context, Response, Router, error

if TYPE_CHECKING:
    from tests.fake_arm.server import FakeArm

STORAGE_ACCOUNT = "stmlopstkfake"
BLOB_CONTAINER = "azureml-blobstore-fake"


def workspace_resource(arm: FakeArm) -> dict[str, Any]:
    return {
        "id": arm.workspace_id,
        "name": arm.workspace,
        "type": "Microsoft.MachineLearningServices/workspaces",
        "location": arm.location,
        "kind": "Default",
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "friendlyName": arm.workspace,
            "workspaceId": "11111111-2222-3333-4444-555555555555",
            "discoveryUrl": f"https://{arm.location}.api.azureml.ms/discovery",
            "mlFlowTrackingUri": (
                f"azureml://{arm.location}.api.azureml.ms/mlflow/v1.0{arm.workspace_id}"
            ),
            "storageAccount": (
                f"/subscriptions/{arm.subscription_id}/resourceGroups/{arm.resource_group}"
                f"/providers/Microsoft.Storage/storageAccounts/{STORAGE_ACCOUNT}"
            ),
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled",
        },
    }


def check_workspace(ctx: Context) -> Response | None:
    """404 unless the path names the fake's subscription, resource group and workspace."""
    arm = ctx.arm
    sub, rg, ws = ctx.params.get("sub"), ctx.params.get("rg"), ctx.params.get("ws")
    if sub is not None and sub.lower() != arm.subscription_id.lower():
        return error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
    if rg is not None and rg.lower() != arm.resource_group.lower():
        return error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
    if ws is not None and ws.lower() != arm.workspace.lower():
        return error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.MachineLearningServices/workspaces/{ws}' under resource "
            f"group '{rg}' was not found.",
        )
    return None


def _get_workspace(ctx: Context) -> Response:
    return check_workspace(ctx) or Response(200, workspace_resource(ctx.arm))


def _discovery(ctx: Context) -> Response:
    api = f"https://{ctx.arm.location}.api.azureml.ms"
    return Response(
        200,
        {"api": api, "catalog": api, "experimentation": api, "history": api, "mfe": api},
    )


def _datastore(arm: FakeArm, name: str) -> dict[str, Any]:
    return {
        "id": f"{arm.workspace_id}/datastores/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/datastores",
        "properties": {
            "datastoreType": "AzureBlob",
            "accountName": STORAGE_ACCOUNT,
            "containerName": BLOB_CONTAINER,
            "endpoint": "core.windows.net",
            "protocol": "https",
            "isDefault": name == "workspaceblobstore",
            "credentials": {"credentialsType": "None"},
        },
    }


def _get_datastore(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    name = ctx.params["name"]
    if name not in ("workspaceblobstore", "workspaceartifactstore"):
        return error(404, "UserError", f"Datastore {name} not found")
    return Response(200, _datastore(ctx.arm, name))


def _list_datastores(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    return Response(200, {"value": [_datastore(ctx.arm, "workspaceblobstore")]})


def _get_compute(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    name = ctx.params["name"]
    size = arm.computes.get(name)
    if size is None:
        return error(404, "ResourceNotFound", f"Compute {name} not found in the workspace.")
    return Response(
        200,
        {
            "id": f"{arm.workspace_id}/computes/{name}",
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/computes",
            "location": arm.location,
            "properties": {
                "computeType": "AmlCompute",
                "provisioningState": "Succeeded",
                "properties": {
                    "vmSize": size,
                    "vmPriority": "Dedicated",
                    "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4},
                },
            },
        },
    )


def register(router: Router) -> None:
    router.add("arm", "GET", WS, _get_workspace)
    router.add("runhistory", "GET", r"/discovery", _discovery)
    router.add("arm", "GET", WS + r"/datastores/(?P<name>[^/]+)", _get_datastore)
    router.add("arm", "GET", WS + r"/datastores", _list_datastores)
    router.add("arm", "GET", WS + r"/computes/(?P<name>[^/]+)", _get_compute)
