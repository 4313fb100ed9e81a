"""Local online endpoints: a router process in front of scoring-server processes.

An endpoint is a router (``mlops_toolkit.targets.local.router``) on
127.0.0.1 that needs a key (``Authorization: Bearer <key>``) as Azure's key
auth does, splits live traffic by weight, mirrors a share to a shadow
deployment and records per-deployment metrics. Each deployment is the Azure
ML inference server serving the workload's ``score.py`` with the registered
model's files, also on 127.0.0.1. Everything runs detached, so endpoints
outlive the command that created them; ``endpoint.json`` (0600) records keys,
traffic, deployments and processes (pid + start time), and ``get_*`` checks
the processes, reporting dead ones instead of trusting the file.

Changes to one endpoint are serialised by a file lock; a deployment is
replaced without downtime (new server up, router switched, old one stopped).
Callers validate names and traffic first (``mlops_toolkit.traffic``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_toolkit.errors import BackendError, ConflictError, NotFoundError
from mlops_toolkit.processes import ProcessRecord, is_alive, log_tail, start_detached, stop
from mlops_toolkit.safefs import private_dir, read_json, refuse_symlinks, write_json
from mlops_toolkit.targets.base import (
    DeploymentInfo,
    DeploymentSpec,
    EndpointInfo,
    EndpointKeys,
    InvokeResult,
    ProgressCallback,
)
from mlops_toolkit.targets.local.usage import ProcessTreeUsage

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget

ROUTER_MODULE = "mlops_toolkit.targets.local.router"
ROUTER_START_TIMEOUT = 30.0
LOCK_TIMEOUT = 300.0
#: Header Azure uses to aim a request at one deployment.
DEPLOYMENT_HEADER = "azureml-model-deployment"


class LocalEndpoints:
    """``EndpointOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target
        self.paths = target.paths

    # ------------------------------------------------------------------ state

    def _dir(self, name: str) -> Path:
        return self.paths.endpoint_dir(name)

    def _state_file(self, name: str) -> Path:
        return self._dir(name) / "endpoint.json"

    def _load(self, name: str) -> dict[str, Any]:
        try:
            state = read_json(
                self._state_file(name), self.paths.state_root, what=f"endpoint {name}"
            )
        except FileNotFoundError:
            raise NotFoundError(
                f"endpoint {name!r} does not exist in environment {self._target.environment!r}",
                hint="List endpoints with `mlops-toolkit endpoint list`.",
            ) from None
        if not isinstance(state, dict):
            raise BackendError(f"endpoint {name}: {self._state_file(name)} is not an object")
        return state

    def _save(self, name: str, state: Mapping[str, Any]) -> None:
        write_json(self._state_file(name), state, self.paths.state_root)

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        from filelock import FileLock, Timeout

        private_dir(self.paths.endpoints_dir, self.paths.state_root)
        lock_path = self.paths.endpoints_dir / f".{name}.lock"
        refuse_symlinks(lock_path, self.paths.state_root)
        lock = FileLock(str(lock_path), timeout=LOCK_TIMEOUT)
        try:
            with lock:
                yield
        except Timeout:
            raise ConflictError(
                f"endpoint {name!r} is being changed by another command (lock {lock_path})",
                hint="Wait for it to finish, then run the command again.",
            ) from None

    # ------------------------------------------------------------------ endpoints

    def create_endpoint(self, name: str, *, auth_mode: str = "key") -> EndpointInfo:
        self._target.workspace.require()
        if auth_mode != "key":
            from mlops_toolkit.errors import UsageError

            raise UsageError(
                f"auth_mode: the local target supports key auth only, got {auth_mode!r}"
            )
        with self._locked(name):
            if self._state_file(name).exists():
                raise ConflictError(
                    f"endpoint {name!r} already exists",
                    hint=f"Use it, or delete it first: `mlops-toolkit endpoint delete {name}`.",
                )
            directory = private_dir(self._dir(name), self.paths.state_root)
            state: dict[str, Any] = {
                "name": name,
                "created_at": _now(),
                "auth_mode": auth_mode,
                "keys": [secrets.token_urlsafe(32), secrets.token_urlsafe(32)],
                "admin_token": secrets.token_urlsafe(32),
                "request_timeout_s": self._target.config.endpoints.request_timeout_ms / 1000,
                "traffic": {},
                "mirror_traffic": {},
                "deployments": {},
            }
            try:
                state["router"] = self._start_router(directory, state)
            except BaseException:
                shutil.rmtree(directory, ignore_errors=True)
                raise
            self._save(name, state)
        return self.get_endpoint(name)

    def get_endpoint(self, name: str) -> EndpointInfo:
        return self._info(self._load(name))

    def list_endpoints(self) -> tuple[EndpointInfo, ...]:
        root = self.paths.endpoints_dir
        if not root.is_dir():
            return ()
        found = []
        for entry in sorted(root.iterdir()):
            if entry.is_dir() and not entry.is_symlink() and (entry / "endpoint.json").is_file():
                found.append(self.get_endpoint(entry.name))
        return tuple(found)

    def delete_endpoint(self, name: str) -> None:
        with self._locked(name):
            directory = self._dir(name)
            if not directory.exists():
                return
            try:
                state = self._load(name)
            except (NotFoundError, BackendError):
                state = {}
            except Exception:  # a damaged state file must not block deleting the endpoint
                state = {}
            for deployment in (state.get("deployments") or {}).values():
                _stop_recorded(deployment.get("process"))
            _stop_recorded((state.get("router") or {}).get("process"))
            shutil.rmtree(directory)

    # ------------------------------------------------------------------ deployments

    def create_or_update_deployment(
        self, spec: DeploymentSpec, on_progress: ProgressCallback | None = None
    ) -> DeploymentInfo:
        progress = on_progress or (lambda _line: None)
        with self._locked(spec.endpoint):
            state = self._load(spec.endpoint)
            self._require_router(state)
            name, _, version = spec.model.partition(":")
            ddir = private_dir(
                self._dir(spec.endpoint) / "deployments" / spec.name, self.paths.state_root
            )
            # Azure's layout of a mounted registered model: .../<name>/<version>/
            model_dir = ddir / "models" / name / version
            if not model_dir.is_dir():
                progress(f"Downloading model {spec.model} from the registry")
                private_dir(model_dir.parent, self.paths.state_root)
                self._target.models.download(name, version, str(model_dir))
            previous = state["deployments"].get(spec.name)
            generation = int((previous or {}).get("generation", 0)) + 1
            log_path = ddir / f"server-{generation}.log"
            progress(f"Starting the inference server of {spec.endpoint}/{spec.name}")
            server = self._start_scoring_server(spec, model_dir, log_path)
            record = {
                "name": spec.name,
                "model": spec.model,
                "generation": generation,
                "created_at": (previous or {}).get("created_at", _now()),
                "updated_at": _now(),
                "url": server.base_url,
                "process": server.process.as_dict(),
                "log": str(log_path),
                "instance_type": spec.instance_type,
                "instance_count": spec.instance_count,
                "tags": dict(spec.tags),
                "data_collection": spec.data_collection,
            }
            deployments = dict(state["deployments"])
            deployments[spec.name] = record
            new_state = {**state, "deployments": deployments}
            if spec.name not in new_state["traffic"]:
                new_state["traffic"] = {**state["traffic"], spec.name: 0}
            try:
                self._push_routes(new_state)
            except BaseException:
                stop(server.process, grace=5.0)
                raise
            self._save(spec.endpoint, new_state)
            if previous is not None:
                progress(f"Stopping the previous server of {spec.endpoint}/{spec.name}")
                _stop_recorded(previous.get("process"))
        return self.get_deployment(spec.endpoint, spec.name)

    def get_deployment(self, endpoint: str, name: str) -> DeploymentInfo:
        state = self._load(endpoint)
        record = state["deployments"].get(name)
        if record is None:
            raise NotFoundError(
                f"endpoint {endpoint!r} has no deployment {name!r} "
                f"(deployments: {', '.join(sorted(state['deployments'])) or 'none'})"
            )
        return _deployment_info(endpoint, record)

    def list_deployments(self, endpoint: str) -> tuple[DeploymentInfo, ...]:
        state = self._load(endpoint)
        return tuple(
            _deployment_info(endpoint, state["deployments"][n])
            for n in sorted(state["deployments"])
        )

    def delete_deployment(self, endpoint: str, name: str) -> None:
        with self._locked(endpoint):
            state = self._load(endpoint)
            record = state["deployments"].get(name)
            if record is None:
                return
            deployments = {k: v for k, v in state["deployments"].items() if k != name}
            new_state = {
                **state,
                "deployments": deployments,
                "traffic": {k: v for k, v in state["traffic"].items() if k != name},
                "mirror_traffic": {k: v for k, v in state["mirror_traffic"].items() if k != name},
            }
            if _router_alive(state):
                self._push_routes(new_state)
            self._save(endpoint, new_state)
            _stop_recorded(record.get("process"))
            shutil.rmtree(self._dir(endpoint) / "deployments" / name, ignore_errors=True)

    def set_traffic(
        self,
        endpoint: str,
        traffic: Mapping[str, int],
        mirror_traffic: Mapping[str, int] | None = None,
    ) -> EndpointInfo:
        with self._locked(endpoint):
            state = self._load(endpoint)
            self._require_router(state)
            new_state = {
                **state,
                "traffic": dict(traffic),
                "mirror_traffic": (
                    dict(mirror_traffic) if mirror_traffic is not None else state["mirror_traffic"]
                ),
            }
            self._push_routes(new_state)
            self._save(endpoint, new_state)
        return self.get_endpoint(endpoint)

    def get_keys(self, endpoint: str) -> EndpointKeys:
        keys = self._load(endpoint)["keys"]
        return EndpointKeys(primary_key=keys[0], secondary_key=keys[1])

    def invoke(
        self,
        endpoint: str,
        body: bytes,
        *,
        deployment: str | None = None,
        timeout: float = 60.0,
    ) -> InvokeResult:
        state = self._load(endpoint)
        self._require_router(state)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {state['keys'][0]}",
        }
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        url = state["router"]["url"] + "/score"
        return http_post(url, body, headers, timeout)

    def deployment_logs(self, endpoint: str, name: str, lines: int = 200) -> str:
        state = self._load(endpoint)
        record = state["deployments"].get(name)
        if record is None:
            raise NotFoundError(f"endpoint {endpoint!r} has no deployment {name!r}")
        text = log_tail(Path(record["log"]), chars=max(lines, 1) * 400)
        return "\n".join(text.splitlines()[-lines:])

    def deployment_usage(self, endpoint: str, name: str) -> ProcessTreeUsage:
        """A psutil sampler of the deployment's server process tree (not started)."""
        state = self._load(endpoint)
        record = state["deployments"].get(name)
        if record is None:
            raise NotFoundError(f"endpoint {endpoint!r} has no deployment {name!r}")
        return ProcessTreeUsage(ProcessRecord.from_dict(record["process"]))

    # ------------------------------------------------------------------ metrics support

    def router_metrics(self, endpoint: str, start: float, end: float, interval: float) -> Any:
        """The router's per-deployment metrics JSON for ``[start, end)`` (see the router)."""
        state = self._load(endpoint)
        self._require_router(state)
        url = (
            f"{state['router']['url']}/_mlops/metrics?start={start:.3f}&end={end:.3f}"
            f"&interval={interval:g}"
        )
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {state['admin_token']}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise BackendError(
                f"endpoint {endpoint}: cannot read the router's metrics: {exc}"
            ) from exc

    # ------------------------------------------------------------------ processes

    def _start_router(self, directory: Path, state: Mapping[str, Any]) -> dict[str, Any]:
        config_path = directory / "router.json"
        ready_path = directory / "router.ready.json"
        write_json(config_path, _router_config(state), self.paths.state_root)
        ready_path.unlink(missing_ok=True)
        record = start_detached(
            [sys.executable, "-m", ROUTER_MODULE, "--config", str(config_path),
             "--ready-file", str(ready_path)],
            log_path=directory / "router.log",
        )  # fmt: skip
        deadline = time.monotonic() + ROUTER_START_TIMEOUT
        while not ready_path.is_file():
            if not is_alive(record):
                raise BackendError(
                    f"the router of endpoint {state['name']} exited while starting:\n"
                    + log_tail(directory / "router.log")
                )
            if time.monotonic() > deadline:
                stop(record, grace=2.0)
                raise BackendError(
                    f"the router of endpoint {state['name']} did not start within "
                    f"{ROUTER_START_TIMEOUT:.0f}s:\n" + log_tail(directory / "router.log")
                )
            time.sleep(0.05)
        ready = json.loads(ready_path.read_text(encoding="utf-8"))
        return {"process": record.as_dict(), "url": ready["url"], "port": ready["port"]}

    def _start_scoring_server(self, spec: DeploymentSpec, model_dir: Path, log_path: Path) -> Any:
        from mlops_toolkit.targets.local.scoring_server import start_server
        from mlops_toolkit.workload import scoring_script

        env = dict(spec.environment_variables)
        if spec.data_collection:
            collect = private_dir(
                self._dir(spec.endpoint) / "collected" / spec.name, self.paths.state_root
            )
            env.setdefault("MLOPS_DATA_COLLECTION_DIR", str(collect))
        return start_server(
            scoring_script(self._target.config, self._target.project_dir),
            model_dir,
            log_path=log_path,
            extra_env=env,
            workers=max(1, spec.instance_count),
        )

    def _push_routes(self, state: Mapping[str, Any]) -> None:
        """Apply ``state``'s deployments and traffic to the running router, then save its config."""
        config = _router_config(state)
        body = json.dumps(
            {
                k: config[k]
                for k in ("deployments", "traffic", "mirror_traffic", "request_timeout_s")
            }
        ).encode()
        request = urllib.request.Request(
            state["router"]["url"] + "/_mlops/config",
            data=body,
            method="PUT",
            headers={
                "Authorization": f"Bearer {state['admin_token']}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            raise BackendError(
                f"endpoint {state['name']}: the router refused the change ({exc.code}): {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise BackendError(f"endpoint {state['name']}: cannot reach its router: {exc}") from exc
        write_json(self._dir(state["name"]) / "router.json", config, self.paths.state_root)

    def _require_router(self, state: Mapping[str, Any]) -> None:
        if not _router_alive(state):
            raise BackendError(
                f"the router process of endpoint {state['name']!r} is not running",
                hint=(
                    f"Delete and recreate the endpoint (`mlops-toolkit endpoint delete "
                    f"{state['name']}`), or see {self._dir(state['name']) / 'router.log'}."
                ),
            )

    def _info(self, state: Mapping[str, Any]) -> EndpointInfo:
        router_ok = _router_alive(state)
        dead = [n for n, d in state["deployments"].items() if not _record_alive(d.get("process"))]
        if not router_ok:
            health, detail = "dead", "router process is not running"
        elif dead:
            health, detail = (
                "degraded",
                f"deployment process not running: {', '.join(sorted(dead))}",
            )
        else:
            health, detail = "healthy", ""
        return EndpointInfo(
            name=state["name"],
            scoring_uri=f"{state['router']['url']}/score",
            auth_mode=state.get("auth_mode", "key"),
            traffic=dict(state["traffic"]),
            mirror_traffic=dict(state["mirror_traffic"]),
            provisioning_state="Succeeded" if router_ok else "Failed",
            deployments=tuple(sorted(state["deployments"])),
            health=health,
            detail=detail,
        )


def _router_config(state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "endpoint": state["name"],
        "keys": list(state["keys"]),
        "admin_token": state["admin_token"],
        "deployments": {n: {"url": d["url"]} for n, d in state["deployments"].items()},
        "traffic": dict(state["traffic"]),
        "mirror_traffic": dict(state["mirror_traffic"]),
        "request_timeout_s": float(state.get("request_timeout_s", 5.0)),
    }


def _deployment_info(endpoint: str, record: Mapping[str, Any]) -> DeploymentInfo:
    alive = _record_alive(record.get("process"))
    return DeploymentInfo(
        name=record["name"],
        endpoint=endpoint,
        model=record["model"],
        provisioning_state="Succeeded" if alive else "Failed",
        health="healthy" if alive else "dead",
        instance_type=record.get("instance_type"),
        instance_count=int(record.get("instance_count", 1)),
        scoring_uri=record.get("url"),
        detail=""
        if alive
        else f"server process {record.get('process', {}).get('pid')} is not running",
        tags=dict(record.get("tags") or {}),
    )


def _record_alive(data: Mapping[str, Any] | None) -> bool:
    if not data:
        return False
    try:
        return is_alive(ProcessRecord.from_dict(data))
    except (KeyError, TypeError, ValueError):
        return False


def _router_alive(state: Mapping[str, Any]) -> bool:
    return _record_alive((state.get("router") or {}).get("process"))


def _stop_recorded(data: Mapping[str, Any] | None) -> None:
    if not data:
        return
    with contextlib.suppress(KeyError, TypeError, ValueError):
        stop(ProcessRecord.from_dict(data), grace=10.0)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> InvokeResult:
    """POST ``body``; any HTTP status is a result, a transport failure a ``BackendError``."""
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            status = response.status
            reply_headers = dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        status = exc.code
        reply_headers = dict(exc.headers.items()) if exc.headers else {}
    except (urllib.error.URLError, OSError) as exc:
        raise BackendError(f"cannot reach {url}: {exc}") from exc
    lowered = {k.lower(): v for k, v in reply_headers.items()}
    return InvokeResult(
        status=status,
        body=payload,
        deployment=lowered.get(DEPLOYMENT_HEADER),
        latency_ms=(time.perf_counter() - started) * 1000,
        headers=reply_headers,
    )
