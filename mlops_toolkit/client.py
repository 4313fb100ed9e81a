"""``MLOpsClient``: the toolkit's public entry point, one property per noun.

::

    from mlops_toolkit import MLOpsClient

    with MLOpsClient.from_config("dev") as client:      # config-infra-dev.yml
        client.environments.provision()                  # local workspace or Terraform
        job = client.jobs.submit_training(wait=True)     # the reference pipeline
        client.endpoints.create("compliance")
        client.endpoints.create_deployment("compliance", "blue", model="compliance-nlp:1")
        client.endpoints.invoke("compliance", {"inputs": ["lead-free solder"]})

The client holds one environment's validated config, its project directory
and its target (``local`` or ``azure``, from the config or ``target=``),
created on first use by the registry in ``mlops_toolkit.targets.registry``.
Operations block unless their name starts with ``begin_``; errors are
``ToolkitError`` subclasses that name the parameter at fault.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.config import TARGETS, EnvironmentConfig, config_path, load_config
from mlops_toolkit.errors import ConfigError

if TYPE_CHECKING:
    from mlops_toolkit.infra.terraform import Terraform
    from mlops_toolkit.operations.alerts import AlertOperations
    from mlops_toolkit.operations.endpoints import EndpointOperations
    from mlops_toolkit.operations.environments import EnvironmentOperations
    from mlops_toolkit.operations.jobs import JobOperations
    from mlops_toolkit.operations.metrics import MetricOperations
    from mlops_toolkit.operations.models import ModelOperations
    from mlops_toolkit.targets.base import Target


def _find_terraform(environ: Mapping[str, str]) -> Terraform:
    from mlops_toolkit.infra.terraform import find_terraform

    return find_terraform(environ)


class MLOpsClient:
    """One environment on one target. Cheap to create; nothing is contacted until used.

    Use it as a context manager (or call ``close()``) to release SDK clients
    and connections; resources (endpoints, jobs) outlive the client.

    ``sdk_options`` are keyword arguments for every Azure SDK client the azure
    target creates (``transport=``, ``retry_total=``, ``proxies=``, ...), as
    ``azure-core`` clients take them; the local target ignores them.
    """

    def __init__(
        self,
        config: EnvironmentConfig,
        *,
        project_dir: str | Path = ".",
        config_source: str | None = None,
        target: str | None = None,
        credential: Any = None,
        environ: Mapping[str, str] | None = None,
        terraform_factory: Callable[[Mapping[str, str]], Terraform] | None = None,
        target_impl: Target | None = None,
        sdk_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``target_impl`` replaces the target the registry would build with any object
        implementing the ``Target`` protocol (e.g. an in-memory fake in tests), as
        httpx's ``transport=`` does; ``terraform_factory`` does the same for Terraform."""
        if target is not None and target not in TARGETS:
            raise ConfigError(
                f"target: unknown target {target!r}; valid targets: {', '.join(TARGETS)}"
            )
        self.config = config
        self.project_dir = Path(project_dir)
        self.config_source = config_source or f"config-infra-{config.environment}.yml"
        self.target_name: str = target or config.target
        self.credential = credential
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)
        self.terraform_factory = terraform_factory or _find_terraform
        self.sdk_options: Mapping[str, Any] = dict(sdk_options or {})
        self._target: Target | None = target_impl
        self._injected_target = target_impl is not None

    @classmethod
    def from_config(
        cls,
        environment: str,
        *,
        project_dir: str | Path = ".",
        config_file: str | Path | None = None,
        target: str | None = None,
        credential: Any = None,
        environ: Mapping[str, str] | None = None,
        sdk_options: Mapping[str, Any] | None = None,
    ) -> MLOpsClient:
        """Load ``<project_dir>/config-infra-<environment>.yml`` (or ``config_file``).

        ``target`` overrides the config's ``target``; ``credential`` is any
        ``azure.core.credentials.TokenCredential`` (default:
        ``DefaultAzureCredential`` when the azure target needs one);
        ``sdk_options`` go to every Azure SDK client (e.g. ``transport=``). Raises
        ``NotFoundError`` for a missing file and ``ConfigError`` for a bad one.
        """
        path = Path(config_file) if config_file else config_path(environment, Path(project_dir))
        config = load_config(path, expected_env=environment, environ=environ)
        return cls(
            config,
            project_dir=project_dir,
            config_source=path.name,
            target=target,
            credential=credential,
            environ=environ,
            sdk_options=sdk_options,
        )

    # ------------------------------------------------------------------ target

    @property
    def environment(self) -> str:
        return self.config.environment

    @property
    def state_dir(self) -> Path:
        """``<project>/.mlops/<env>``: where the toolkit keeps this environment's state."""
        from mlops_toolkit.infra.provision import state_dir

        return state_dir(self.project_dir, self.environment)

    @property
    def target(self) -> Target:
        """The target implementation, created on first use."""
        if self._target is None:
            from mlops_toolkit.targets.registry import create_target

            self._target = create_target(self.target_name, self)
        return self._target

    def close(self) -> None:
        """Release the target's clients and connections. Idempotent."""
        if self._target is not None:
            self._target.close()
            if not self._injected_target:
                self._target = None

    def __enter__(self) -> MLOpsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ nouns

    @cached_property
    def environments(self) -> EnvironmentOperations:
        """Provision, plan and destroy the environment."""
        from mlops_toolkit.operations.environments import EnvironmentOperations

        return EnvironmentOperations(self)

    @cached_property
    def jobs(self) -> JobOperations:
        """Training pipeline jobs."""
        from mlops_toolkit.operations.jobs import JobOperations

        return JobOperations(self)

    @cached_property
    def models(self) -> ModelOperations:
        """The model registry."""
        from mlops_toolkit.operations.models import ModelOperations

        return ModelOperations(self)

    @cached_property
    def endpoints(self) -> EndpointOperations:
        """Online endpoints, deployments and traffic."""
        from mlops_toolkit.operations.endpoints import EndpointOperations

        return EndpointOperations(self)

    @cached_property
    def metrics(self) -> MetricOperations:
        """Endpoint request metrics."""
        from mlops_toolkit.operations.metrics import MetricOperations

        return MetricOperations(self)

    @cached_property
    def alerts(self) -> AlertOperations:
        """Alert rules."""
        from mlops_toolkit.operations.alerts import AlertOperations

        return AlertOperations(self)

    def __repr__(self) -> str:
        return (
            f"MLOpsClient(environment={self.environment!r}, target={self.target_name!r}, "
            f"project_dir={str(self.project_dir)!r})"
        )
