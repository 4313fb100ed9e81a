"""What every target does: one ``Protocol`` per capability, and the results they return.

A *target* runs the toolkit's operations somewhere: ``local`` (processes,
an MLflow store and scoring servers on this machine) or ``azure`` (Azure
Machine Learning through its SDKs). Both implement the protocols below, and
one contract test suite (``tests/contract``) holds them to the same
behaviour. Results are frozen dataclasses; nothing here does I/O.

Verbs follow the Azure SDK: ``get_*`` raises ``NotFoundError``, ``list_*``
returns a (possibly empty) tuple, ``delete_*`` succeeds when the resource is
already gone, ``begin_*`` starts slow work and returns a ``Poller``.
Every method raises ``ToolkitError`` subclasses only (SDK errors are wrapped).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from mlops_toolkit.monitoring.records import CollectedWindow
    from mlops_toolkit.rollout.store import RolloutStore

T_co = TypeVar("T_co", covariant=True)

#: Progress callback of long operations: one human-readable line per event.
ProgressCallback = Callable[[str], None]

# Job statuses, as Azure ML names them.
JOB_STATUSES = ("NotStarted", "Queued", "Running", "Completed", "Failed", "Canceled")
TERMINAL_JOB_STATUSES = frozenset({"Completed", "Failed", "Canceled"})


@runtime_checkable
class Poller(Protocol[T_co]):
    """A long-running operation (as ``azure.core.polling.LROPoller``)."""

    def result(self, timeout: float | None = None) -> T_co:
        """Block until the operation ends; raise ``OperationTimeout`` after ``timeout`` s."""
        ...

    def done(self) -> bool:
        """Whether the operation has ended (successfully or not). Never blocks."""
        ...

    def status(self) -> str:
        """The operation's current status in the target's words."""
        ...


# --------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class WorkspaceInfo:
    """Where an environment's workspace lives and what it holds."""

    environment: str
    target: str
    location: str
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkspaceChange:
    """One thing a provision or destroy would create, change or delete."""

    action: str  # "create" | "update" | "delete"
    resource: str
    detail: str = ""


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class TrainingRequest:
    """What to train: the pipeline file, its input overrides and its distribution.

    ``inputs`` maps ``"<step>.<input>"`` (or a pipeline-level input name) to a
    value. ``champion`` is a registered model ``name:version`` whose files the
    target binds to the ``champion_input`` step input (the evaluate step
    compares against it), or None for a first run. ``instance_count`` x
    ``process_count_per_instance`` is the distribution of the steps whose
    component declares a distribution.
    """

    pipeline_file: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    champion: str | None = None
    champion_input: str = "evaluate.champion_model"
    experiment: str | None = None
    display_name: str | None = None
    instance_count: int | None = None
    process_count_per_instance: int | None = None
    compute: str | None = None


@dataclass(frozen=True)
class JobStep:
    """One step of a pipeline job."""

    name: str
    status: str
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    log_path: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class JobInfo:
    """A submitted job and its steps."""

    name: str
    status: str
    display_name: str = ""
    experiment: str = ""
    created_at: str | None = None
    ended_at: str | None = None
    steps: tuple[JobStep, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    studio_url: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelVersion:
    """One registered model version."""

    name: str
    version: str
    created_at: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    run_id: str | None = None
    source: str | None = None
    description: str = ""
    registry: str | None = None  # set for a version in a shared Azure ML registry

    @property
    def ref(self) -> str:
        """``name:version``, or the ``azureml://registries/...`` URI of a registry version."""
        if self.registry:
            from mlops_toolkit.refs import registry_model_uri

            return registry_model_uri(self.registry, self.name, self.version)
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class RegistryInfo:
    """A model registry the environments share (the azure target: an Azure ML registry)."""

    name: str
    id: str
    location: str
    created: bool  # False when it existed already

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id, "location": self.location,
                "created": self.created}  # fmt: skip


