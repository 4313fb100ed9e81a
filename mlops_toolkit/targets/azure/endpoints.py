"""Managed online endpoints and blue/green deployments through ``MLClient``.

Azure's rules (``mlops_toolkit.traffic``) are checked by the caller before
anything is sent, since the SDK checks none of them and the service rejects
them late; this module adds the Azure-only ones (lowercase deployment
names, 20 deployments per endpoint, 180 s request timeout). An endpoint
update replaces the whole endpoint, and the SDK drops zero entries and
lowercases names before sending, so a traffic change always starts from a
fresh ``get()`` and sends the complete live and mirror maps.

``invoke`` posts to the endpoint's scoring URI itself (the SDK's ``invoke``
reads a file and hides the status code and the answering deployment), with
the endpoint key, once: a scoring request is never retried behind the
caller's back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, ConflictError, NotFoundError, UsageError
from mlops_toolkit.refs import parse_model_ref
from mlops_toolkit.targets.azure.deployment_spec import (
    build_deployment,
    check_azure_deployment_name,
)
from mlops_toolkit.targets.azure.environments import find_specs, parse_reference
from mlops_toolkit.targets.azure.sdk_errors import calling, translate, wait
from mlops_toolkit.targets.azure.usage import AzureDeploymentUsage
from mlops_toolkit.targets.base import (
    DeploymentInfo,
    DeploymentSpec,
    EndpointInfo,
    EndpointKeys,
    InvokeResult,
    ProgressCallback,
)
from mlops_toolkit.traffic import MAX_DEPLOYMENTS_PER_ENDPOINT, MAX_REQUEST_TIMEOUT_MS

if TYPE_CHECKING:
    from mlops_toolkit.targets.azure.target import AzureTarget

#: Header that aims a scoring request at one deployment, and names the one that answered.
DEPLOYMENT_HEADER = "azureml-model-deployment"
AUTH_MODES = {"key": "key", "aml_token": "aml_token", "aad_token": "aad_token"}
_HEALTH = {"succeeded": "healthy", "failed": "dead", "canceled": "dead"}


def model_ref(model_id: str | None) -> str:
    """``name:version`` from a model ARM id or ``azureml:name:version``; a registry
    version keeps its ``azureml://registries/...`` URI. Pure."""
    text = str(model_id or "")
    if text.startswith("azureml://registries/"):
        return text.rstrip("/")
    parts = text.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] == "versions":
        return f"{parts[-3]}:{parts[-1]}"
    return text.removeprefix("azureml:")


