"""Typed, validated environment configuration (``config-infra-<env>.yml``).

The models are frozen and reject unknown keys, so a typo never reaches
Terraform or Azure. ``load_config`` is the only function that touches the
file system or the process environment; everything else is pure.

Errors are ``ConfigError`` (exit code 2) naming the file, the key path and
the rule, e.g. ``config-infra-dev.yml: postfix: must be 1-4 digits, got '00001'``.
Every problem in a file is reported at once.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.monitoring.settings import MonitoringSettings
from mlops_toolkit.naming import (
    ALLOWED_IP_RANGE_RULE,
    FORMAT_RULES,
    NAME_RULES,
    NameRule,
    ResourceNames,
    derive_names,
    validate_names,
)
from mlops_toolkit.profiling.settings import ProfileSettings
from mlops_toolkit.rollout.policy import ReleaseSettings
from mlops_toolkit.strict_yaml import load_yaml_file

ENVIRONMENTS = ("dev", "test", "prod")
TARGETS = ("local", "azure")
SUBSCRIPTION_ENV_VAR = "AZURE_SUBSCRIPTION_ID"

#: Window sizes and frequencies Azure Monitor metric alerts accept, in minutes.
ALERT_WINDOWS_MINUTES = (1, 5, 15, 30, 60, 360, 720, 1440)
ALERT_FREQUENCIES_MINUTES = (1, 5, 15, 30, 60)

# Public Azure regions (``az account list-locations``). Sovereign clouds may add more.
AZURE_REGIONS = frozenset(
    """
    australiacentral australiacentral2 australiaeast australiasoutheast austriaeast brazilsouth
    brazilsoutheast canadacentral canadaeast centralindia centralus chilecentral eastasia eastus
    eastus2 francecentral francesouth germanynorth germanywestcentral indonesiacentral
    israelcentral italynorth japaneast japanwest koreacentral koreasouth malaysiawest
    mexicocentral newzealandnorth northcentralus northeurope norwayeast norwaywest polandcentral
    qatarcentral southafricanorth southafricawest southcentralus southeastasia southindia
    spaincentral swedencentral switzerlandnorth switzerlandwest uaecentral uaenorth uksouth
    ukwest westcentralus westeurope westindia westus westus2 westus3
    """.split()
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class NamingSettings(_Model):
    """How resource names are derived."""

    unique_suffix: bool = Field(
        default=False,
        description="Append 4 hex characters from sha256(subscription/environment) to names.",
    )


class StateSettings(_Model):
    """Terraform remote state in an Azure Storage blob container (Azure AD auth only)."""

    resource_group: str
    storage_account: str
    container: str = "tfstate"
    key: str

    @field_validator("resource_group")
    @classmethod
    def _rg(cls, v: str) -> str:
        return _rule("resource_group", v)

    @field_validator("storage_account")
    @classmethod
    def _sa(cls, v: str) -> str:
        return _rule("storage_account", v)

    @field_validator("container")
    @classmethod
    def _container(cls, v: str) -> str:
        return _format("storage_container", v, NAME_RULES)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,250}\.tfstate", v):
            raise ValueError(f"must be a blob name ending in '.tfstate', got {v!r}")
        return v


class TerraformSettings(_Model):
    """Terraform settings; ``state`` is required for prod."""

    state: StateSettings | None = None


class NetworkSettings(_Model):
    """Network exposure of the workspace and its dependencies."""

    public_network_access: bool = False
    private_networking: bool = False
    vnet_address_space: str = "10.10.0.0/16"
    managed_network: Literal[
        "disabled", "allow_internet_outbound", "allow_only_approved_outbound"
    ] = "allow_only_approved_outbound"
    allowed_ip_ranges: list[str] = Field(
        default_factory=list,
        description="Public addresses or CIDR blocks let through the deny-by-default firewalls "
        "of storage, Key Vault and the registry while public_network_access is on.",
    )

    @field_validator("vnet_address_space")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"must be an IPv4 CIDR block such as 10.10.0.0/16, got {v!r}") from exc
        if not 8 <= net.prefixlen <= 24:
            raise ValueError(f"must be between /8 and /24 to hold the subnets, got {v!r}")
        if not net.is_private:
            raise ValueError(f"must be a private address range (RFC 1918), got {v!r}")
        return v

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ip_ranges(cls, v: list[str]) -> list[str]:
        for value in v:
            reason = ALLOWED_IP_RANGE_RULE.violation(value)
            if reason:
                raise ValueError(reason)
        if len(set(v)) != len(v):
            raise ValueError(f"must not repeat an entry, got {v!r}")
        return v

    @model_validator(mode="after")
    def _reachable(self) -> NetworkSettings:
        if self.allowed_ip_ranges and not self.public_network_access:
            raise ValueError(
                "allowed_ip_ranges: has no effect while public_network_access is false "
                "(the public endpoints are off); remove it or turn public_network_access on"
            )
        if self.managed_network == "disabled" and not self.private_networking:
            raise ValueError(
                "managed_network: 'disabled' without private_networking leaves compute nodes "
                "no way through the deny-by-default firewalls of storage and Key Vault; use "
                "'allow_internet_outbound' or 'allow_only_approved_outbound', or turn "
                "private_networking on"
            )
        return self


class WorkspaceSettings(_Model):
    """Azure ML workspace options."""

    high_business_impact: bool = False


REGISTRY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,32}")


class ModelRegistrySettings(_Model):
    """The Azure ML registry the environments share: ``models promote`` copies a
    version into it and deployments of the promoted version read it from there.
    Set the same block in every environment's config."""

    name: str = Field(description="Registry name: 3-33 letters, digits, '-' or '_'.")
    resource_group: str = Field(
        description="Resource group the registry lives in (one shared by the environments)."
    )
    location: str | None = Field(
        default=None, description="Its region; default: the environment's location."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not REGISTRY_NAME.fullmatch(v):
            raise ValueError(
                "must be 3-33 letters, digits, '-' or '_', starting with a letter or digit, "
                f"got {v!r}"
            )
        return v

    @field_validator("resource_group")
    @classmethod
    def _resource_group(cls, v: str) -> str:
        return _rule("resource_group", v)

    @field_validator("location")
    @classmethod
    def _location(cls, v: str | None) -> str | None:
        return None if v is None else _region(v)


class ComputeCluster(_Model):
    """One Azure ML compute cluster (scales to ``min_nodes`` when idle)."""

    name: str
    vm_size: str
    min_nodes: int = Field(default=0, ge=0, le=100)
    max_nodes: int = Field(ge=1, le=100)
    idle_seconds_before_scaledown: int = Field(default=300, ge=60, le=604800)
    priority: Literal["dedicated", "low_priority"] = "dedicated"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _rule("compute", v)

    @field_validator("vm_size")
    @classmethod
    def _vm_size(cls, v: str) -> str:
        return _format("vm_size", v)

    @model_validator(mode="after")
    def _nodes(self) -> ComputeCluster:
        if self.min_nodes > self.max_nodes:
            raise ValueError(
                f"min_nodes ({self.min_nodes}) must not exceed max_nodes ({self.max_nodes})"
            )
        return self


class ComputeSettings(_Model):
    """The CPU and GPU training clusters."""

    cpu: ComputeCluster
    gpu: ComputeCluster

    @model_validator(mode="after")
    def _distinct(self) -> ComputeSettings:
        if self.cpu.name == self.gpu.name:
            raise ValueError(f"cpu.name and gpu.name must differ, both are {self.cpu.name!r}")
        return self


class AlertSettings(_Model):
    """Alert rules and where they notify."""

    enabled: bool = True
    action_group_email: str
    quota_utilization_threshold: int = Field(default=90, ge=1, le=100)
    failed_runs_threshold: int = Field(default=0, ge=0)
    endpoint_latency_ms_threshold: int = Field(default=1000, ge=1)
    endpoint_error_rate_threshold: float = Field(default=5.0, gt=0, le=100)
    endpoint_no_traffic_minutes: int | None = Field(
        default=None, description="Alert when an endpoint gets no request for this long."
    )
    endpoint_drift: bool = Field(
        default=True, description="Alert when a drift check finds a signal above its threshold."
    )
    window_minutes: int = Field(default=5, description="Window of the endpoint metric alerts.")
    evaluation_frequency_minutes: int = Field(default=1, description="How often they are judged.")
    webhook_url: str | None = Field(
        default=None, description="Also notify this URL (Azure Monitor common alert schema)."
    )

    @field_validator("endpoint_no_traffic_minutes", "window_minutes")
    @classmethod
    def _window(cls, v: int | None) -> int | None:
        if v is not None and v not in ALERT_WINDOWS_MINUTES:
            raise ValueError(
                f"must be one of {', '.join(map(str, ALERT_WINDOWS_MINUTES))} minutes "
                f"(the windows Azure Monitor metric alerts take), got {v!r}"
            )
        return v

    @field_validator("evaluation_frequency_minutes")
    @classmethod
    def _frequency(cls, v: int) -> int:
        if v not in ALERT_FREQUENCIES_MINUTES:
            raise ValueError(
                f"must be one of {', '.join(map(str, ALERT_FREQUENCIES_MINUTES))} minutes, "
                f"got {v!r}"
            )
        return v

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https?://[^\s/?#]+(?:[/?#]\S*)?", v):
            raise ValueError(f"must be an http(s) URL, got {v!r}")
        return v

    @model_validator(mode="after")
    def _frequency_within_window(self) -> AlertSettings:
        if self.evaluation_frequency_minutes > self.window_minutes:
            raise ValueError(
                f"evaluation_frequency_minutes ({self.evaluation_frequency_minutes}) must not "
                f"exceed window_minutes ({self.window_minutes})"
            )
        return self

    @field_validator("action_group_email")
    @classmethod
    def _email(cls, v: str) -> str:
        return _format("email", v)

    @field_validator("endpoint_error_rate_threshold", mode="before")
    @classmethod
    def _int_to_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class WorkloadSettings(_Model):
    """What ``train`` runs and ``deploy`` serves; paths are relative to the project directory.

    Unset paths mean the reference example that ships with the toolkit
    (``examples/compliance_nlp``).
    """

    pipeline: str | None = Field(default=None, description="Azure ML pipeline job YAML.")
    scoring_script: str | None = Field(default=None, description="score.py of deployments.")
    sample_data: str | None = Field(
        default=None, description="Labelled CSV (description,label) for smoke tests."
    )
    model_name: str = "compliance-nlp"
    champion_alias: str = "champion"
    champion_input: str = Field(
        default="evaluate.champion_model",
        description="STEP.INPUT that receives the champion model's folder.",
    )
    model_name_input: str = Field(
        default="register.model_name", description="STEP.INPUT that names the model to register."
    )

    @field_validator("champion_input", "model_name_input")
    @classmethod
    def _step_input(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*", v):
            raise ValueError(
                f"must be STEP.INPUT of the pipeline, e.g. evaluate.champion_model, got {v!r}"
            )
        return v

    @field_validator("model_name", "champion_alias")
    @classmethod
    def _registry_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}", v):
            raise ValueError(
                f"must be 1-255 letters, digits, '-', '_' or '.', starting alphanumeric, got {v!r}"
            )
        return v


class EndpointSettings(_Model):
    """Online endpoint defaults for deployments (Azure) and local scoring servers."""

    auth_mode: Literal["key", "aml_token"] = "key"
    instance_type: str = "Standard_DS3_v2"
    instance_count: int = Field(default=1, ge=1, le=20)
    request_timeout_ms: int = Field(default=5000, ge=1000, le=180000)
    local_workers: int = Field(default=1, ge=1, le=8)

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, v: str) -> str:
        return _format("vm_size", v)