@dataclass(frozen=True)
class ModelExport:
    """A model version's files on this machine, with the lineage of the run that made it.

    ``files_dir`` holds the version's files exactly as registered;
    ``run_metrics`` and ``run_params`` are its source run's (empty when the
    target keeps none).
    """

    version: ModelVersion
    files_dir: str
    run_metrics: Mapping[str, float] = field(default_factory=dict)
    run_params: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class EndpointInfo:
    """An online endpoint: its scoring URI and how traffic is split."""

    name: str
    scoring_uri: str
    auth_mode: str = "key"
    traffic: Mapping[str, int] = field(default_factory=dict)
    mirror_traffic: Mapping[str, int] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"
    deployments: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    health: str = "healthy"  # "healthy" | "degraded" | "dead"
    detail: str = ""


@dataclass(frozen=True)
class DeploymentSpec:
    """What to deploy: a registered model on one named deployment (slot) of an endpoint."""

    endpoint: str
    name: str
    model: str
    instance_type: str | None = None
    instance_count: int = 1
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    data_collection: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentInfo:
    """A deployment of an endpoint and the model it serves."""

    name: str
    endpoint: str
    model: str
    provisioning_state: str = "Succeeded"
    health: str = "healthy"  # "healthy" | "dead" | "unknown"
    instance_type: str | None = None
    instance_count: int = 1
    scoring_uri: str | None = None
    detail: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EndpointKeys:
    """Key-auth credentials of an endpoint (``Authorization: Bearer <key>``)."""

    primary_key: str
    secondary_key: str

    def __repr__(self) -> str:  # never print keys by accident
        return "EndpointKeys(primary_key=***, secondary_key=***)"


@dataclass(frozen=True)
class InvokeResult:
    """The answer to one scoring request."""

    status: int
    body: bytes
    deployment: str | None = None
    latency_ms: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        import json

        return json.loads(self.body)


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class ResourceUsage:
    """A deployment's CPU and memory over one window of time.

    ``cpu_percent`` is the mean over the window, ``cpu_percent_max`` the
    highest sample; ``memory_mb`` / ``memory_percent`` the highest. What the
    percentages mean depends on where they come from (``source``): locally,
    CPU time of the server's whole process tree per wall-clock time (100 = one
    core busy; ``cpu_cores`` is this machine's count) and resident memory summed
    over its processes (forked workers share pages, so the sum overstates);
    on Azure, ``CpuUtilizationPercentage`` and ``CpuMemoryUtilizationPercentage``
    (percent of the instances' cores and memory, averaged over instances).
    None means not measured.
    """

    source: str
    cpu_percent: float | None = None
    cpu_percent_max: float | None = None
    memory_mb: float | None = None
    memory_percent: float | None = None
    cpu_cores: int | None = None
    samples: int = 0


class UsageMonitor(Protocol):
    """Where a profiler reads a deployment's resource usage for the windows it loaded."""

    def start(self) -> None:
        """Begin observing (a local sampler starts its thread). Never blocks long."""
        ...

    def stop(self) -> None:
        """Stop observing; readings stay available. Idempotent."""
        ...

    def window(self, start: float, end: float) -> ResourceUsage:
        """Usage over ``[start, end]`` (unix seconds). Call after ``stop`` for windows
        whose metrics arrive late (Azure Monitor); never raises for missing data."""
        ...


@dataclass(frozen=True)
class MetricSeries:
    """One metric split by dimensions, as Azure Monitor returns it.

    ``points`` are ``(start_of_interval_unix_seconds, value)`` pairs; value
    None means no data in that interval. Names follow Azure ML's online
    endpoint metrics (``RequestsPerMinute``, ``RequestLatency_P99``, ...).
    """

    name: str
    dimensions: Mapping[str, str]
    points: tuple[tuple[float, float | None], ...]
    unit: str = ""


@dataclass(frozen=True)
class MetricsQuery:
    """A window of endpoint metrics: ``[start, end)`` in unix seconds, ``interval`` seconds."""

    endpoint: str
    start: float
    end: float
    interval: float = 60.0
    names: tuple[str, ...] = ()


# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class AlertRuleState:
    """An alert rule as the target holds it."""

    name: str
    description: str
    enabled: bool
    severity: int
    spec: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class ScheduleSpec:
    """A recurring training job: the pipeline request, fired by a cron expression."""

    name: str
    cron: str
    request: TrainingRequest
    time_zone: str = "UTC"
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule as the target holds it; times are unix seconds (None: never)."""

    name: str
    cron: str
    enabled: bool
    time_zone: str = "UTC"
    description: str = ""
    last_fired_at: float | None = None
    last_job: str | None = None
    next_fire_at: float | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- protocols


class WorkspaceOperations(Protocol):
    """The environment's workspace (local: a directory with an MLflow store)."""

    def plan(self, *, destroy: bool = False) -> tuple[WorkspaceChange, ...]:
        """What ``apply``/``destroy`` would change. Never blocks long; no side effects."""
        ...

    def apply(self, on_progress: ProgressCallback | None = None) -> WorkspaceInfo:
        """Create the workspace or bring it up to date. Blocks; idempotent."""
        ...

    def destroy(self, on_progress: ProgressCallback | None = None) -> None:
        """Stop everything the workspace runs and delete it. Blocks; succeeds if gone."""
        ...

    def get(self) -> WorkspaceInfo:
        """The workspace; raises ``NotFoundError`` when it was never provisioned."""
        ...


class JobOperations(Protocol):
    """Training pipelines."""

    def submit(
        self, request: TrainingRequest, on_progress: ProgressCallback | None = None
    ) -> JobInfo:
        """Start a pipeline job and return at once (status Queued or Running).

        Not idempotent (each call starts a new job). Raises ``ConfigError`` for
        a bad pipeline or input, ``NotFoundError`` for an unknown champion.
        """
        ...

    def get(self, name: str) -> JobInfo:
        """A job by name; ``NotFoundError`` when unknown. Never blocks."""
        ...

    def list(self, limit: int = 50) -> tuple[JobInfo, ...]:
        """Recent jobs, newest first."""
        ...

    def cancel(self, name: str) -> JobInfo:
        """Cancel a job (and stop every process it runs). Idempotent on a finished job."""
        ...

    def logs(self, name: str, step: str | None = None) -> str:
        """The log text of one step (default: the last step that ran)."""
        ...


class ModelOperations(Protocol):
    """The model registry."""

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        """Registered versions (of ``name``, or all), newest first."""
        ...

    def get(self, name: str, version: str | None = None, alias: str | None = None) -> ModelVersion:
        """One version, by number or alias (default: latest); ``NotFoundError`` if none."""
        ...

    def download(self, name: str, version: str, destination: str) -> str:
        """Copy a version's files into ``destination``; returns the directory. Blocks."""
        ...


