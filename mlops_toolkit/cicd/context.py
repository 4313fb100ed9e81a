"""What generated pipelines need to know about a project, read from its environment configs.

``PipelineContext`` is pure data: the environments in promotion order (dev,
test, prod; those with a config), which of them need approval (the same
rule as ``provision``: ``approval_needed``), their targets and the
workload's model. Nothing that depends on where the generator runs goes in
(derived resource names depend on the subscription, so pipelines ask
``env show`` for them when they run). ``load_context`` is the only function
here that reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlops_toolkit.config import ENVIRONMENTS, EnvironmentConfig, config_path, load_config
from mlops_toolkit.errors import ConfigError
from mlops_toolkit.infra.provision import approval_needed

#: The Terraform version pipelines install (the root module needs >= 1.9).
TERRAFORM_VERSION = "1.11.4"
#: checkov in the infra pipelines, pinned as in this project's lock file.
CHECKOV_VERSION = "3.3.30"
PYTHON_VERSION = "3.11"
#: The infra pipelines' step after an apply, for an environment with a shared registry
#: (name, command); idempotent, so every apply runs it.
CREATE_REGISTRY = (
    "Create the shared model registry if it is missing",
    "mlops-toolkit models create-registry --env {env}",
)


@dataclass(frozen=True)
class EnvironmentPlan:
    """One environment as the pipelines treat it."""

    name: str
    target: str
    needs_approval: bool
    config_file: str
    shared_registry: bool = False  # azure with model_registry: promotions go through it

    @property
    def azure(self) -> bool:
        return self.target == "azure"

    @property
    def upper(self) -> str:
        """``DEV``: the suffix of this environment's CI variables."""
        return self.name.upper()


@dataclass(frozen=True)
class PipelineContext:
    """Everything the generators read. Pure data."""

    environments: tuple[EnvironmentPlan, ...]
    model_name: str
    champion_alias: str
    toolkit_package: str
    terraform_dir: str | None  # the project's own Terraform root, relative; None: the bundled one
    workload_paths: tuple[str, ...]  # files whose change retrains (relative, glob patterns)

    @property
    def first(self) -> EnvironmentPlan:
        """Where models are trained and first released (dev)."""
        return self.environments[0]

    @property
    def config_files(self) -> tuple[str, ...]:
        return tuple(env.config_file for env in self.environments)

    @property
    def any_azure(self) -> bool:
        return any(env.azure for env in self.environments)


def toolkit_requirement(configs: tuple[EnvironmentConfig, ...]) -> str:
    """The pip requirement pipelines install: this version, with the extras the targets need."""
    try:
        version = metadata.version("mlops-toolkit")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        version = None
    extras = sorted(
        {"azure" for c in configs if c.target == "azure"}
        | {"nlp" for c in configs if c.target == "local"}
    )
    extra = f"[{','.join(extras)}]" if extras else ""
    return f"mlops-toolkit{extra}" + (f"=={version}" if version else "")


def build_context(
    configs: tuple[EnvironmentConfig, ...],
    *,
    terraform_dir: str | None,
    workload_paths: tuple[str, ...],
) -> PipelineContext:
    """The context of ``configs`` (any order; sorted dev, test, prod). Pure.

    Raises ``ConfigError`` when there is no config, or when the environments
    disagree on the workload's model name (a promotion copies one model).
    """
    if not configs:
        raise ConfigError(
            "project_dir: no config-infra-<env>.yml found; pipelines are generated from them",
            hint="Write starters with `mlops-toolkit init`.",
        )
    ordered = tuple(sorted(configs, key=lambda c: ENVIRONMENTS.index(c.environment)))
    models = {c.workload.model_name for c in ordered}
    if len(models) > 1:
        raise ConfigError(
            f"workload.model_name: the environments name different models ({sorted(models)}); "
            "promotion releases one model through every environment"
        )
    first = ordered[0]
    plans = tuple(
        EnvironmentPlan(
            name=c.environment,
            target=c.target,
            needs_approval=approval_needed(
                c.environment, destroy=False, auto_approve=True, confirm_env=None
            )
            != "none",
            config_file=config_path(c.environment, Path(".")).name,
            shared_registry=c.target == "azure" and c.model_registry is not None,
        )
        for c in ordered
    )
    return PipelineContext(
        environments=plans,
        model_name=first.workload.model_name,
        champion_alias=first.workload.champion_alias,
        toolkit_package=toolkit_requirement(ordered),
        terraform_dir=terraform_dir,
        workload_paths=workload_paths,
    )


def load_context(project_dir: Path) -> PipelineContext:
    """Read every ``config-infra-<env>.yml`` of ``project_dir`` (validated) into a context.

    Blocks on the disk only. Raises ``ConfigError`` for a bad or missing
    config (naming the file).
    """
    configs = tuple(
        load_config(path, expected_env=env)
        for env in ENVIRONMENTS
        if (path := config_path(env, project_dir)).is_file()
    )
    terraform = "terraform" if (project_dir / "terraform" / "main.tf").is_file() else None
    paths: list[str] = []
    for config in configs:
        if config.workload.pipeline:
            parent = Path(config.workload.pipeline).parent.as_posix()
            paths.append(f"{parent}/**" if parent not in ("", ".") else config.workload.pipeline)
    return build_context(
        configs, terraform_dir=terraform, workload_paths=tuple(dict.fromkeys(paths))
    )