class EnvironmentConfig(_Model):
    """One environment (dev, test or prod), as written in ``config-infra-<env>.yml``."""

    namespace: str
    postfix: str
    location: str
    environment: Literal["dev", "test", "prod"]
    target: Literal["local", "azure"] = "local"
    subscription_id: str | None = None
    naming: NamingSettings = NamingSettings()
    terraform: TerraformSettings = TerraformSettings()
    network: NetworkSettings = NetworkSettings()
    workspace: WorkspaceSettings = WorkspaceSettings()
    compute: ComputeSettings
    monitoring: MonitoringSettings = MonitoringSettings()
    alerts: AlertSettings
    workload: WorkloadSettings = WorkloadSettings()
    endpoints: EndpointSettings = EndpointSettings()
    release: ReleaseSettings = ReleaseSettings()
    profile: ProfileSettings = ProfileSettings()
    model_registry: ModelRegistrySettings | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        return _format("namespace", v)

    @field_validator("postfix")
    @classmethod
    def _postfix(cls, v: str) -> str:
        return _format("postfix", v)

    @field_validator("location")
    @classmethod
    def _location(cls, v: str) -> str:
        return _region(v)

    @field_validator("subscription_id")
    @classmethod
    def _subscription(cls, v: str | None) -> str | None:
        if v is not None and FORMAT_RULES["guid"].violation(v):
            raise ValueError(f"must be a subscription GUID, got {v!r}")
        return v.lower() if v else v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if FORMAT_RULES["tag_name"].violation(key):
                raise ValueError(f"tag name {key!r} must be {FORMAT_RULES['tag_name'].summary}")
            if FORMAT_RULES["tag_value"].violation(value):
                raise ValueError(f"tag {key!r} value must be {FORMAT_RULES['tag_value'].summary}")
        return v

    @model_validator(mode="after")
    def _cross_field(self) -> EnvironmentConfig:
        if self.environment == "prod" and self.terraform.state is None:
            raise ValueError(
                "terraform.state: required for prod: remote state keeps applies safe and "
                "shared (set resource_group, storage_account, container, key)"
            )
        for key, reason in validate_names(self.names):
            raise ValueError(
                f"namespace/postfix: the derived {key} name {reason}; shorten namespace or postfix"
            )
        return self

    @property
    def names(self) -> ResourceNames:
        """Every derived Azure resource name of this environment."""
        return derive_names(
            self.namespace,
            self.postfix,
            self.environment,
            self.subscription_id,
            self.naming.unique_suffix,
        )

    @property
    def merged_tags(self) -> dict[str, str]:
        """Tags applied to every resource: the config's plus environment and manager."""
        return {**self.tags, "environment": self.environment, "managed_by": "mlops-toolkit"}


