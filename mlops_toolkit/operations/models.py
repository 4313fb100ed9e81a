"""``client.models``: the model registry, and which endpoint slot serves which version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.refs import ModelRef, parse_model_ref
from mlops_toolkit.targets.base import ModelVersion, RegistryInfo

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.operations.environments import ApproveCallback
    from mlops_toolkit.operations.promotion import PromotionResult
    from mlops_toolkit.targets.azure.registry import AzureRegistryModels as SharedRegistry
    from mlops_toolkit.targets.base import ProgressCallback


def registry_of(client: MLOpsClient, registry: str | None = None) -> SharedRegistry:
    """The registry the client's environment shares with the others (``registry``: the
    name a reference gave); ``UsageError`` (exit 2) on a target without one."""
    registry_models = getattr(client.target, "registry_models", None)
    if registry_models is None:
        named = f"model: registry {registry!r}: " if registry else ""
        raise UsageError(
            f"{named}the {client.target_name} target of environment {client.environment!r} "
            "has no shared model registry",
            hint="A shared registry is for the azure target with model_registry set; on the "
            "local target promotion copies straight into the other environment's workspace "
            "and versions are named NAME:VERSION.",
        )
    return registry_models(registry)


@dataclass(frozen=True)
class ServingSlot:
    """A deployment serving a model version, with its share of live and mirrored traffic."""

    endpoint: str
    deployment: str
    model: str
    traffic: int
    mirror_traffic: int
    health: str


class ModelOperations:
    """Registered models. Every method blocks on the registry; only ``promote`` changes
    one (the destination's)."""

    def __init__(self, client: MLOpsClient) -> None:
        self._client = client

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        """Every registered version (of ``name``), newest first per model."""
        return self._client.target.models.list(name)

    def get(self, model: str | ModelRef) -> ModelVersion:
        """One version by reference (``name:version``, ``name@alias``, ``name``).

        Raises ``UsageError`` for a malformed reference, ``NotFoundError`` when
        the model, version or alias does not exist.
        """
        ref = parse_model_ref(model) if isinstance(model, str) else model
        if ref.registry:
            return registry_of(self._client, ref.registry).get(ref.name, ref.version)
        return self._client.target.models.get(ref.name, ref.version, ref.alias)

    def resolve(self, model: str | ModelRef, parameter: str = "model") -> ModelVersion:
        """As ``get``, for a reference given as input to a change: an unknown
        version is a ``UsageError`` (exit code 2) naming ``parameter``."""
        try:
            return self.get(model)
        except NotFoundError as exc:
            raise UsageError(f"{parameter}: {exc.message}", hint=exc.hint) from None

    def champion(self) -> ModelVersion | None:
        """The workload model's champion (its alias from the config), or None."""
        workload = self._client.config.workload
        try:
            return self.get(ModelRef(workload.model_name, alias=workload.champion_alias))
        except NotFoundError:
            return None

    def serving(self) -> tuple[ServingSlot, ...]:
        """Which deployment of which endpoint serves which version, with its traffic."""
        endpoints = self._client.target.endpoints
        slots = []
        for endpoint in endpoints.list_endpoints():
            for deployment in endpoints.list_deployments(endpoint.name):
                slots.append(
                    ServingSlot(
                        endpoint=endpoint.name,
                        deployment=deployment.name,
                        model=deployment.model,
                        traffic=int(endpoint.traffic.get(deployment.name, 0)),
                        mirror_traffic=int(endpoint.mirror_traffic.get(deployment.name, 0)),
                        health=deployment.health,
                    )
                )
        return tuple(slots)

    def create_registry(self, timeout: float | None = None) -> RegistryInfo:
        """Create the Azure ML registry named by ``model_registry`` (shared by the
        environments; promotions go there) unless it exists. Blocks (creation takes
        minutes on Azure; ``OperationTimeout`` after ``timeout`` seconds); idempotent.
        Raises ``UsageError`` on a target without a shared registry, ``ConfigError``
        naming ``model_registry`` when the config has none."""
        store = registry_of(self._client)
        return store.create() if timeout is None else store.create(timeout)

    def promote(
        self,
        model: str,
        *,
        to: str | MLOpsClient,
        confirm_env: str | None = None,
        approve: ApproveCallback | None = None,
        on_progress: ProgressCallback | None = None,
        work_dir: str | Path | None = None,
    ) -> PromotionResult:
        """Copy version ``model`` of this environment into environment ``to``'s registry,
        byte for byte, with its lineage (``mlops_toolkit.operations.promotion``).

        ``to`` is an environment name (its config is read from this client's
        project directory) or a client of that environment. A prod
        destination needs ``confirm_env='prod'`` or the name typed to
        ``approve``. Blocks; idempotent: a version promoted before is
        verified and returned. Raises ``UsageError`` (bad reference, unknown
        version, same environment), ``ApprovalRequired``, ``BackendError``
        (the copy differs from the source; it is deleted).
        """
        from mlops_toolkit.operations.promotion import promote

        if isinstance(to, str):
            from mlops_toolkit.client import MLOpsClient

            with MLOpsClient.from_config(
                to, project_dir=self._client.project_dir, environ=self._client.environ
            ) as destination:
                return promote(
                    self._client, destination, model, confirm_env=confirm_env,
                    approve=approve, on_progress=on_progress, work_dir=work_dir,
                )  # fmt: skip
        return promote(
            self._client, to, model, confirm_env=confirm_env, approve=approve,
            on_progress=on_progress, work_dir=work_dir,
        )  # fmt: skip
