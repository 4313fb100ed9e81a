"""``client.models``: the model registry, and which endpoint slot serves which version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_toolkit.errors import NotFoundError, UsageError
from mlops_toolkit.refs import ModelRef, parse_model_ref
from mlops_toolkit.targets.base import ModelVersion

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient


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
    """Registered models. Every method blocks on the registry; none changes it."""

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
