"""``client.endpoints.profiles``: measure how much load a deployment sustains, and size it.

``profile`` loads one deployment through its endpoint's own scoring URI
(aimed at it with the ``azureml-model-deployment`` header and the endpoint's
key; no other URL can be given), stepping the rate up until the config's
objective breaks or throughput stops rising (``profiling.plan``), and returns
the steps and the knee with a JSON and PNG report. ``size`` turns a knee
into an instance count for a target rate: for each candidate instance type
in the config it creates a temporary deployment of the model at 0 % traffic
(on Azure: one instance of that type; locally: one server with the
candidate's worker count, standing in for a size), profiles it and deletes
it, also when interrupted (Ctrl-C, SIGTERM). Without candidates it sizes the
profiled deployment's own type.

Guard rails, all checked before anything is created or sent:

* a deployment with live (or mirrored) traffic is never profiled unless
  ``allow_live=True``: the load would land on top of users' requests;
* prod needs approval (``confirm_env='prod'``, or the name typed to
  ``approve``), as provisioning and swaps do;
* the endpoint's swap lease is held for the whole profile, so no swap moves
  traffic onto a deployment under load and no two profiles overlap.

Note that a deployment with data collection on collects the profile's
requests too; temporary deployments are created with collection off.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import (
    BackendError,
    ConfigError,
    ConflictError,
    NotFoundError,
    UsageError,
)
from mlops_toolkit.interrupts import interrupts_deferred, sigterm_raises
from mlops_toolkit.loadgen.engine import Redirect
from mlops_toolkit.operations.approval import require_approval
from mlops_toolkit.profiling.plan import (
    MAX_INSTANCES_PER_DEPLOYMENT,
    instances_needed,
    monthly_cost,
)
from mlops_toolkit.profiling.report import write_profile_report, write_sizing_report
from mlops_toolkit.profiling.result import ProfileResult, SizingResult, SizingRow
from mlops_toolkit.profiling.runner import LoadTarget, measure
from mlops_toolkit.profiling.settings import Candidate, ProfileSettings
from mlops_toolkit.safefs import private_dir
from mlops_toolkit.targets.base import DeploymentInfo, EndpointInfo, ProgressCallback
from mlops_toolkit.traffic import (
    MAX_DEPLOYMENTS_PER_ENDPOINT,
    check_deployment_name,
    check_endpoint_name,
)

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient

#: Header Azure (and the local router) use to aim a request at one deployment.
DEPLOYMENT_HEADER = "azureml-model-deployment"
#: How long deleting a temporary deployment may keep retrying while Azure is busy.
CLEANUP_TIMEOUT_S = 1800.0


def choose_deployment(endpoint: EndpointInfo, deployment: str | None) -> str:
    """The deployment to profile: the one named, else the only one, else the only one
    without live or mirrored traffic (the idle slot). Pure; ``UsageError`` otherwise."""
    names = tuple(endpoint.deployments)
    if deployment is not None:
        if deployment not in names:
            raise UsageError(
                f"deployment: endpoint {endpoint.name!r} has no deployment {deployment!r} "
                f"(deployments: {', '.join(names) or 'none'})"
            )
        return deployment
    if not names:
        raise UsageError(f"endpoint: {endpoint.name!r} has no deployment to profile")
    if len(names) == 1:
        return names[0]
    idle = [n for n in names if not any(_live(endpoint, n))]
    if len(idle) == 1:
        return idle[0]
    raise UsageError(
        f"deployment: endpoint {endpoint.name!r} has several deployments "
        f"({', '.join(names)}); name the one to profile"
    )


def model_source(endpoint: EndpointInfo, deployment: str | None) -> str:
    """The deployment whose model a sizing profiles: the one named, else the one with the
    most live traffic (the model users get), else as ``choose_deployment``. Pure."""
    if deployment is None and any(endpoint.traffic.values()):
        return max(endpoint.traffic, key=lambda name: (endpoint.traffic[name], name))
    try:
        return choose_deployment(endpoint, deployment)
    except UsageError as exc:
        raise UsageError(
            exc.message.replace(
                "name the one to profile", "name the model or the deployment to take it from"
            )
        ) from None


def check_not_live(endpoint: EndpointInfo, deployment: str, allow_live: bool) -> None:
    """``UsageError`` naming ``allow_live`` when ``deployment`` has live or mirrored
    traffic and profiling it was not allowed. Pure."""
    live, mirror = _live(endpoint, deployment)
    if allow_live or not (live or mirror):
        return
    share = f"{live} % live traffic" if live else f"{mirror} % mirrored traffic"
    raise UsageError(
        f"deployment {endpoint.name}/{deployment} has {share}: profiling would load it on "
        "top of users' requests (and skew their latency); pass allow_live=True to do it anyway"
    )


def _live(endpoint: EndpointInfo, deployment: str) -> tuple[int, int]:
    """``(live %, mirrored %)`` of ``deployment``."""
    return (
        int(endpoint.traffic.get(deployment, 0)),
        int(endpoint.mirror_traffic.get(deployment, 0)),
    )


def recommend(rows: Sequence[SizingRow]) -> SizingRow | None:
    """The cheapest candidate that can serve the target (with a price), else the one
    needing the fewest instances (ties: the higher knee). Pure."""
    usable = [r for r in rows if r.instances is not None and r.knee_rps_per_instance]
    priced = [r for r in usable if r.monthly_cost is not None]
    if priced:
        return min(priced, key=lambda r: (r.monthly_cost, r.instances))
    if usable:
        return min(usable, key=lambda r: (r.instances, -(r.knee_rps_per_instance or 0)))
    return None


class ProfileOperations:
    """Profiles and sizings of one environment's deployments. Every method blocks."""

    def __init__(
        self,
        client: MLOpsClient,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        redirect: Redirect | None = None,
    ) -> None:
        """``sleep`` and ``clock`` are injectable (waits for late metrics and busy
        deletions; report names); ``redirect`` routes the load to a fake service in
        tests, as ``sdk_options={"transport": ...}`` routes the SDKs (see ``loadgen``)."""
        self._client = client
        self.sleep = sleep
        self.clock = clock
        self.redirect = redirect

    # ------------------------------------------------------------------ helpers

    def settings(self, **overrides: Any) -> ProfileSettings:
        """The config's ``profile`` section with ``overrides`` (None ignored); ``UsageError``
        naming a bad override."""
        return self._client.config.profile.with_overrides(**overrides)

    def bodies(self, body_file: str | Path | None = None, settings: ProfileSettings | None = None,
               ) -> list[bytes]:  # fmt: skip
        """Request bodies: ``body_file``, else the config's ``profile.body_file``, else the
        workload's sample CSV (its ``description`` column as ``{"inputs": [text]}``).
        Blocks on the file; ``ConfigError`` naming it when unreadable."""
        from mlops_toolkit.loadgen import load_bodies
        from mlops_toolkit.workload import sample_data

        chosen = body_file if body_file is not None else (settings or self.settings()).body_file
        if chosen is None:
            sample = sample_data(self._client.config, self._client.project_dir)
            return load_bodies(sample, column="description", json_key="inputs", limit=2000)
        path = Path(chosen)
        path = path if path.is_absolute() else self._client.project_dir / path
        if path.suffix.lower() == ".csv":
            return load_bodies(path, column="description", json_key="inputs", limit=2000)
        return load_bodies(path, limit=2000)

    def _approve(self, action: str, confirm_env: str | None, approve: Any) -> None:
        require_approval(self._client.environment, action, confirm_env, approve)

    def _report_dir(self, endpoint: str, kind: str, output_dir: str | Path | None) -> Path:
        stamp = datetime.fromtimestamp(self.clock(), timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        name = f"{stamp}-{kind}-{secrets.token_hex(2)}"
        if output_dir is not None:
            root = Path(output_dir)
            root.mkdir(parents=True, exist_ok=True)
            return private_dir(root / name, root)
        state = self._client.state_dir
        return private_dir(state / "profiles" / endpoint / name, state.parent)

    def _lease(self, endpoint: str) -> Any:
        return self._client.target.rollout_store().lease(endpoint)

    def _per_instance(self, deployment: DeploymentInfo) -> int:
        # A local deployment is one server whatever its worker count (its "size").
        return 1 if self._client.target_name == "local" else max(1, deployment.instance_count)

    # ------------------------------------------------------------------ profile

    def profile(
        self,
        endpoint: str,
        *,
        deployment: str | None = None,
        allow_live: bool = False,
        confirm_env: str | None = None,
        approve: Any = None,
        body_file: str | Path | None = None,
        output_dir: str | Path | None = None,
        on_progress: ProgressCallback | None = None,
        **overrides: Any,
    ) -> ProfileResult:
        """Profile one deployment of ``endpoint`` and write its report. Blocks for the
        whole profile (minutes). Not idempotent: it sends real load.

        ``overrides`` are ``profile`` settings (``max_latency_p99_ms``,
        ``step_duration_s``, ...). Raises ``UsageError`` (nothing sent) for a
        bad name or setting, an ambiguous or live deployment without
        ``allow_live``; ``ApprovalRequired`` for prod without approval;
        ``ConfigError`` for an unreadable body file; ``NotFoundError`` for an
        unknown endpoint; ``ConflictError`` while a swap holds the endpoint;
        ``BackendError`` when the deployment is not healthy.
        """
        check_endpoint_name(endpoint)
        if deployment is not None:
            check_deployment_name(deployment)
        settings = self.settings(**overrides)
        return self._profile(
            endpoint, settings, deployment=deployment, allow_live=allow_live,
            confirm_env=confirm_env, approve=approve, body_file=body_file,
            output_dir=output_dir, on_progress=on_progress,
        )  # fmt: skip

    def _profile(
        self,
        endpoint: str,
        settings: ProfileSettings,
        *,
        deployment: str | None,
        allow_live: bool,
        confirm_env: str | None,
        approve: Any,
        body_file: str | Path | None,
        output_dir: str | Path | None,
        on_progress: ProgressCallback | None,
    ) -> ProfileResult:
        payloads = self.bodies(body_file, settings)
        info = self._client.endpoints.get(endpoint)
        name = choose_deployment(info, deployment)
        check_not_live(info, name, allow_live)
        self._approve(f"profile {endpoint}/{name}", confirm_env, approve)
        with self._lease(endpoint):
            info = self._client.endpoints.get(endpoint)  # as it is now, under the lease
            check_not_live(info, name, allow_live)
            result = self._measure(info, name, settings, payloads, on_progress)
        directory = self._report_dir(endpoint, f"profile-{name}", output_dir)
        paths = write_profile_report(result, directory)
        return _with_paths(result, paths)

    def _measure(
        self,
        info: EndpointInfo,
        name: str,
        settings: ProfileSettings,
        payloads: Sequence[bytes],
        on_progress: ProgressCallback | None,
    ) -> ProfileResult:
        """Profile deployment ``name`` of ``info`` (guards already checked)."""
        endpoints = self._client.endpoints
        found = endpoints.get_deployment(info.name, name)
        if found.health != "healthy":
            raise BackendError(
                f"deployment {info.name}/{name} is {found.health}"
                + (f" ({found.detail})" if found.detail else "")
                + "; nothing to profile",
                hint=f"See its log: `mlops-toolkit deployment logs --endpoint {info.name} "
                f"--name {name}`.",
            )
        if not info.scoring_uri.startswith(("http://", "https://")):
            raise BackendError(
                f"endpoint {info.name!r} has no scoring URI yet ({info.scoring_uri!r})"
            )
        key = endpoints.get_credentials(info.name).primary_key
        timeout = self._client.config.endpoints.request_timeout_ms / 1000.0 + 5.0
        load = LoadTarget(
            url=info.scoring_uri,  # the endpoint's own scoring URI, and nothing else
            headers={"Authorization": f"Bearer {key}", DEPLOYMENT_HEADER: name},
            bodies=tuple(payloads),
            timeout_s=timeout,
            redirect=self.redirect,
        )
        target = self._client.target
        usage = target.endpoints.deployment_usage(info.name, name)
        measured = measure(
            load,
            settings,
            usage=usage,
            usage_delay_s=float(getattr(target, "metrics_delay_s", 0.0)),
            on_progress=on_progress,
            sleep=self.sleep,
        )
        knee = measured.steps[measured.knee] if measured.knee is not None else None
        return ProfileResult(
            environment=self._client.environment,
            target=self._client.target_name,
            endpoint=info.name,
            deployment=name,
            model=found.model,
            instance_type=found.instance_type,
            instance_count=found.instance_count,
            scoring_uri=info.scoring_uri,
            objective=settings.objective.model_dump(),
            settings=settings.model_dump(exclude={"sizing", "objective"}),
            steps=measured.steps,
            knee=knee,
            knee_confirmed=measured.knee_confirmed,
            stop_reason=measured.stop_reason,
            started_at=measured.started_at,
            ended_at=measured.ended_at,
            warmup=measured.warmup,
        )

    # ------------------------------------------------------------------ sizing

    def size(
        self,
        endpoint: str,
        target_rps: float,
        *,
        deployment: str | None = None,
        model: str | None = None,
        candidates: Sequence[Candidate] | None = None,
        allow_live: bool = False,
        confirm_env: str | None = None,
        approve: Any = None,
        body_file: str | Path | None = None,
        output_dir: str | Path | None = None,
        on_progress: ProgressCallback | None = None,
        **overrides: Any,
    ) -> SizingResult:
        """Instances of each candidate type that serve ``target_rps`` with the config's
        headroom, from measured knees, with the monthly cost where a price is given.
        Blocks for one profile per candidate. Not idempotent.

        With candidates (``candidates`` or the config's
        ``profile.sizing.candidates``) each is profiled on a temporary
        deployment of ``model`` (default: the model of ``deployment``, or of
        the deployment chosen as ``profile`` chooses, the live one included)
        at 0 % traffic, deleted afterwards even on Ctrl-C or SIGTERM. Without,
        the chosen deployment itself is profiled (guarded as in ``profile``).
        Raises as ``profile`` does, plus ``UsageError`` naming ``target_rps``
        for a rate that is not positive and ``BackendError`` when a temporary
        deployment could not be deleted (its name is in the message).
        """
        check_endpoint_name(endpoint)
        if not (isinstance(target_rps, int | float) and math.isfinite(target_rps)
                and target_rps > 0):  # fmt: skip
            raise UsageError(f"target_rps: must be a positive number of requests/s, got "
                             f"{target_rps!r}")  # fmt: skip
        if deployment is not None:
            check_deployment_name(deployment)
        settings = self.settings(**overrides)
        chosen = tuple(candidates) if candidates is not None else settings.sizing.candidates
        if not chosen:
            return self._size_in_place(
                endpoint, target_rps, settings, deployment=deployment, allow_live=allow_live,
                confirm_env=confirm_env, approve=approve, body_file=body_file,
                output_dir=output_dir, on_progress=on_progress,
            )  # fmt: skip
        payloads = self.bodies(body_file, settings)
        info = self._client.endpoints.get(endpoint)
        if len(info.deployments) >= MAX_DEPLOYMENTS_PER_ENDPOINT:
            raise UsageError(
                f"endpoint {endpoint!r} has {len(info.deployments)} deployments, Azure's limit "
                f"is {MAX_DEPLOYMENTS_PER_ENDPOINT}: no room for a temporary one"
            )
        if model is None:
            source = model_source(info, deployment)
            model = self._client.endpoints.get_deployment(endpoint, source).model
        version = self._client.models.resolve(model)
        self._approve(
            f"create {len(chosen)} temporary deployment(s) of {version.ref} on {endpoint} "
            "to profile them",
            confirm_env,
            approve,
        )
        progress = on_progress or (lambda _line: None)
        rows: list[SizingRow] = []
        with self._lease(endpoint):
            for candidate in chosen:
                label = candidate.instance_type + (
                    f" ({candidate.local_workers} workers)"
                    if self._client.target_name == "local" else ""
                )  # fmt: skip
                progress(f"candidate {label}")
                profile = self._profile_candidate(
                    endpoint, version.ref, candidate, settings, payloads, progress
                )
                rows.append(self._row(candidate, profile, target_rps, settings))
        result = self._sizing_result(endpoint, version.ref, target_rps, settings, rows)
        directory = self._report_dir(endpoint, "sizing", output_dir)
        return _with_paths(result, write_sizing_report(result, directory))

    def _sizing_result(
        self,
        endpoint: str,
        model: str,
        target_rps: float,
        settings: ProfileSettings,
        rows: Sequence[SizingRow],
    ) -> SizingResult:
        return SizingResult(
            environment=self._client.environment,
            target=self._client.target_name,
            endpoint=endpoint,
            model=model,
            target_rps=float(target_rps),
            headroom_percent=settings.sizing.headroom_percent,
            min_instances=settings.sizing.min_instances,
            hours_per_month=settings.sizing.hours_per_month,
            rows=tuple(rows),
            recommended=recommend(rows),
        )

    def _size_in_place(
        self, endpoint: str, target_rps: float, settings: ProfileSettings, **options: Any
    ) -> SizingResult:
        """Size the profiled deployment's own instance type (no candidates configured)."""
        profile = self._profile(endpoint, settings, **options)
        deployment = self._client.endpoints.get_deployment(endpoint, profile.deployment)
        per_instance = self._per_instance(deployment)
        local = self._client.target_name == "local"
        row = _sizing_row(
            instance_type=deployment.instance_type or "unknown",
            local_workers=deployment.instance_count if local else None,
            profile=profile,
            knee=profile.knee_rps / per_instance if profile.knee_rps is not None else None,
            target_rps=target_rps,
            settings=settings,
            price=None,
        )
        result = self._sizing_result(endpoint, profile.model, target_rps, settings, [row])
        directory = self._report_dir(endpoint, "sizing", options.get("output_dir"))
        return _with_paths(result, write_sizing_report(result, directory))

    def _row(
        self,
        candidate: Candidate,
        profile: ProfileResult,
        target_rps: float,
        settings: ProfileSettings,
    ) -> SizingRow:
        local = self._client.target_name == "local"
        return _sizing_row(
            instance_type=candidate.instance_type,
            local_workers=candidate.local_workers if local else None,
            profile=profile,
            knee=profile.knee_rps,  # a temporary deployment has one instance
            target_rps=target_rps,
            settings=settings,
            price=candidate.price_per_hour,
        )

    def _profile_candidate(
        self,
        endpoint: str,
        model: str,
        candidate: Candidate,
        settings: ProfileSettings,
        payloads: Sequence[bytes],
        progress: ProgressCallback,
    ) -> ProfileResult:
        """Create a temporary deployment for ``candidate``, profile it, delete it however
        this ends. The caller holds the endpoint's lease."""
        endpoints = self._client.endpoints
        existing = set(endpoints.get(endpoint).deployments)
        name = _temporary_name(existing)
        local = self._client.target_name == "local"
        with sigterm_raises():
            try:
                progress(f"creating temporary deployment {endpoint}/{name} at 0 % traffic")
                endpoints.create_deployment(
                    endpoint,
                    name,
                    model=model,
                    instance_type=candidate.instance_type,
                    instance_count=candidate.local_workers if local else 1,
                    data_collection=False,
                    on_progress=progress,
                )
                info = endpoints.get(endpoint)
                return self._measure(info, name, settings, payloads, progress)
            finally:
                with interrupts_deferred():
                    self._delete_temporary(endpoint, name, progress)

    def _delete_temporary(self, endpoint: str, name: str, progress: ProgressCallback) -> None:
        """Delete temporary deployment ``name``; retry while the service is busy with it
        (409: e.g. its creation still runs on Azure after an interrupt), waiting at most
        ``CLEANUP_TIMEOUT_S`` in all. ``BackendError`` naming it otherwise."""
        progress(f"deleting temporary deployment {endpoint}/{name}")
        waited = 0.0
        delay = 2.0
        while True:
            try:
                self._client.endpoints.delete_deployment(endpoint, name)
                return
            except NotFoundError:
                return
            except ConflictError as exc:
                if waited + delay > CLEANUP_TIMEOUT_S:
                    raise BackendError(
                        f"could not delete temporary deployment {endpoint}/{name}: {exc.message}",
                        hint=f"Delete it yourself: `mlops-toolkit deployment delete --endpoint "
                        f"{endpoint} --name {name}`.",
                    ) from exc
                progress(f"{endpoint}/{name} is busy; deleting again in {delay:g}s")
                self.sleep(delay)
                waited += delay
                delay = min(delay * 2, 60.0)
            except (BackendError, UsageError, ConfigError) as exc:
                raise BackendError(
                    f"could not delete temporary deployment {endpoint}/{name}: {exc.message}",
                    hint=f"Delete it yourself: `mlops-toolkit deployment delete --endpoint "
                    f"{endpoint} --name {name}`.",
                ) from exc


def _temporary_name(existing: set[str]) -> str:
    while True:
        name = f"profile-{secrets.token_hex(3)}"
        if name not in existing:
            return name


def _sizing_row(
    *,
    instance_type: str,
    local_workers: int | None,
    profile: ProfileResult,
    knee: float | None,
    target_rps: float,
    settings: ProfileSettings,
    price: float | None,
) -> SizingRow:
    sizing = settings.sizing
    if knee is None or knee <= 0:
        return SizingRow(instance_type, local_workers, profile, None, None, price, None,
                         note=f"no step met the objective: {profile.stop_reason}")  # fmt: skip
    count = instances_needed(target_rps, knee, sizing.headroom_percent, sizing.min_instances)
    note = ""
    if count > MAX_INSTANCES_PER_DEPLOYMENT:
        note = (
            f"more than Azure's {MAX_INSTANCES_PER_DEPLOYMENT} instances per deployment: "
            "pick a larger size or split the traffic"
        )
    elif "max_rps" in profile.stop_reason:
        note = "the knee is at or above max_rps: the count is an upper bound"
    return SizingRow(
        instance_type, local_workers, profile, knee, count, price,
        monthly_cost(count, price, sizing.hours_per_month), note,
    )  # fmt: skip


def _with_paths(result: Any, paths: Mapping[str, Path]) -> Any:
    from dataclasses import replace

    return replace(result, report_paths=dict(paths))
