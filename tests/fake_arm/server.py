"""The fake Resource Manager's HTTP server: routing, recording, auth and injected faults.

``FakeArm`` listens on 127.0.0.1 (a random port) in a background thread. Every
request is recorded (``FakeArm.requests``) before anything else happens, so
tests can assert the exact sequence the SDKs sent. Requests reach it through
``LoopbackTransport`` (which keeps the original host in a header) or, for
blob storage SAS URLs the SDK uses without a transport, directly.

Services, picked by the original host:

* ``management.azure.com``: ARM (workspace assets, jobs, schedules, endpoints,
  monitor);
* ``<region>.api.azureml.ms``: workspace and registry discovery, run history;
* ``<region>.experiments.azureml.net``: an Azure ML registry's assets;
* ``<endpoint>.<region>.inference.ml.azure.com``: scoring;
* ``<account>.blob.core.windows.net`` or a path-style loopback URL: blobs.

Faults are queued with ``FakeArm.faults`` and answered before the handler
runs; tokens are checked against the fake credential's registry.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_arm.credential import FakeCredential, TokenRegistry

ORIGINAL_HOST_HEADER = "x-fake-arm-original-host"
ARM_HOST = "management.azure.com"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    def __str__(self) -> str:
        return f"{self.method} {self.host}{self.path}"


@dataclass
class Response:
    """What a handler answers."""

    status: int
    body: Any = None  # JSON-able, bytes or None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


def error(status: int, code: str, message: str, **headers: str) -> Response:
    """An ARM error response."""
    return Response(status, {"error": {"code": code, "message": message}}, dict(headers))


@dataclass
class Fault:
    """An injected answer for matching requests, used ``times`` times."""

    method: str | None
    path: re.Pattern[str]
    response: Response
    times: int
    service: str | None = None

    def matches(self, request: RecordedRequest, service: str) -> bool:
        if self.times <= 0:
            return False
        if self.method and self.method != request.method:
            return False
        if self.service and self.service != service:
            return False
        return bool(self.path.search(request.path))


class FaultPlan:
    """Queued faults; the first match answers instead of the handler."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        status: int,
        *,
        method: str | None = None,
        path: str = "",
        times: int = 1,
        code: str | None = None,
        message: str = "injected fault",
        headers: dict[str, str] | None = None,
        service: str | None = "arm",
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (an ARM error body)."""
        codes = {
            409: "Conflict",
            429: "TooManyRequests",
            500: "InternalServerError",
            503: "ServiceUnavailable",
        }
        response = error(status, code or codes.get(status, "Error"), message, **(headers or {}))
        fault = Fault(method, re.compile(path, re.IGNORECASE), response, times, service)
        with self._lock:
            self._faults.append(fault)
        return fault

    def throttle(self, *, method: str | None = None, path: str = "", times: int = 1,
                 retry_after: int = 1) -> Fault:  # fmt: skip
        """429 with ``Retry-After`` (seconds), as ARM throttles."""
        return self.add(
            429,
            method=method,
            path=path,
            times=times,
            message="Too many requests; retry later.",
            headers={"Retry-After": str(retry_after)},
        )

    def take(self, request: RecordedRequest, service: str) -> Response | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request, service):
                    fault.times -= 1
                    return fault.response
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(max(f.times, 0) for f in self._faults)


Handler = Callable[["Context"], Response]


@dataclass
class Context:
    """A request being handled, with the path's named groups."""

    request: RecordedRequest
    params: dict[str, str]
    arm: FakeArm

    @property
    def json(self) -> Any:
        return self.request.json