class AzureEndpoints:
    """``EndpointOperations`` on managed online endpoints. Every method blocks."""

    def __init__(self, target: AzureTarget) -> None:
        self._target = target
        self._scoring: dict[str, tuple[str, str]] = {}  # endpoint -> (scoring URI, secret)

    @property
    def _ml(self) -> Any:
        return self._target.connection.ml_client

    def _tags(self) -> dict[str, str]:
        return {**self._target.config.merged_tags}

    # ------------------------------------------------------------------ endpoints

    def _endpoint(self, name: str) -> Any:
        try:
            with calling(f"endpoint {name!r}"):
                return self._ml.online_endpoints.get(name)
        except NotFoundError:
            raise NotFoundError(
                f"endpoint {name!r} does not exist in "
                f"{self._target.connection.coordinates.describe()}",
                hint="List endpoints with `mlops-toolkit endpoint list`.",
            ) from None

    def _deployments(self, name: str) -> list[Any]:
        with calling(f"deployments of endpoint {name!r}"):
            return list(self._ml.online_deployments.list(name))

    def _info(self, endpoint: Any, deployments: list[Any]) -> EndpointInfo:
        names = tuple(sorted(d.name for d in deployments))
        live = {str(k): int(v) for k, v in (endpoint.traffic or {}).items()}
        mirror = {str(k): int(v) for k, v in (endpoint.mirror_traffic or {}).items() if int(v)}
        state = str(getattr(endpoint.provisioning_state, "value", endpoint.provisioning_state))
        failed = [d.name for d in deployments if _state(d) in ("failed", "canceled")]
        if _state(endpoint) == "failed":
            health, detail = "dead", f"the endpoint's provisioning state is {state}"
        elif failed:
            health, detail = "degraded", f"deployments failed: {', '.join(sorted(failed))}"
        else:
            health, detail = "healthy", ""
        return EndpointInfo(
            name=str(endpoint.name),
            scoring_uri=str(endpoint.scoring_uri or ""),
            auth_mode=str(endpoint.auth_mode or "key").lower(),
            traffic={n: live.get(n, 0) for n in names},
            mirror_traffic=mirror,
            provisioning_state=state,
            deployments=names,
            tags=dict(endpoint.tags or {}),
            health=health,
            detail=detail,
        )

    def create_endpoint(self, name: str, *, auth_mode: str = "key") -> EndpointInfo:
        """Create an endpoint without deployments; ``ConflictError`` when it exists
        (Azure would silently update it). Blocks until provisioned."""
        if auth_mode not in AUTH_MODES:
            raise UsageError(
                f"auth_mode: must be one of {', '.join(AUTH_MODES)}, got {auth_mode!r}"
            )
        try:
            self._endpoint(name)
        except NotFoundError:
            pass
        else:
            raise ConflictError(
                f"endpoint {name!r} already exists",
                hint=f"Use it, or delete it first: `mlops-toolkit endpoint delete {name}`.",
            )
        from azure.ai.ml.entities import ManagedOnlineEndpoint

        endpoint = ManagedOnlineEndpoint(
            name=name,
            auth_mode=AUTH_MODES[auth_mode],
            description=f"Managed by mlops-toolkit ({self._target.config.environment})",
            tags=self._tags(),
        )
        what = f"endpoint {name!r}"
        with calling(what):
            poller = self._ml.online_endpoints.begin_create_or_update(endpoint)
        wait(poller, what)
        return self.get_endpoint(name)

    def get_endpoint(self, name: str) -> EndpointInfo:
        """The endpoint, its traffic (every deployment listed) and health."""
        return self._info(self._endpoint(name), self._deployments(name))

    def list_endpoints(self) -> tuple[EndpointInfo, ...]:
        """Every endpoint of the workspace, by name (a few requests per endpoint)."""
        with calling("the workspace's endpoints"):
            endpoints = list(self._ml.online_endpoints.list())
        return tuple(
            self._info(e, self._deployments(e.name))
            for e in sorted(endpoints, key=lambda e: e.name)
        )

    def delete_endpoint(self, name: str) -> None:
        """Delete the endpoint and its deployments; succeeds when already gone."""
        self._scoring.pop(name, None)
        what = f"endpoint {name!r}"
        try:
            with calling(what):
                poller = self._ml.online_endpoints.begin_delete(name=name)
            wait(poller, what)
        except NotFoundError:
            return

    # ------------------------------------------------------------------ deployments

    def create_or_update_deployment(
        self, spec: DeploymentSpec, on_progress: ProgressCallback | None = None
    ) -> DeploymentInfo:
        """Deploy ``spec.model`` as ``spec.name`` (new deployments get no traffic). Blocks
        until it serves; ``BackendError`` with the deployment log tail when it fails."""
        progress = on_progress or (lambda _line: None)
        check_azure_deployment_name(spec.name)
        existing = {d.name for d in self._deployments(spec.endpoint)}
        if spec.name not in existing and len(existing) >= MAX_DEPLOYMENTS_PER_ENDPOINT:
            raise UsageError(
                f"deployment: endpoint {spec.endpoint!r} already has {len(existing)} "
                f"deployments, Azure's limit is {MAX_DEPLOYMENTS_PER_ENDPOINT}"
            )
        ref = parse_model_ref(spec.model)
        if ref.registry:  # a promoted version, read from the shared registry
            model = self._target.registry_models(ref.registry).get(ref.name, ref.version)
        else:
            model = self._target.models.get(ref.name, ref.version, ref.alias)
        script = self._scoring_script()
        environment_id = self._environment(script, progress)
        config = self._target.config
        deployment = build_deployment(
            spec,
            model_id=model.ref if model.registry else f"azureml:{model.name}:{model.version}",
            environment_id=environment_id,
            scoring_script=script,
            request_timeout_ms=config.endpoints.request_timeout_ms,
            tags=self._tags(),
        )
        what = f"deployment {spec.name!r} of endpoint {spec.endpoint!r}"
        progress(
            f"{'Updating' if spec.name in existing else 'Creating'} {what}: {model.ref} on "
            f"{spec.instance_count} x {spec.instance_type}"
        )
        with calling(what):
            poller = self._ml.online_deployments.begin_create_or_update(deployment)
        try:
            wait(poller, what)
        except BackendError as exc:
            tail = self._log_tail(spec.endpoint, spec.name)
            raise BackendError(
                f"{exc.message}" + (f"\nlast lines of its log:\n{tail}" if tail else ""),
                hint=exc.hint,
            ) from exc
        progress(f"{what} is ready")
        return self.get_deployment(spec.endpoint, spec.name)

    def _scoring_script(self) -> Path:
        from mlops_toolkit.workload import scoring_script

        return scoring_script(self._target.config, self._target.client.project_dir)

    def _environment(self, script: Path, progress: ProgressCallback) -> str:
        """The workload's environment (from the spec beside the scoring code's folder)."""
        specs = find_specs([script.parent.parent, script.parent])
        if not specs:
            raise UsageError(
                f"environment: no Azure ML environment spec found beside {script.parent} "
                "(expected environment/*.yml)"
            )
        name = sorted(specs)[0]
        ref = parse_reference(f"azureml:{name}@latest")
        assert ref is not None
        if self._target.environments.get(ref) is None:
            progress(f"Creating environment {name} from {specs[name]}")
        return self._target.environments.ensure(str(ref), specs)

    def _log_tail(self, endpoint: str, name: str, lines: int = 50) -> str:
        try:
            return self.deployment_logs(endpoint, name, lines).strip()
        except (BackendError, NotFoundError):
            return ""

    def get_deployment(self, endpoint: str, name: str) -> DeploymentInfo:
        """One deployment; ``NotFoundError`` when it does not exist."""
        what = f"deployment {name!r} of endpoint {endpoint!r}"
        with calling(what):
            deployment = self._ml.online_deployments.get(name=name, endpoint_name=endpoint)
        return _deployment_info(endpoint, deployment)

    def list_deployments(self, endpoint: str) -> tuple[DeploymentInfo, ...]:
        """The endpoint's deployments by name; ``NotFoundError`` for an unknown endpoint."""
        self._endpoint(endpoint)
        found = sorted(self._deployments(endpoint), key=lambda d: d.name)
        return tuple(_deployment_info(endpoint, d) for d in found)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Delete one deployment (the caller checked it has no traffic); succeeds when
        it is already gone."""
        what = f"deployment {name!r} of endpoint {endpoint!r}"
        try:
            with calling(what):
                poller = self._ml.online_deployments.begin_delete(name=name, endpoint_name=endpoint)
            wait(poller, what)
        except NotFoundError:
            return

    def deployment_usage(self, endpoint: str, name: str) -> AzureDeploymentUsage:
        """CPU and memory of the deployment from Azure Monitor (``NotFoundError`` if
        unknown); see ``targets.azure.usage``."""
        self.get_deployment(endpoint, name)
        return AzureDeploymentUsage(self._target, endpoint, name)

    def deployment_logs(self, endpoint: str, name: str, lines: int = 200) -> str:
        """The last ``lines`` lines of the deployment's inference server log."""
        with calling(f"deployment {name!r} of endpoint {endpoint!r}"):
            return str(
                self._ml.online_deployments.get_logs(name=name, endpoint_name=endpoint, lines=lines)
            )

    # ------------------------------------------------------------------ traffic

    def set_traffic(
        self,
        endpoint: str,
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int] | None = None,
    ) -> EndpointInfo:
        """Replace the live (and, when given, mirror) split: a fresh ``get()``, then one
        update carrying both maps. Blocks until Azure has applied it."""
        for name in [*traffic, *(mirror_traffic or {})]:
            check_azure_deployment_name(name)
        current = self._endpoint(endpoint)
        current.traffic = {name: int(p) for name, p in traffic.items()}
        if mirror_traffic is not None:
            current.mirror_traffic = {name: int(p) for name, p in mirror_traffic.items()}
        what = f"traffic of endpoint {endpoint!r}"
        with calling(what):
            poller = self._ml.online_endpoints.begin_create_or_update(current)
        wait(poller, what)
        return self.get_endpoint(endpoint)

    # ------------------------------------------------------------------ tags

    def get_tags(self, endpoint: str) -> dict[str, str]:
        """The endpoint's tags (Azure-only; rollout state lives there)."""
        return {str(k): str(v) for k, v in (self._endpoint(endpoint).tags or {}).items()}

    def set_tags(self, endpoint: str, tags: Mapping[str, str]) -> None:
        """Replace the endpoint's tags: a fresh ``get()``, then one update that keeps the
        traffic as it is. Blocks until applied."""
        current = self._endpoint(endpoint)
        current.tags = dict(tags)
        what = f"tags of endpoint {endpoint!r}"
        with calling(what):
            poller = self._ml.online_endpoints.begin_create_or_update(current)
        wait(poller, what)

    # ------------------------------------------------------------------ keys and scoring

    def get_keys(self, endpoint: str) -> EndpointKeys:
        """The endpoint's keys; ``UsageError`` for an endpoint without key auth."""
        info = self._endpoint(endpoint)
        if str(info.auth_mode).lower() != "key":
            raise UsageError(
                f"endpoint {endpoint!r} uses {info.auth_mode} authentication and has no keys"
            )
        with calling(f"keys of endpoint {endpoint!r}"):
            keys = self._ml.online_endpoints.get_keys(endpoint)
        return EndpointKeys(primary_key=keys.primary_key, secondary_key=keys.secondary_key)

    def _secret(self, endpoint: str, *, refresh: bool = False) -> tuple[str, str]:
        if refresh or endpoint not in self._scoring:
            info = self._endpoint(endpoint)
            with calling(f"credentials of endpoint {endpoint!r}"):
                auth = self._ml.online_endpoints.get_keys(endpoint)
            secret = getattr(auth, "primary_key", None) or getattr(auth, "access_token", None)
            if not secret:
                raise BackendError(f"endpoint {endpoint!r}: Azure returned no credentials")
            self._scoring[endpoint] = (str(info.scoring_uri), str(secret))
        return self._scoring[endpoint]

    def invoke(
        self,
        endpoint: str,
        body: bytes,
        *,
        deployment: str | None = None,
        timeout: float = 60.0,
    ) -> InvokeResult:
        """POST ``body`` to the scoring URI (to ``deployment`` when given). Any HTTP answer
        is a result; ``BackendError`` when nothing answers. The wait is capped at
        Azure's 180 s request timeout (plus a margin)."""
        from azure.core.exceptions import AzureError
        from azure.core.pipeline.transport import HttpRequest

        limit = min(timeout, MAX_REQUEST_TIMEOUT_MS / 1000 + 10)
        pipeline = self._target.connection.http(authenticated=False, retry=False)
        for attempt in (0, 1):
            uri, secret = self._secret(endpoint, refresh=attempt == 1)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
            if deployment:
                headers[DEPLOYMENT_HEADER] = deployment
            request = HttpRequest("POST", uri, headers=headers, data=body)
            started = time.perf_counter()
            try:
                response = pipeline.run(request, read_timeout=limit).http_response
            except AzureError as exc:
                raise translate(exc, f"scoring URI of endpoint {endpoint!r}") from exc
            if response.status_code == 401 and attempt == 0:
                continue  # keys were regenerated since they were read: read them again
            payload = response.body()
            return InvokeResult(
                status=response.status_code,
                body=payload,
                deployment=response.headers.get(DEPLOYMENT_HEADER),
                latency_ms=(time.perf_counter() - started) * 1000,
                headers=dict(response.headers),
            )
        raise AssertionError("unreachable")  # pragma: no cover


def _state(resource: Any) -> str:
    state = getattr(resource, "provisioning_state", None)
    return str(getattr(state, "value", state) or "").lower()


def _deployment_info(endpoint: str, deployment: Any) -> DeploymentInfo:
    state = _state(deployment)
    return DeploymentInfo(
        name=str(deployment.name),
        endpoint=endpoint,
        model=model_ref(
            deployment.model
            if isinstance(deployment.model, str)
            else getattr(deployment.model, "id", None)
        ),  # fmt: skip
        provisioning_state=state.capitalize() if state else "Unknown",
        health=_HEALTH.get(state, "unknown"),
        instance_type=deployment.instance_type,
        instance_count=int(deployment.instance_count or 1),
        scoring_uri=None,
        detail="" if state == "succeeded" else f"provisioning state {state or 'unknown'}",
        tags=dict(deployment.tags or {}),
    )
