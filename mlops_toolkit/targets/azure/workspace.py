"""The Azure ML workspace of an environment: read it; Terraform creates it.

On Azure the workspace and everything around it (storage, Key Vault,
registry, monitoring, clusters) is provisioned by ``client.environments``
with the Terraform modules, never by the target, so ``plan``/``apply``/
``destroy`` only say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.targets.azure.sdk_errors import calling
from mlops_toolkit.targets.base import ProgressCallback, WorkspaceChange, WorkspaceInfo

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

_TERRAFORM = (
    "the azure target's workspace is provisioned with Terraform: set `target: azure` in "
    "the environment's config and run `mlops-toolkit provision --env {env}`"
)


class AzureWorkspace:
    """``WorkspaceOperations`` of the azure target."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target

    def _refuse(self) -> UsageError:
        return UsageError(_TERRAFORM.format(env=self._target.config.environment))

    def plan(self, *, destroy: bool = False) -> tuple[WorkspaceChange, ...]:
        """Raises ``UsageError``: Terraform plans the Azure environment."""
        raise self._refuse()

    def apply(self, on_progress: ProgressCallback | None = None) -> WorkspaceInfo:
        """Raises ``UsageError``: Terraform applies the Azure environment."""
        raise self._refuse()

    def destroy(self, on_progress: ProgressCallback | None = None) -> None:
        """Raises ``UsageError``: Terraform destroys the Azure environment."""
        raise self._refuse()

    def get(self) -> WorkspaceInfo:
        """The workspace as Azure reports it; ``NotFoundError`` when it does not exist.
        One request."""
        coords = self._target.connection.coordinates
        env = self._target.config.environment
        try:
            with calling(f"workspace {coords.workspace!r}"):
                workspace = self._target.connection.ml_client.workspaces.get(coords.workspace)
        except NotFoundError:
            raise NotFoundError(
                f"{coords.describe()} does not exist",
                hint=f"Provision it: mlops-toolkit provision --env {env}",
            ) from None
        return WorkspaceInfo(
            environment=self._target.config.environment,
            target="azure",
            location=str(workspace.location or coords.location),
            details={
                "subscription_id": coords.subscription_id,
                "resource_group": coords.resource_group,
                "workspace": coords.workspace,
                "coordinates_from": coords.source,
                "discovery_url": str(workspace.discovery_url or ""),
            },
        )
