"""An in-memory ``Target``: every capability as plain data, for fast library and CLI tests.

It follows the protocols' semantics (NotFound on unknown names, idempotent
deletes, new deployments at 0 %, requests recorded per deployment) but runs
nothing. Tests assert on its state. Metrics come from requests "served" by
``invoke`` (or added with ``record``) at the fake's clock.

``scoring_base`` points every endpoint's scoring URI at a real HTTP server a
test runs (e.g. a stub), so load-generating operations (profiles) can run
against the fake; ``deployment_events`` records creations and deletions of
deployments in order; resource usage is not measured (``source="fake"``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlops_toolkit.errors import ConflictError, NotFoundError
from mlops_toolkit.rollout.store import LocalRolloutStore
from mlops_toolkit.targets.base import (
    AlertRuleState,
    DeploymentInfo,
    DeploymentSpec,
    EndpointInfo,
    EndpointKeys,
    InvokeResult,
    JobInfo,
    JobStep,
    MetricSeries,
    MetricsQuery,
    ModelVersion,
    ProgressCallback,
    ResourceUsage,
    TrainingRequest,
    WorkspaceChange,
    WorkspaceInfo,
)


@dataclass
class Request:
    """One request a deployment answered."""

    time: float
    deployment: str
    status: int
    latency_ms: float
    mirrored: bool = False


@dataclass
class FakeEndpoint:
    name: str
    traffic: dict[str, int] = field(default_factory=dict)
    mirror_traffic: dict[str, int] = field(default_factory=dict)
    deployments: dict[str, DeploymentInfo] = field(default_factory=dict)


class FakeTarget:
    """A ``Target`` whose state is dictionaries. ``clock`` drives metric timestamps."""

    name = "fake"
    metrics_delay_s = 0.0

    def __init__(
        self, clock: Callable[[], float] | None = None, state_dir: Path | None = None
    ) -> None:
        self.clock = clock or (lambda: 0.0)
        if state_dir is None:  # tests pass one under tmp_path; this one goes with the target
            scratch = tempfile.mkdtemp(prefix="fake-target-")
            weakref.finalize(self, shutil.rmtree, scratch, True)
            state_dir = Path(scratch) / "dev"
        self.state_dir = state_dir
        self.workspace_exists = False
        self.models_by_name: dict[str, list[ModelVersion]] = {}
        self.aliases: dict[tuple[str, str], str] = {}
        self.endpoints_by_name: dict[str, FakeEndpoint] = {}
        self.requests: list[Request] = []
        self.jobs_by_name: dict[str, JobInfo] = {}
        self.submitted: list[TrainingRequest] = []
        self.rules: dict[str, AlertRuleState] = {}
        self.traffic_changes: list[tuple[str, dict[str, int], dict[str, int]]] = []
        #: deployment -> (status, latency_ms) its answers have
        self.behaviour: dict[str, tuple[int, float]] = {}
        #: deployment -> the label it predicts for every input
        self.labels: dict[str, str] = {}
        #: base URL of a real server the endpoints' scoring URIs point at (None: memory://)
        self.scoring_base: str | None = None
        #: ("create" | "delete", endpoint, deployment) in the order they happened
        self.deployment_events: list[tuple[str, str, str]] = []
        self.workspace = self
        self.jobs = _Jobs(self)
        self.models = _Models(self)
        self.endpoints = _Endpoints(self)
        self.metrics = _Metrics(self)
        self.alerts = _Alerts(self)

    # workspace ---------------------------------------------------------------
    def plan(self, *, destroy: bool = False) -> tuple[WorkspaceChange, ...]:
        if destroy:
            return (WorkspaceChange("delete", "workspace"),) if self.workspace_exists else ()
        return () if self.workspace_exists else (WorkspaceChange("create", "workspace"),)

    def apply(self, on_progress: ProgressCallback | None = None) -> WorkspaceInfo:
        self.workspace_exists = True
        return self.get()

    def destroy(self, on_progress: ProgressCallback | None = None) -> None:
        self.workspace_exists = False
        self.endpoints_by_name.clear()

    def get(self) -> WorkspaceInfo:
        if not self.workspace_exists:
            raise NotFoundError("no workspace")
        return WorkspaceInfo("dev", "fake", "memory")

    def close(self) -> None:
        pass

    def rollout_store(self) -> LocalRolloutStore:
        return LocalRolloutStore(self.state_dir)

    # helpers for tests -------------------------------------------------------
    def add_model(self, name: str, version: str, *, alias: str | None = None, **tags: str) -> None:
        self.models_by_name.setdefault(name, []).append(
            ModelVersion(name, version, tags=tags, source=f"memory://{name}/{version}")
        )
        if alias:
            self.aliases[(name, alias)] = version

    def record(self, deployment: str, status: int, latency_ms: float, count: int = 1) -> None:
        for _ in range(count):
            self.requests.append(Request(self.clock(), deployment, status, latency_ms))


class _Jobs:
    def __init__(self, fake: FakeTarget) -> None:
        self.fake = fake

    def submit(
        self, request: TrainingRequest, on_progress: ProgressCallback | None = None
    ) -> JobInfo:
        self.fake.submitted.append(request)
        name = f"job-{len(self.fake.submitted)}"
        job = JobInfo(name, "Completed", steps=(JobStep("only", "Completed"),))
        self.fake.jobs_by_name[name] = job
        return job

    def get(self, name: str) -> JobInfo:
        try:
            return self.fake.jobs_by_name[name]
        except KeyError:
            raise NotFoundError(f"job {name!r} does not exist") from None

    def list(self, limit: int = 50) -> tuple[JobInfo, ...]:
        return tuple(reversed(list(self.fake.jobs_by_name.values())))[:limit]

    def cancel(self, name: str) -> JobInfo:
        job = self.get(name)
        if not job.done:
            job = replace(job, status="Canceled")
            self.fake.jobs_by_name[name] = job
        return job

    def logs(self, name: str, step: str | None = None) -> str:
        self.get(name)
        return "log line\n"


class _Models:
    def __init__(self, fake: FakeTarget) -> None:
        self.fake = fake

    def list(self, name: str | None = None) -> tuple[ModelVersion, ...]:
        found = [
            replace(m, aliases=tuple(a for (n, a), v in self.fake.aliases.items()
                                     if n == m.name and v == m.version))
            for key, versions in self.fake.models_by_name.items()
            if name in (None, key)
            for m in versions
        ]  # fmt: skip
        return tuple(sorted(found, key=lambda m: (m.name, -int(m.version))))

    def get(self, name: str, version: str | None = None, alias: str | None = None) -> ModelVersion:
        versions = self.list(name)
        if alias:
            version = self.fake.aliases.get((name, alias))
        for model in versions:
            if version is None or model.version == version:
                return model
        raise NotFoundError(f"model {name!r} has no version {version}")

    def download(self, name: str, version: str, destination: str) -> str:
        self.get(name, version)
        return destination


class _Endpoints:
    def __init__(self, fake: FakeTarget) -> None:
        self.fake = fake

    def _get(self, name: str) -> FakeEndpoint:
        try:
            return self.fake.endpoints_by_name[name]
        except KeyError:
            raise NotFoundError(f"endpoint {name!r} does not exist") from None

    def _info(self, ep: FakeEndpoint) -> EndpointInfo:
        base = self.fake.scoring_base
        return EndpointInfo(
            name=ep.name,
            scoring_uri=f"{base}/score" if base else f"memory://{ep.name}/score",
            traffic=dict(ep.traffic),
            mirror_traffic=dict(ep.mirror_traffic),
            deployments=tuple(sorted(ep.deployments)),
        )

    def create_endpoint(self, name: str, *, auth_mode: str = "key") -> EndpointInfo:
        if name in self.fake.endpoints_by_name:
            raise ConflictError(f"endpoint {name!r} already exists")
        self.fake.endpoints_by_name[name] = FakeEndpoint(name)
        return self.get_endpoint(name)

    def get_endpoint(self, name: str) -> EndpointInfo:
        return self._info(self._get(name))

    def list_endpoints(self) -> tuple[EndpointInfo, ...]:
        return tuple(self._info(e) for _, e in sorted(self.fake.endpoints_by_name.items()))

    def delete_endpoint(self, name: str) -> None:
        self.fake.endpoints_by_name.pop(name, None)

    def create_or_update_deployment(
        self, spec: DeploymentSpec, on_progress: ProgressCallback | None = None
    ) -> DeploymentInfo:
        ep = self._get(spec.endpoint)
        self.fake.deployment_events.append(("create", spec.endpoint, spec.name))
        ep.deployments[spec.name] = DeploymentInfo(
            spec.name, spec.endpoint, spec.model, instance_count=spec.instance_count,
            instance_type=spec.instance_type, tags=dict(spec.tags),
        )  # fmt: skip
        ep.traffic.setdefault(spec.name, 0)
        return ep.deployments[spec.name]

    def get_deployment(self, endpoint: str, name: str) -> DeploymentInfo:
        try:
            return self._get(endpoint).deployments[name]
        except KeyError:
            raise NotFoundError(f"endpoint {endpoint!r} has no deployment {name!r}") from None

    def list_deployments(self, endpoint: str) -> tuple[DeploymentInfo, ...]:
        ep = self._get(endpoint)
        return tuple(ep.deployments[n] for n in sorted(ep.deployments))

    def delete_deployment(self, endpoint: str, name: str) -> None:
        ep = self._get(endpoint)
        if name in ep.deployments:
            self.fake.deployment_events.append(("delete", endpoint, name))
        ep.deployments.pop(name, None)
        ep.traffic.pop(name, None)
        ep.mirror_traffic.pop(name, None)

    def set_traffic(
        self,
        endpoint: str,
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int] | None = None,
    ) -> EndpointInfo:
        ep = self._get(endpoint)
        ep.traffic = dict(traffic)
        if mirror_traffic is not None:
            ep.mirror_traffic = dict(mirror_traffic)
        self.fake.traffic_changes.append((endpoint, dict(ep.traffic), dict(ep.mirror_traffic)))
        return self._info(ep)

    def get_keys(self, endpoint: str) -> EndpointKeys:
        self._get(endpoint)
        return EndpointKeys("primary", "secondary")

    def invoke(
        self, endpoint: str, body: bytes, *, deployment: str | None = None, timeout: float = 60.0
    ) -> InvokeResult:
        ep = self._get(endpoint)
        chosen = deployment or max(ep.traffic, key=lambda n: ep.traffic[n], default=None)
        if chosen is None or chosen not in ep.deployments:
            return InvokeResult(404, b'{"message": "no deployment"}')
        status, latency = self.fake.behaviour.get(chosen, (200, 5.0))
        self.fake.record(chosen, status, latency)
        try:
            texts = json.loads(body)["inputs"]
        except (ValueError, KeyError, TypeError):
            return InvokeResult(400, b'{"message": "bad request"}', chosen, latency)
        label = self.fake.labels.get(chosen, "compliant")
        payload = {"predictions": [{"label": label} for _ in texts],
                   "model_version": ep.deployments[chosen].model}  # fmt: skip
        return InvokeResult(status, json.dumps(payload).encode(), chosen, latency)

    def deployment_logs(self, endpoint: str, name: str, lines: int = 200) -> str:
        self.get_deployment(endpoint, name)
        return "server log"

    def deployment_usage(self, endpoint: str, name: str) -> _NoUsage:
        self.get_deployment(endpoint, name)
        return _NoUsage()


class _NoUsage:
    """A usage monitor that measures nothing (the fake runs no process)."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def window(self, start: float, end: float) -> ResourceUsage:
        return ResourceUsage(source="fake")


