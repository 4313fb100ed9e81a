"""Pipeline jobs: ARM ``jobs`` resources, run history children and logs, simulated compute.

``PUT .../jobs/<name>`` with a pipeline body stores the job and starts a
runtime thread: ``NotStarted`` -> ``Queued`` -> ``Running``, then each step
in dependency order as a child run, and finally ``Completed``, ``Failed``
(a step exited non-zero) or ``Canceled`` (``POST .../jobs/<name>/cancel``, an
LRO). With ``FakeArm(execute_steps=True)`` (the default) a step really runs
its component's ``command`` in a temporary copy of the uploaded code
snapshot, with inputs and outputs bound as Azure binds them (literals,
upstream outputs, component defaults; ``$[[...]]`` optional sections); its
stdout and stderr are the step's ``user_logs/std_log.txt``. Otherwise a step
only logs what it would have run.

Run history (``<region>.api.azureml.ms/history/v1.0/...``) serves the
children of a pipeline run and each run's details with SAS URLs of its log
files, which the blob service answers from the live log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fake_arm import lro
from tests.fake_arm.assets_api import now_iso, system_data
from tests.fake_arm.paths import HISTORY, WS
from tests.fake_arm.server import Context, Response, Router, error
from tests.fake_arm.workspace_api import STORAGE_ACCOUNT, check_workspace

if TYPE_CHECKING:
    from tests.fake_arm.server import FakeArm

TERMINAL = ("Completed", "Failed", "Canceled")
LOG_CONTAINER = "azureml"
_PARENT_OUTPUT = re.compile(r"\$\{\{parent\.jobs\.(\w+)\.outputs\.(\w+)\}\}")
_PARENT_INPUT = re.compile(r"\$\{\{parent\.inputs\.(\w+)\}\}")
_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)
_PLACEHOLDER = re.compile(r"\$\{\{(inputs|outputs)\.(\w+)\}\}")


class StepRun:
    """One child run of a pipeline job."""

    def __init__(self, job: JobRuntime, node: str) -> None:
        self.job = job
        self.node = node
        self.run_id = f"{job.name}-{node}"
        self.status = "NotStarted"
        self.created = now_iso()
        self.started: str | None = None
        self.ended: str | None = None
        self.error: str | None = None
        self.log = bytearray()
        self.process: subprocess.Popen[bytes] | None = None

    def as_run(self) -> dict[str, Any]:
        run: dict[str, Any] = {
            "runId": self.run_id,
            "parentRunId": self.job.name,
            "rootRunId": self.job.name,
            "displayName": self.node,
            "name": self.node,
            "status": self.status,
            "experimentId": "exp-" + self.job.experiment,
            "runType": "azureml.StepRun",
            "createdUtc": self.created,
            "startTimeUtc": self.started,
            "endTimeUtc": self.ended,
            "properties": {"azureml.nodeid": self.node, "StepType": "CommandStep"},
            "tags": {},
            "compute": {"target": self.job.compute_of(self.node)},
            "createdBy": {"userName": "fake-user"},
        }
        if self.error:
            run["error"] = {"error": {"code": "UserError", "message": self.error}}
        run["logFiles"] = {
            "user_logs/std_log.txt": (
                f"https://{STORAGE_ACCOUNT}.blob.core.windows.net/{LOG_CONTAINER}/ExperimentRun/"
                f"dcid.{self.run_id}/user_logs/std_log.txt?sv=2021-08-06&sr=b&sp=r&sig=fake"
            )
        }
        return run


class JobRuntime:
    """Runs one pipeline job's steps in a background thread."""

    def __init__(self, arm: FakeArm, name: str, resource: dict[str, Any]) -> None:
        self.arm = arm
        self.name = name
        self.resource_id = resource["id"]
        props = resource["properties"]
        self.experiment = props.get("experimentName") or "Default"
        self.nodes: dict[str, dict[str, Any]] = dict(props.get("jobs") or {})
        self.pipeline_inputs: dict[str, Any] = dict(props.get("inputs") or {})
        self.default_compute = (props.get("settings") or {}).get("default_compute")
        self.steps = {node: StepRun(self, node) for node in self.nodes}
        self.cancel_requested = threading.Event()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"fake-arm-job-{name}-"))
        self.thread = threading.Thread(target=self._run, name=f"fake-job-{name}", daemon=True)

    # ------------------------------------------------------------------ status

    def _set_status(self, status: str) -> None:
        with self.arm.lock:
            resource = self.arm.state.get(self.resource_id)
            if resource is None:
                return
            current = resource["properties"].get("status")
            if current in TERMINAL:
                return
            self.arm.state.update(self.resource_id, status=status)

    def status(self) -> str:
        resource = self.arm.state.get(self.resource_id)
        return str(resource["properties"]["status"]) if resource else "Unknown"

    def as_run(self) -> dict[str, Any]:
        """The pipeline's own run, as run history reports it."""
        ends = [s.ended for s in self.steps.values() if s.ended]
        status = self.status()
        return {
            "runId": self.name,
            "displayName": self.name,
            "status": status,
            "experimentId": "exp-" + self.experiment,
            "runType": "azureml.PipelineRun",
            "endTimeUtc": max(ends) if ends and status in TERMINAL else None,
            "logFiles": {},
        }

    def compute_of(self, node: str) -> str | None:
        compute = self.nodes[node].get("computeId") or self.default_compute
        return str(compute).rsplit("/", 1)[-1] if compute else None

    # ------------------------------------------------------------------ run

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop the steps and wait for the runtime thread (the fake is shutting down)."""
        self.cancel_requested.set()
        for step in self.steps.values():
            _kill(step.process)
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def cancel(self) -> None:
        self.cancel_requested.set()
        for step in self.steps.values():
            _kill(step.process)
            if step.status in ("NotStarted", "Queued", "Running"):
                step.status = "Canceled"
                step.ended = step.ended or now_iso()

    def _run(self) -> None:
        delay = self.arm.step_delay
        try:
            self._set_status("Queued")
            if self.cancel_requested.wait(delay):
                return
            self._set_status("Running")
            for node in _order(self.nodes):
                if self.cancel_requested.is_set():
                    return
                ok = self._run_step(self.steps[node])
                if not ok:
                    if not self.cancel_requested.is_set():
                        self._set_status("Failed")
                    return
            if not self.cancel_requested.is_set():
                self._set_status("Completed")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _run_step(self, step: StepRun) -> bool:
        step.status = "Running"
        step.created = step.started = now_iso()  # Azure creates a step's run when it starts
        try:
            command, cwd = self._command(step.node)
        except Exception as exc:  # a job the service could not run
            step.status = "Failed"
            step.error = f"cannot run step {step.node}: {exc}"
            step.ended = now_iso()
            return False
        if not self.arm.execute_steps:
            step.log += f"(not executed) would run in {cwd.name}: {command}\n".encode()
            if self.cancel_requested.wait(self.arm.step_delay):
                return False
            step.status = "Completed"
            step.ended = now_iso()
            return True
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env["AZUREML_RUN_ID"] = step.run_id
        process = subprocess.Popen(
            ["/bin/sh", "-c", command],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        step.process = process
        assert process.stdout is not None
        with process.stdout:
            for chunk in iter(process.stdout.readline, b""):
                step.log += chunk
        code = process.wait()
        step.ended = now_iso()
        if self.cancel_requested.is_set():
            step.status = "Canceled"
            return False
        if code != 0:
            step.status = "Failed"
            step.error = f"step {step.node} exited with code {code}"
            return False
        step.status = "Completed"
        return True

    # ------------------------------------------------------------------ binding

    def _command(self, node: str) -> tuple[str, Path]:
        spec = self.nodes[node]
        component = self.arm.state.get(spec["componentId"])
        if component is None:
            raise ValueError(f"component {spec['componentId']} does not exist")
        component_spec = component["properties"]["componentSpec"]
        cwd = self.workdir / node
        cwd.mkdir(parents=True, exist_ok=True)
        self._materialize_code(str(component_spec.get("code") or ""), cwd)
        values: dict[str, str | None] = {}
        for name, declared in (component_spec.get("inputs") or {}).items():
            default = declared.get("default")
            values[name] = None if default is None else str(default)
        for name, given in (spec.get("inputs") or {}).items():
            values[name] = self._input_value(given)
        outputs: dict[str, str] = {}
        for name in component_spec.get("outputs") or {}:
            path = self.workdir / "outputs" / node / name
            path.mkdir(parents=True, exist_ok=True)
            outputs[name] = str(path)
        command = str(component_spec["command"])

        def optional(match: re.Match[str]) -> str:
            inner = match.group(1)
            needed = [n for kind, n in _PLACEHOLDER.findall(inner) if kind == "inputs"]
            return inner if all(values.get(n) is not None for n in needed) else ""

        command = _OPTIONAL.sub(optional, command)

        def placeholder(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == "outputs":
                return outputs[name]
            value = values.get(name)
            if value is None:
                raise ValueError(f"input {name!r} of step {node} has no value")
            return value

        return _PLACEHOLDER.sub(placeholder, command), cwd

    def _input_value(self, given: dict[str, Any]) -> str | None:
        kind = given.get("job_input_type") or given.get("jobInputType")
        if kind == "literal":
            value = str(given.get("value"))
            upstream = _PARENT_OUTPUT.fullmatch(value)
            if upstream:
                path = self.workdir / "outputs" / upstream.group(1) / upstream.group(2)
                return str(path)
            parent = _PARENT_INPUT.fullmatch(value)
            if parent:
                bound = self.pipeline_inputs.get(parent.group(1))
                return self._input_value(bound) if bound else None
            return value
        uri = given.get("uri")
        if uri is None:
            return None
        # A data or model URI: Azure mounts it; the fake gives an empty folder.
        folder = self.workdir / "mounted" / re.sub(r"[^A-Za-z0-9_.-]", "_", str(uri))
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    def _materialize_code(self, code_ref: str, cwd: Path) -> None:
        code = self.arm.state.get(code_ref.removeprefix("azureml:")) if code_ref else None
        if code is None:
            return
        uri = str(code["properties"].get("codeUri") or "")
        match = re.match(r"https://([^.]+)\.blob\.core\.windows\.net/([^/]+)/?(.*)", uri)
        if not match:
            return
        account, container, prefix = match.groups()
        for (acct, cont, name), blob in list(self.arm.state.blobs.items()):
            if acct != account or cont != container or not name.startswith(prefix):
                continue
            relative = name[len(prefix) :].lstrip("/")
            if not relative:
                continue
            target = cwd / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.data)


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _order(nodes: dict[str, dict[str, Any]]) -> list[str]:
    """Steps in dependency order (upstream outputs first), stable otherwise."""
    needs = {
        name: {
            m.group(1)
            for given in (spec.get("inputs") or {}).values()
            for m in [_PARENT_OUTPUT.fullmatch(str(given.get("value", "")))]
            if m
        }
        for name, spec in nodes.items()
    }
    order: list[str] = []
    while len(order) < len(nodes):
        ready = [n for n in nodes if n not in order and needs[n] <= set(order)]
        if not ready:
            raise ValueError("the pipeline's steps depend on each other in a cycle")
        order.append(ready[0])
    return order


# ---------------------------------------------------------------------- ARM jobs


def _job_id(ctx: Context) -> str:
    return f"{ctx.arm.workspace_id}/jobs/{ctx.params['name']}"


def _put_job(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    body = ctx.json or {}
    props = body.get("properties") or {}
    rid = _job_id(ctx)
    existing = arm.state.get(rid)
    if existing is not None:
        # Only display name, description, tags and properties may change.
        for key in ("displayName", "description", "tags", "properties"):
            if key in props:
                existing["properties"][key] = props[key]
        return Response(200, arm.state.put(rid, existing))
    if props.get("jobType") != "Pipeline":
        return error(400, "UserError", "the fake runs pipeline jobs only")
    for node, spec in (props.get("jobs") or {}).items():
        component_id = spec.get("componentId")
        if not component_id or arm.state.get(component_id) is None:
            return error(400, "UserError", f"step {node}: component {component_id} not found")
    name = ctx.params["name"]
    studio = f"https://ml.azure.com/runs/{name}?wsid={arm.workspace_id}"
    resource = {
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/jobs",
        "properties": {
            **props,
            "status": "NotStarted",
            "services": {"Studio": {"jobServiceType": "Studio", "endpoint": studio}},
        },
        "systemData": system_data(),
    }
    stored = arm.state.put(rid, resource)
    runtime = JobRuntime(arm, name, stored)
    arm.state.jobs[name] = runtime
    runtime.start()
    return Response(201, stored)


def _get_job(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.get(_job_id(ctx))
    if found is None:
        return error(404, "UserError", f"Job {ctx.params['name']} not found.")
    return Response(200, found)


def _list_jobs(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    found = ctx.arm.state.children(f"{ctx.arm.workspace_id}/jobs")
    found.sort(key=lambda job: job["systemData"]["createdAt"], reverse=True)
    return Response(200, {"value": found})


def _cancel_job(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    arm = ctx.arm
    rid = _job_id(ctx)
    found = arm.state.get(rid)
    if found is None:
        return error(404, "UserError", f"Job {ctx.params['name']} not found.")
    status = found["properties"]["status"]
    if status in TERMINAL:
        return error(400, "UserError", f"Job {ctx.params['name']} is in terminal state {status}.")
    arm.state.update(rid, status="CancelRequested")
    runtime = arm.state.jobs.get(ctx.params["name"])
    if runtime is not None:
        runtime.cancel()

    def done() -> None:
        arm.state.update(rid, status="Canceled")

    return lro.begin(ctx, rid + "/cancel", done, status=202)


# ---------------------------------------------------------------------- run history


def _runtime(ctx: Context) -> JobRuntime | None:
    return ctx.arm.state.jobs.get(ctx.params["run"])


def _children(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    runtime = _runtime(ctx)
    if runtime is None:
        return error(404, "UserError", f"Run {ctx.params['run']} not found.")
    runs = [s.as_run() for s in runtime.steps.values() if s.status != "NotStarted"]
    return Response(200, {"value": runs, "continuationToken": None, "nextLink": None})


def _step(ctx: Context) -> StepRun | None:
    run_id = ctx.params["run"]
    for runtime in ctx.arm.state.jobs.values():
        for step in runtime.steps.values():
            if step.run_id == run_id:
                return step
    return None


def log_of(arm: FakeArm, container: str, blob: str) -> bytes | None:
    """The live log of a step, for the blob service (``azureml/ExperimentRun/dcid.<run>/...``)."""
    match = re.fullmatch(r"ExperimentRun/dcid\.([^/]+)/user_logs/std_log\.txt", blob)
    if container != LOG_CONTAINER or not match:
        return None
    for runtime in arm.state.jobs.values():
        for step in runtime.steps.values():
            if step.run_id == match.group(1):
                return bytes(step.log)
    return None


def _details(ctx: Context) -> Response:
    if (denied := check_workspace(ctx)) is not None:
        return denied
    step = _step(ctx)
    if step is not None:
        return Response(200, step.as_run())
    runtime = _runtime(ctx)
    if runtime is None:
        return error(404, "UserError", f"Run {ctx.params['run']} not found.")
    return Response(200, runtime.as_run())


def register(router: Router) -> None:
    router.add("arm", "PUT", WS + r"/jobs/(?P<name>[^/]+)", _put_job)
    router.add("arm", "GET", WS + r"/jobs/(?P<name>[^/]+)", _get_job)
    router.add("arm", "GET", WS + r"/jobs", _list_jobs)
    router.add("arm", "POST", WS + r"/jobs/(?P<name>[^/]+)/cancel", _cancel_job)
    router.add(
        "runhistory", "GET", HISTORY + r"/(?:experiment\w*/[^/]+/)?runs/(?P<run>[^/]+)/children",
        _children,
    )  # fmt: skip
    router.add(
        "runhistory", "GET", HISTORY + r"/(?:experiment\w*/[^/]+/)?runs/(?P<run>[^/]+)/details",
        _details,
    )  # fmt: skip