@runtime_checkable
class ModelTransferOperations(Protocol):
    """Optional capability of a target's ``models``: copy versions between environments.

    A promotion exports a version from one environment and imports it into
    another; targets whose model registry supports this implement it next to
    ``ModelOperations``.
    """

    def export_version(self, name: str, version: str, destination: str) -> ModelExport:
        """Download version ``version`` of ``name`` into ``destination`` with its run's
        lineage. Blocks; ``NotFoundError`` for an unknown version."""
        ...

    def import_version(
        self, export: ModelExport, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersion:
        """Register ``export``'s files as a new version of ``export.version.name`` with
        ``tags``, in a run that carries the source run's metrics and parameters.
        Blocks; not idempotent (each call adds a version)."""
        ...

    def delete_version(self, name: str, version: str) -> None:
        """Delete one version. Blocks; succeeds if it is already gone."""
        ...


class EndpointOperations(Protocol):
    """Online endpoints and their deployments. Inputs are already validated by the caller."""

    def create_endpoint(self, name: str, *, auth_mode: str = "key") -> EndpointInfo:
        """Create an endpoint with no deployments; ``ConflictError`` if it exists. Blocks."""
        ...

    def get_endpoint(self, name: str) -> EndpointInfo:
        """``NotFoundError`` when the endpoint does not exist. Reports dead processes honestly."""
        ...

    def list_endpoints(self) -> tuple[EndpointInfo, ...]: ...

    def delete_endpoint(self, name: str) -> None:
        """Delete the endpoint and all its deployments. Blocks; succeeds if already gone."""
        ...

    def create_or_update_deployment(
        self, spec: DeploymentSpec, on_progress: ProgressCallback | None = None
    ) -> DeploymentInfo:
        """Deploy ``spec.model`` on ``spec.name``; new deployments get 0 % traffic. Blocks
        until it serves (or raises ``BackendError`` with the server's log tail)."""
        ...

    def get_deployment(self, endpoint: str, name: str) -> DeploymentInfo: ...

    def list_deployments(self, endpoint: str) -> tuple[DeploymentInfo, ...]: ...

    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Delete one deployment; succeeds if gone. The caller ensures it has no traffic."""
        ...

    def set_traffic(
        self,
        endpoint: str,
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int] | None = None,
    ) -> EndpointInfo:
        """Replace the live (and, if given, mirror) traffic split. Blocks until in force."""
        ...

    def get_keys(self, endpoint: str) -> EndpointKeys: ...

    def invoke(
        self,
        endpoint: str,
        body: bytes,
        *,
        deployment: str | None = None,
        timeout: float = 60.0,
    ) -> InvokeResult:
        """Send one scoring request through the endpoint (optionally to one deployment)."""
        ...

    def deployment_logs(self, endpoint: str, name: str, lines: int = 200) -> str: ...

    def deployment_usage(self, endpoint: str, name: str) -> UsageMonitor:
        """A monitor of one deployment's CPU and memory (see ``UsageMonitor``).
        ``NotFoundError`` for an unknown deployment; starts nothing."""
        ...


class MetricOperations(Protocol):
    """Endpoint request metrics in Azure Monitor's shape."""

    def query(self, query: MetricsQuery) -> tuple[MetricSeries, ...]:
        """Series for the window, split by ``deployment`` (and ``statusCodeClass`` for
        request counts). Never blocks long."""
        ...


class AlertOperations(Protocol):
    """Alert rules the target evaluates."""

    def list_rules(self) -> tuple[AlertRuleState, ...]: ...

    def apply_rules(self, rules: tuple[AlertRuleState, ...]) -> tuple[str, ...]:
        """Create or update ``rules`` (delete none). Returns the names written;
        idempotent: unchanged rules are not written again."""
        ...

    def delete_rule(self, name: str) -> None: ...

    def send_test_notification(self, now: float) -> tuple[str, ...]:
        """Send a sample notification through the configured channels (local: log
        file and webhook; azure: the action group's receivers). Returns what was
        reached; ``BackendError`` when a channel refuses."""
        ...


class MonitoringOperations(Protocol):
    """Collected model data and the training data of registered versions."""

    def read_collected(
        self, endpoint: str, deployment: str, start: float | None, end: float | None
    ) -> CollectedWindow:
        """Scored descriptions ``deployment`` collected in ``[start, end)`` (None: open),
        in time order. Blocks on reading; a damaged line is skipped and counted."""
        ...

    def download_training_data(self, model: ModelVersion, destination: str) -> str:
        """Copy the file the version's ``training_data`` tag names into ``destination``
        (a directory); returns the file's path. ``NotFoundError`` without the tag."""
        ...


class ScheduleOperations(Protocol):
    """Recurring training jobs."""

    def create_or_update(self, spec: ScheduleSpec) -> ScheduleInfo:
        """Create the schedule or replace its definition. Idempotent."""
        ...

    def list(self) -> tuple[ScheduleInfo, ...]: ...

    def get(self, name: str) -> ScheduleInfo:
        """``NotFoundError`` when there is no such schedule."""
        ...

    def delete(self, name: str) -> None:
        """Delete a schedule; succeeds when it is already gone."""
        ...


class Target(Protocol):
    """One environment on one target: a property per capability."""

    name: str
    #: Seconds endpoint metrics take to become readable (rollout windows wait that long).
    metrics_delay_s: float

    @property
    def workspace(self) -> WorkspaceOperations: ...

    @property
    def jobs(self) -> JobOperations: ...

    @property
    def models(self) -> ModelOperations: ...

    @property
    def endpoints(self) -> EndpointOperations: ...

    @property
    def metrics(self) -> MetricOperations: ...

    @property
    def alerts(self) -> AlertOperations: ...

    @property
    def monitoring(self) -> MonitoringOperations: ...

    @property
    def schedules(self) -> ScheduleOperations: ...

    def rollout_store(self) -> RolloutStore:
        """Where swaps of this environment keep their state and lease."""
        ...

    def close(self) -> None:
        """Release clients and connections (not the resources). Idempotent."""
        ...