class _Metrics:
    def __init__(self, fake: FakeTarget) -> None:
        self.fake = fake

    def query(self, query: MetricsQuery) -> tuple[MetricSeries, ...]:
        ep = self.fake.endpoints_by_name.get(query.endpoint)
        if ep is None:
            raise NotFoundError(f"endpoint {query.endpoint!r} does not exist")
        series: list[MetricSeries] = []
        starts = []
        t = query.start
        while t < query.end:
            starts.append(t)
            t += query.interval
        for deployment in sorted(ep.deployments):
            window = [r for r in self.fake.requests if r.deployment == deployment]
            for status_class in ("2xx", "4xx", "5xx"):
                points = []
                for s in starts:
                    n = sum(1 for r in window if s <= r.time < s + query.interval
                            and f"{r.status // 100}xx" == status_class)  # fmt: skip
                    points.append((s, n * 60.0 / query.interval))
                dims = {"deployment": deployment, "statusCodeClass": status_class}
                series.append(MetricSeries("RequestsPerMinute", dims, tuple(points)))
            points_p99: list[tuple[float, float | None]] = []
            for s in starts:
                lat = sorted(r.latency_ms for r in window if s <= r.time < s + query.interval)
                points_p99.append(
                    (s, lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else None)
                )
            series.append(MetricSeries("RequestLatency_P99", {"deployment": deployment},
                                       tuple(points_p99)))  # fmt: skip
        return tuple(series)


class _Alerts:
    def __init__(self, fake: FakeTarget) -> None:
        self.fake = fake
        self.writes = 0

    def list_rules(self) -> tuple[AlertRuleState, ...]:
        return tuple(self.fake.rules[n] for n in sorted(self.fake.rules))

    def apply_rules(self, rules: tuple[AlertRuleState, ...]) -> tuple[str, ...]:
        written = []
        for rule in rules:
            if self.fake.rules.get(rule.name) != rule:
                self.fake.rules[rule.name] = rule
                written.append(rule.name)
                self.writes += 1
        return tuple(written)

    def delete_rule(self, name: str) -> None:
        self.fake.rules.pop(name, None)