def _region(value: str) -> str:
    """``value`` if it is an Azure region name; the message suggests the name it resembles."""
    if FORMAT_RULES["location"].violation(value) or value not in AZURE_REGIONS:
        guess = value.replace(" ", "").lower()
        hint = f" (did you mean {guess!r}?)" if guess in AZURE_REGIONS else ""
        raise ValueError(f"must be an Azure region name such as 'westeurope', got {value!r}{hint}")
    return value


def _rule(kind: str, value: str) -> str:
    reason = NAME_RULES[kind].violation(value)
    if reason:
        raise ValueError(reason)
    return value


def _format(kind: str, value: str, rules: Mapping[str, NameRule] = FORMAT_RULES) -> str:
    """Check ``value`` against a shared rule; the message states the whole rule."""
    rule = rules[kind]
    if rule.violation(value):
        raise ValueError(f"must be {rule.summary}, got {value!r}")
    return value


# --------------------------------------------------------------------------- loading


def config_path(env: str, project_dir: Path) -> Path:
    """Return the conventional config file of ``env`` in ``project_dir``."""
    return project_dir / f"config-infra-{env}.yml"


def parse_config(
    data: Any, source: str, environ: Mapping[str, str] | None = None
) -> EnvironmentConfig:
    """Validate already-parsed YAML data. Pure but for ``environ`` (subscription fallback)."""
    if data is None:
        raise ConfigError(f"{source}: the file is empty; copy config-infra-dev.yml as a start")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the top level must be a mapping of keys, got {type(data).__name__}"
        )
    environ = os.environ if environ is None else environ
    from_environment = data.get("subscription_id") is None and bool(
        environ.get(SUBSCRIPTION_ENV_VAR)
    )
    if from_environment:
        data = {**data, "subscription_id": environ[SUBSCRIPTION_ENV_VAR]}
    try:
        return EnvironmentConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        if from_environment and all(_is_subscription(err) for err in exc.errors()):
            # Only the variable is wrong: blame it, not the file.
            raise ConfigError(
                f"{SUBSCRIPTION_ENV_VAR}: must be a subscription GUID, got "
                f"{_short(environ[SUBSCRIPTION_ENV_VAR])} (used because {source} leaves "
                "subscription_id unset)",
                hint=f"Fix or unset {SUBSCRIPTION_ENV_VAR}, or set subscription_id in {source}.",
            ) from None
        if from_environment:
            problems = [
                f"{p} (from the environment variable {SUBSCRIPTION_ENV_VAR})"
                if _is_subscription(err)
                else p
                for p, err in zip(problems, exc.errors(), strict=True)
            ]
        raise ConfigError(
            f"{source}: invalid configuration ({exc.error_count()} problem"
            f"{'s' if exc.error_count() != 1 else ''})",
            source=source,
            problems=problems,
        ) from None


