"""``client.endpoints``: online endpoints, their deployments (slots) and traffic.

The library checks every input against Azure's rules before the target sees
it (``mlops_toolkit.traffic``): names, traffic sums, mirror limits, a
deployment with traffic that would be deleted, unknown model versions. A
rejected call changes nothing and raises ``UsageError`` (exit code 2).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import UsageError
from mlops_toolkit.operations.releases import ReleaseOperations, SwapPoller, SwapResult
from mlops_toolkit.targets.base import (
    DeploymentInfo,
    DeploymentSpec,
    EndpointInfo,
    EndpointKeys,
    InvokeResult,
    ProgressCallback,
)
from mlops_toolkit.traffic import (
    MAX_DEPLOYMENTS_PER_ENDPOINT,
    check_deletable,
    check_deployment_name,
    check_endpoint_name,
    check_traffic,
)

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.operations.profiles import ProfileOperations
    from mlops_toolkit.profiling.result import ProfileResult, SizingResult
    from mlops_toolkit.targets.base import EndpointOperations as TargetEndpoints


class EndpointOperations:
    """Endpoints of one environment. Every method blocks until the change is in force."""

    def __init__(self, client: MLOpsClient) -> None:
        self._client = client
        self.releases = ReleaseOperations(client)

    # ------------------------------------------------------------------ releases

    def swap(self, endpoint: str, model: str, **kwargs: Any) -> SwapResult:
        """Progressive blue/green release of ``model`` (see ``ReleaseOperations.swap``)."""
        return self.releases.swap(endpoint, model, **kwargs)

    def begin_swap(self, endpoint: str, model: str, **kwargs: Any) -> SwapPoller:
        """``swap`` in the background; ``.result()`` blocks and returns or raises."""
        return self.releases.begin_swap(endpoint, model, **kwargs)

    # ------------------------------------------------------------------ profiling

    @cached_property
    def profiles(self) -> ProfileOperations:
        """Profiles and sizings (see ``mlops_toolkit.operations.profiles``)."""
        from mlops_toolkit.operations.profiles import ProfileOperations

        return ProfileOperations(self._client)

    def profile(self, endpoint: str, **kwargs: Any) -> ProfileResult:
        """Measure one deployment's knee (see ``ProfileOperations.profile``). Blocks."""
        return self.profiles.profile(endpoint, **kwargs)

    def size(self, endpoint: str, target_rps: float, **kwargs: Any) -> SizingResult:
        """Instances per candidate type for ``target_rps`` (see ``ProfileOperations.size``)."""
        return self.profiles.size(endpoint, target_rps, **kwargs)

    @property
    def _target(self) -> TargetEndpoints:
        return self._client.target.endpoints

    # ------------------------------------------------------------------ endpoints

    def create(self, name: str, *, auth_mode: str | None = None) -> EndpointInfo:
        """Create an endpoint with no deployments. ``ConflictError`` if it exists."""
        check_endpoint_name(name)
        mode = auth_mode or self._client.config.endpoints.auth_mode
        return self._target.create_endpoint(name, auth_mode=mode)

    def get(self, name: str) -> EndpointInfo:
        """The endpoint with its traffic and health; ``NotFoundError`` if unknown."""
        check_endpoint_name(name)
        return self._target.get_endpoint(name)

    def list(self) -> tuple[EndpointInfo, ...]:
        return self._target.list_endpoints()

    def delete(self, name: str) -> None:
        """Delete the endpoint, its deployments and their processes. Idempotent."""
        check_endpoint_name(name)
        self._target.delete_endpoint(name)

    def get_credentials(self, name: str) -> EndpointKeys:
        """The endpoint's keys (``Authorization: Bearer <key>``)."""
        check_endpoint_name(name)
        return self._target.get_keys(name)

    # ------------------------------------------------------------------ deployments

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        instance_type: str | None = None,
        instance_count: int | None = None,
        environment_variables: Mapping[str, str] | None = None,
        data_collection: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> DeploymentInfo:
        """Deploy ``model`` (``name:version``, ``name@alias``) as deployment ``name``.

        A new deployment starts with 0 % traffic; an existing one is replaced
        without dropping requests and keeps its traffic. Raises
        ``UsageError`` for bad names, an unknown model version or too many
        deployments, ``BackendError`` when the deployment does not start.
        """
        check_endpoint_name(endpoint)
        check_deployment_name(name)
        version = self._client.models.resolve(model)
        current = self._target.get_endpoint(endpoint)
        if name not in current.deployments and len(current.deployments) >= (
            MAX_DEPLOYMENTS_PER_ENDPOINT
        ):
            raise UsageError(
                f"deployment: endpoint {endpoint!r} already has {len(current.deployments)} "
                f"deployments, Azure's limit is {MAX_DEPLOYMENTS_PER_ENDPOINT}"
            )
        settings = self._client.config.endpoints
        count = instance_count if instance_count is not None else settings.instance_count
        if self._client.target_name == "local" and instance_count is None:
            count = settings.local_workers
        if not 1 <= count <= 20:
            raise UsageError(f"instance_count: must be 1-20, got {count}")
        spec = DeploymentSpec(
            endpoint=endpoint,
            name=name,
            model=version.ref,
            instance_type=instance_type or settings.instance_type,
            instance_count=count,
            environment_variables=dict(environment_variables or {}),
            data_collection=data_collection,
        )
        return self._target.create_or_update_deployment(spec, on_progress=on_progress)

    def get_deployment(self, endpoint: str, name: str) -> DeploymentInfo:
        check_endpoint_name(endpoint)
        check_deployment_name(name)
        return self._target.get_deployment(endpoint, name)

    def list_deployments(self, endpoint: str) -> tuple[DeploymentInfo, ...]:
        check_endpoint_name(endpoint)
        return self._target.list_deployments(endpoint)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Delete a deployment without traffic. ``UsageError`` while it has live or
        mirrored traffic; succeeds when it is already gone."""
        check_endpoint_name(endpoint)
        check_deployment_name(name)
        current = self._target.get_endpoint(endpoint)
        check_deletable(name, current.traffic, current.mirror_traffic)
        self._target.delete_deployment(endpoint, name)

    def logs(self, endpoint: str, deployment: str, lines: int = 200) -> str:
        """The last ``lines`` lines of a deployment's server log."""
        check_endpoint_name(endpoint)
        check_deployment_name(deployment)
        return self._target.deployment_logs(endpoint, deployment, lines)

    # ------------------------------------------------------------------ traffic

    def set_traffic(
        self,
        endpoint: str,
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int] | None = None,
    ) -> EndpointInfo:
        """Set the live traffic split (deployments not named get 0 %), and the
        mirror split when given. Checked against Azure's rules first."""
        check_endpoint_name(endpoint)
        current = self._target.get_endpoint(endpoint)
        mirror = current.mirror_traffic if mirror_traffic is None else mirror_traffic
        live, mirror = check_traffic(traffic, mirror, current.deployments)
        return self._target.set_traffic(endpoint, live, mirror)

    def set_mirror_traffic(self, endpoint: str, mirror_traffic: Mapping[str, int]) -> EndpointInfo:
        """Set the mirror (shadow) split; the live split stays as it is."""
        check_endpoint_name(endpoint)
        current = self._target.get_endpoint(endpoint)
        live, mirror = check_traffic(current.traffic, mirror_traffic, current.deployments)
        return self._target.set_traffic(endpoint, live, mirror)

    # ------------------------------------------------------------------ scoring

    def invoke(
        self,
        endpoint: str,
        request: bytes | str | Mapping[str, Any],
        *,
        deployment: str | None = None,
        timeout: float = 60.0,
    ) -> InvokeResult:
        """Send one scoring request (a JSON-able mapping, JSON text or raw bytes)
        through the endpoint, optionally to one deployment whatever its traffic.
        Any HTTP answer is a result; ``BackendError`` when nothing answers."""
        check_endpoint_name(endpoint)
        if deployment is not None:
            check_deployment_name(deployment)
        if isinstance(request, Mapping):
            body = json.dumps(request).encode("utf-8")
        elif isinstance(request, str):
            body = request.encode("utf-8")
        else:
            body = bytes(request)
        return self._target.invoke(endpoint, body, deployment=deployment, timeout=timeout)