class Router:
    """``(service, method, pattern) -> handler``; patterns match the whole path."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []

    def add(self, service: str, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((service, method, re.compile(pattern, re.IGNORECASE), handler))

    def find(self, service: str, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_service, route_method, pattern, handler in self._routes:
            if route_service != service or route_method != method:
                continue
            match = pattern.fullmatch(path)
            if match:
                return handler, {k: v for k, v in match.groupdict().items() if v is not None}
        return None


def service_of(host: str) -> str:
    host = host.lower().split(":")[0]
    if host == ARM_HOST:
        return "arm"
    if host.endswith(".api.azureml.ms"):
        return "runhistory"
    if host.endswith(".experiments.azureml.net"):
        return "registry"
    if host.endswith(".inference.ml.azure.com"):
        return "scoring"
    if host.endswith(".blob.core.windows.net") or host in ("127.0.0.1", "localhost", ""):
        return "blob"
    return "unknown"


class FakeArm:
    """A stateful fake of the Azure REST APIs the toolkit uses; see the package docstring."""

    def __init__(
        self,
        *,
        subscription_id: str = "00000000-0000-0000-0000-00000000cafe",
        resource_group: str = "rg-mlopstk-0001dev",
        workspace: str = "mlw-mlopstk-0001dev",
        location: str = "westeurope",
        lro_polls: int = 1,
        step_delay: float = 0.2,
        execute_steps: bool = True,
        computes: dict[str, str] | None = None,
    ) -> None:
        from tests.fake_arm.state import FakeState

        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.workspace = workspace
        self.location = location
        self.lro_polls = lro_polls
        self.step_delay = step_delay
        self.execute_steps = execute_steps
        #: the workspace's compute clusters: name -> VM size
        self.computes = dict(
            computes or {"cpu-cluster": "Standard_DS3_v2", "gpu-cluster": "Standard_NC4as_T4_v3"}
        )
        self.tokens = TokenRegistry()
        self.faults = FaultPlan()
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.lock = threading.RLock()
        self.router = Router()
        self.state = FakeState(self)
        self._server: ThreadingHTTPServer | None = None
        self._transports: list[Any] = []
        self._thread: threading.Thread | None = None
        from tests.fake_arm import (
            assets_api,
            blob_api,
            endpoints_api,
            jobs_api,
            lro,
            monitor_api,
            registry_api,
            schedules_api,
            workspace_api,
        )

        modules = (workspace_api, assets_api, blob_api, jobs_api, endpoints_api, monitor_api,
                   schedules_api, registry_api)  # fmt: skip
        for module in modules:
            module.register(self.router)
        lro.register(self.router)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeArm:
        arm = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            wbufsize = 1 << 16  # one write per response (flushed after each request)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                response = arm._dispatch(self.command, self.path, dict(self.headers.items()), body)
                payload = response.encoded()
                self.send_response(response.status)
                headers = {"Content-Type": "application/json", **response.headers}
                if self.command == "HEAD":
                    headers.setdefault("Content-Length", str(len(payload)))
                    payload = b""
                else:
                    headers["Content-Length"] = str(len(payload))
                headers.setdefault("x-ms-request-id", f"fake-{time.monotonic_ns()}")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if payload:
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.shutdown()
        for transport in self._transports:
            transport.close()
        self._transports.clear()
        # azure-ai-ml never closes the storage clients it uploads code with (they reach
        # the fake directly, by SAS URL); collect their sockets now rather than during
        # some later test, where the ResourceWarning would be an error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeArm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ helpers for tests

    def load_redirect(self) -> Callable[[str, Any], tuple[str, dict[str, str]]]:
        """The load generator's equivalent of ``transport()`` (``loadgen.Redirect``): an
        https URL goes here instead, with its host in the original-host header."""
        address = urlsplit(self.address)

        def redirect(url: str, headers: Any) -> tuple[str, dict[str, str]]:
            parts = urlsplit(url)
            if parts.scheme != "https":
                return url, dict(headers)
            moved = f"{address.scheme}://{address.netloc}{parts.path}"
            moved += f"?{parts.query}" if parts.query else ""
            return moved, {**dict(headers), ORIGINAL_HOST_HEADER: parts.netloc}

        return redirect

    def transport(self) -> Any:
        """A ``RequestsTransport`` that sends every https request here (closed by ``stop``)."""
        from tests.fake_arm.transport import LoopbackTransport

        transport = LoopbackTransport(self.address)
        self._transports.append(transport)
        return transport

    def credential(self, *, lifetime: float = 3600.0) -> FakeCredential:
        """A ``TokenCredential`` whose tokens this fake accepts until they expire."""
        return FakeCredential(self.tokens, lifetime=lifetime)

    @property
    def workspace_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{self.workspace}"
        )

    def arm_requests(self, method: str | None = None, contains: str = "") -> list[RecordedRequest]:
        """Recorded ARM requests, optionally of one method and with ``contains`` in the path."""
        with self.lock:
            found = list(self.requests)
        return [
            r
            for r in found
            if service_of(r.host) == "arm"
            and (method is None or r.method == method)
            and contains.lower() in r.path.lower()
        ]

    def mark(self) -> int:
        """The number of requests so far; pass to ``since`` to see only later ones."""
        with self.lock:
            return len(self.requests)

    def since(self, mark: int) -> list[RecordedRequest]:
        with self.lock:
            return list(self.requests[mark:])

    def writes(self, mark: int = 0) -> list[RecordedRequest]:
        """ARM requests since ``mark`` that change something (PUT, PATCH, DELETE, POST
        other than reads such as listKeys)."""
        reads = ("/listkeys", "/listsecrets", "/getlogs", "/token")
        return [
            r
            for r in self.since(mark)
            if service_of(r.host) == "arm"
            and r.method in ("PUT", "PATCH", "DELETE", "POST")
            and not r.path.lower().endswith(reads)
        ]

    # ------------------------------------------------------------------ dispatch

    def _dispatch(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> Response:
        lowered = {k.lower(): v for k, v in headers.items()}
        host = lowered.get(ORIGINAL_HOST_HEADER, lowered.get("host", ""))
        if ORIGINAL_HOST_HEADER not in lowered:
            host = ""  # a direct request to the loopback address (blob SAS URLs)
        split = urlsplit(raw_path)
        request = RecordedRequest(
            method=method,
            host=host,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=lowered,
            body=body,
            at=time.monotonic(),
        )
        with self.lock:
            self.requests.append(request)
        service = service_of(host)
        if service in ("arm", "runhistory", "registry") and split.path != "/discovery":
            denied = self.tokens.check(lowered.get("authorization", ""))
            if denied is not None:
                return denied
        injected = self.faults.take(request, service)
        if injected is not None:
            return injected
        found = self.router.find(service, method, split.path.rstrip("/") or "/")
        if found is None:
            with self.lock:
                self.unhandled.append(request)
            return error(404, "NoRouteInFake", f"the fake has no route for {method} {split.path}")
        handler, params = found
        try:
            with self.lock:
                return handler(Context(request, params, self))
        except Exception as exc:  # a bug in the fake must show up in the test, not hang it
            import traceback

            traceback.print_exc()
            return error(500, "FakeBug", f"{type(exc).__name__}: {exc}")

    def iter_requests(self) -> Iterator[RecordedRequest]:
        with self.lock:
            yield from list(self.requests)