def load_config(
    path: Path, *, expected_env: str | None = None, environ: Mapping[str, str] | None = None
) -> EnvironmentConfig:
    """Read, parse and validate one config file.

    The file is read by the toolkit's bounded, strict YAML loader
    (``mlops_toolkit.strict_yaml``: size, alias and nesting limits, plain data
    only). ``subscription_id: null`` falls back to ``$AZURE_SUBSCRIPTION_ID``.
    When ``expected_env`` is given, the file's ``environment`` must match it.
    Raises ``NotFoundError`` for a missing file and ``ConfigError`` (naming the
    file and the key) otherwise. Blocks only to read the file.
    """
    source = path.name
    data = load_yaml_file(path, source=source)
    config = parse_config(data, source, environ)
    if expected_env is not None and config.environment != expected_env:
        raise ConfigError(
            f"{source}: environment: must be {expected_env!r} for environment={expected_env!r}, "
            f"got {config.environment!r}"
        )
    return config


def _is_subscription(err: Mapping[str, Any]) -> bool:
    return tuple(err["loc"]) == ("subscription_id",)


#: A problem line never echoes more than this many characters of a value.
_MAX_PROBLEM_CHARS = 300


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of a value, cut to ``limit`` characters (a megabyte value is never echoed)."""
    return _cut(repr(value), limit)


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _describe(err: Mapping[str, Any]) -> str:
    return _cut(_describe_unbounded(err), _MAX_PROBLEM_CHARS)


def _describe_unbounded(err: Mapping[str, Any]) -> str:
    loc = ".".join(_cut(str(part)) for part in err["loc"]) or "(top level)"
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return f"{loc}: required key is missing"
    if kind == "extra_forbidden":
        hint = _valid_keys_hint(err["loc"], EnvironmentConfig)
        return f"{loc}: unknown key; check the spelling against {hint}"
    if kind == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return msg if not err["loc"] else f"{loc}: {msg}"
    if kind == "string_type" and isinstance(value, (int, float)):
        return f'{loc}: must be a string; quote the value in YAML ("{value}"), got {value!r}'
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{loc}: must be one of {expected}, got {_short(value)}"
    return f"{loc}: {err['msg'].lower()}, got {_short(value)}"


def _valid_keys_hint(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    current: Any = model
    for part in loc[:-1]:
        fields: dict[str, Any] = getattr(current, "model_fields", {})
        field = fields.get(part)
        if field is None:
            return "the documented keys"
        annotation = field.annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if a is not None]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if current is None:
            return "the documented keys"
    return "valid keys: " + ", ".join(getattr(current, "model_fields", {}))
