"""The router's aiohttp application: authentication, routing, forwarding, mirroring, admin.

The contract (routes, status codes, config) is described in ``router.py``,
which runs this application as a process. ``Router`` holds the routing table
(an immutable ``RoutingTable``, replaced in one assignment on update), the
metrics store and two pooled client sessions (live traffic, mirrored copies).
Handlers never raise for upstream failures: they answer 502/503/504.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.router_config import (
    MAX_MIRROR_IN_FLIGHT,
    RouterConfig,
    apply_update,
    choose,
)
from mlops_toolkit.targets.local.router_metrics import UNROUTED, MetricsStore

DEPLOYMENT_HEADER = "azureml-model-deployment"
SHUTDOWN_GRACE_S = 10.0
MIRROR_GRACE_S = 1.0
ERROR_LOG_EVERY_S = 5.0
METRICS_SLICE_S = 60
# Headers that describe one hop, or that the router sets itself, never forwarded.
_NOT_FORWARDED = frozenset(
    {
        "authorization", "host", "content-length", "transfer-encoding", "connection",
        "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "upgrade",
        "expect", DEPLOYMENT_HEADER,
    }
)  # fmt: skip

# The deployment's answer headers that reach the client (besides the router's own).
_ANSWER_HEADERS = ("Content-Type", "Content-Encoding")

log = logging.getLogger("mlops_toolkit.router")


@dataclass(frozen=True)
class RoutingTable:
    """What one request needs from the config, precomputed; replaced whole on update."""

    config: RouterConfig
    score_urls: Mapping[str, str]
    cumulative: tuple[tuple[int, str], ...]
    mirror: tuple[str, int] | None
    timeout: aiohttp.ClientTimeout

    @classmethod
    def build(cls, config: RouterConfig) -> RoutingTable:
        return cls(
            config=config,
            score_urls={name: f"{url}/score" for name, url in config.deployments.items()},
            cumulative=config.cumulative_weights(),
            mirror=config.mirror,
            timeout=aiohttp.ClientTimeout(total=config.request_timeout_s),
        )


def _matches(presented: bytes, secrets: tuple[bytes, ...]) -> bool:
    """Constant-time comparison against every secret (no early exit on a match)."""
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(presented, secret)
    return found


def _bearer(request: web.Request) -> bytes:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip().encode() if scheme.lower() == "bearer" else b""


class _ErrorLog:
    """Logs upstream errors at most once per (deployment, kind) every few seconds."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def __call__(self, deployment: str, kind: str, detail: str) -> None:
        key = (deployment, kind)
        now = time.monotonic()
        if now - self._last.get(key, -ERROR_LOG_EVERY_S) < ERROR_LOG_EVERY_S:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        more = self._suppressed.pop(key, 0)
        self._last[key] = now
        extra = f" (and {more} more since the last report)" if more else ""
        log.warning("deployment %s: %s: %s%s", deployment, kind, detail, extra)


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)


class Router:
    """The aiohttp application of one endpoint. Create, then ``await start()``."""

    def __init__(self, config: RouterConfig, *, metrics: MetricsStore | None = None) -> None:
        self.table = RoutingTable.build(config)
        self.metrics = metrics or MetricsStore()
        self._keys = tuple(k.encode() for k in config.keys)
        self._admin = (config.admin_token.encode(),)
        self._readers = (*self._keys, *self._admin)
        self._rng = random.Random()
        self._errors = _ErrorLog()
        self._mirror_tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None  # opened on startup
        self._mirror_session: aiohttp.ClientSession | None = None
        self.app = web.Application(client_max_size=2**40)  # the router enforces its own limit
        self.app.router.add_post("/score", self.score)
        self.app.router.add_put("/_mlops/config", self.put_config)
        self.app.router.add_get("/_mlops/config", self.get_config)
        self.app.router.add_get("/_mlops/health", self.health)
        self.app.router.add_get("/_mlops/metrics", self.get_metrics)
        self.app.router.add_get("/metrics", self.prometheus)
        self.app.on_startup.append(self._open_sessions)
        self.app.on_cleanup.append(self._close_sessions)

    # ------------------------------------------------------------------ lifecycle

    async def _open_sessions(self, app: web.Application) -> None:
        # gunicorn keeps idle connections 2 s by default (its sync workers close each one);
        # dropping ours after 1 s means the router never sends on a connection the server
        # is closing at that moment.
        def connector(limit: int) -> aiohttp.TCPConnector:
            return aiohttp.TCPConnector(limit=limit, limit_per_host=limit, keepalive_timeout=1.0)

        def session(limit: int) -> aiohttp.ClientSession:
            # No cookie jar: cookies of one client must never travel with another's
            # request. Bodies pass through as sent: no decompression, and no
            # Accept-Encoding the client did not ask for.
            return aiohttp.ClientSession(
                connector=connector(limit),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )

        self._session = session(512)
        # Mirrored copies are bounded by max_mirror_in_flight (which an update may raise),
        # not by this pool.
        self._mirror_session = session(MAX_MIRROR_IN_FLIGHT)

    async def _close_sessions(self, app: web.Application) -> None:
        if self._mirror_tasks:
            _, pending = await asyncio.wait(set(self._mirror_tasks), timeout=MIRROR_GRACE_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for session in (self._session, self._mirror_session):
            if session is not None:
                await session.close()

    def _live(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the router's client sessions open when the application starts")
        return self._session

    def _mirror_pool(self) -> aiohttp.ClientSession:
        if self._mirror_session is None:
            raise RuntimeError("the router's client sessions open when the application starts")
        return self._mirror_session

    # ------------------------------------------------------------------ scoring

    def _answer_unrouted(self, status: int, message: str) -> web.Response:
        self.metrics.record_unrouted(status, time.time())
        return _message(status, message)

    def _route(self, table: RoutingTable, request: web.Request) -> tuple[str, bool] | web.Response:
        """``(deployment, weight_routed)`` for a request, or the 404 answer when none fits."""
        config = table.config
        wanted = request.headers.get(DEPLOYMENT_HEADER)
        if wanted:
            if wanted in table.score_urls:
                return wanted, False
            return self._answer_unrouted(
                404,
                f"deployment {wanted!r} not found in endpoint {config.endpoint!r} "
                f"(deployments: {', '.join(table.score_urls) or 'none'})",
            )
        name = choose(table.cumulative, self._rng.random())
        if name is None:
            return self._answer_unrouted(
                404,
                f"endpoint {config.endpoint!r} has no deployment with traffic; set traffic "
                f"or pick a deployment with the '{DEPLOYMENT_HEADER}' header",
            )
        return name, True

    async def score(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        table = self.table  # this request's routing table, whatever happens meanwhile
        config = table.config
        if not _matches(_bearer(request), self._keys):
            return self._answer_unrouted(
                401, f"endpoint {config.endpoint!r}: missing or invalid key (Authorization: Bearer)"
            )
        body = await self._read_body(request, config.max_body_bytes)
        if body is None:
            response = self._answer_unrouted(
                413, f"request body larger than {config.max_body_bytes} bytes"
            )
            response.force_close()  # the rest of the body is never read
            return response
        route = self._route(table, request)
        if isinstance(route, web.Response):
            return route
        name, weight_routed = route
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        if (
            weight_routed
            and table.mirror is not None
            and self._rng.random() * 100 < table.mirror[1]
        ):
            self._start_mirror(table, table.mirror[0], body, headers)
        url = table.score_urls[name]
        if request.query_string:
            url = f"{url}?{request.query_string}"
        status, payload, upstream_headers = await self._forward(
            self._live(), name, url, body, headers, table.timeout
        )
        upstream_headers[DEPLOYMENT_HEADER] = name
        response = web.Response(status=status, body=payload, headers=upstream_headers)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            latency_ms = (time.perf_counter() - started) * 1000.0
            self.metrics.record(name, status, latency_ms, time.time())
        return response

    @staticmethod
    async def _read_body(request: web.Request, limit: int) -> bytes | None:
        """The request body, or None when it is larger than ``limit`` bytes."""
        length = request.content_length
        if length is not None:
            return None if length > limit else await request.read()
        chunks = []
        size = 0
        async for chunk in request.content.iter_any():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _forward(
        self,
        session: aiohttp.ClientSession,
        name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes, dict[str, str]]:
        """Send the request to one deployment: ``(status, body, headers to answer with)``
        (the deployment's ``Content-Type`` and ``Content-Encoding``). Never raises for
        upstream failures: they become 503/504/502 answers."""
        try:
            async with session.post(url, data=body, headers=headers, timeout=timeout) as upstream:
                payload = await upstream.read()
                kept = {k: upstream.headers[k] for k in _ANSWER_HEADERS if k in upstream.headers}
                return upstream.status, payload, kept
        except asyncio.TimeoutError:
            self._errors(name, "timeout", f"no answer within {timeout.total:g}s")
            return self._error(504, f"deployment {name!r} did not answer within {timeout.total:g}s")
        except aiohttp.ClientConnectorError as exc:
            self._errors(name, "connection refused", str(exc))
            return self._error(503, f"deployment {name!r} is not accepting connections")
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            self._errors(name, "connection reset", f"{type(exc).__name__}: {exc}")
            return self._error(503, f"deployment {name!r} closed the connection")
        except aiohttp.ClientError as exc:
            self._errors(name, "bad answer", f"{type(exc).__name__}: {exc}")
            return self._error(502, f"deployment {name!r} sent an invalid answer")

    @staticmethod
    def _error(status: int, message: str) -> tuple[int, bytes, dict[str, str]]:
        body = json.dumps({"message": message}).encode()
        return status, body, {"Content-Type": "application/json"}

    # ------------------------------------------------------------------ mirroring

    def _start_mirror(
        self, table: RoutingTable, name: str, body: bytes, headers: Mapping[str, str]
    ) -> None:
        """Copy a live request to the mirror target in the background, or count the copy
        as dropped when ``max_mirror_in_flight`` copies are already in flight."""
        if len(self._mirror_tasks) >= table.config.max_mirror_in_flight:
            self.metrics.record_mirror_dropped(name, time.time())
            return
        task = asyncio.ensure_future(
            self._mirror(name, table.score_urls[name], body, headers, table.timeout)
        )
        self._mirror_tasks.add(task)
        task.add_done_callback(self._mirror_tasks.discard)

    async def _mirror(
        self,
        name: str,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> None:
        started = time.perf_counter()
        session = self._mirror_pool()
        status, _, _ = await self._forward(session, name, url, body, headers, timeout)
        latency_ms = (time.perf_counter() - started) * 1000.0
        self.metrics.record(name, status, latency_ms, time.time(), mirrored=True)

    # ------------------------------------------------------------------ admin

    async def put_config(self, request: web.Request) -> web.Response:
        if not _matches(_bearer(request), self._admin):
            return _message(401, "missing or invalid admin token (Authorization: Bearer)")
        try:
            update = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _message(400, "the configuration update must be a JSON object")
        current = self.table.config
        try:
            new = apply_update(current, update)
        except ConfigError as exc:
            log.warning("config update refused: %s", "; ".join(exc.problems) or exc.message)
            return web.json_response({"message": exc.message, "problems": exc.problems}, status=400)
        self.table = RoutingTable.build(new)  # in force for every request routed from now on
        log.info(
            "config updated: traffic %s -> %s, mirror %s -> %s, deployments %s",
            dict(current.traffic), dict(new.traffic), dict(current.mirror_traffic),
            dict(new.mirror_traffic), ", ".join(new.deployments) or "none",
        )  # fmt: skip
        return web.json_response(new.public_dict())

    async def get_config(self, request: web.Request) -> web.Response:
        if not _matches(_bearer(request), self._admin):
            return _message(401, "missing or invalid admin token (Authorization: Bearer)")
        return web.json_response(self.table.config.public_dict())

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "endpoint": self.table.config.endpoint})

    async def get_metrics(self, request: web.Request) -> web.Response:
        if not _matches(_bearer(request), self._readers):
            return _message(401, "missing or invalid key or admin token (Authorization: Bearer)")
        now = int(time.time()) + 1  # default window: up to and including this second
        try:
            end = float(request.query.get("end", now))
            start = float(request.query.get("start", end - 300))
            interval_s = float(request.query.get("interval", "60"))
            if not interval_s.is_integer():
                raise ValueError(interval_s)
            interval = int(interval_s)
        except (ValueError, OverflowError):
            return _message(
                400, "start and end must be unix times and interval a whole number of seconds"
            )
        config = self.table.config
        try:
            window = self.metrics.window(start, end, interval)
        except ValueError as exc:
            return _message(400, str(exc))
        # Long windows are read in slices of about a minute of data, giving the event
        # loop back in between, so a big query never stalls live traffic for long.
        step = max(1, METRICS_SLICE_S // interval)
        deployments: dict[str, list[dict[str, Any]]] = {}
        for name in [*self.metrics.names(window, config.deployments), UNROUTED]:
            rows: list[dict[str, Any]] = []
            for first in range(0, window.count, step):
                rows += self.metrics.rows(name, window, first, first + step)
                await asyncio.sleep(0)
            deployments[name] = rows
        unrouted = deployments.pop(UNROUTED)
        return web.json_response(
            {
                "endpoint": config.endpoint,
                "interval_s": interval,
                "deployments": deployments,
                "unrouted": unrouted,
            }
        )

    async def prometheus(self, request: web.Request) -> web.Response:
        if not _matches(_bearer(request), self._readers):
            return _message(401, "missing or invalid key or admin token (Authorization: Bearer)")
        config = self.table.config
        gauges = {
            "mlops_router_traffic_percent": {
                name: float(config.traffic.get(name, 0)) for name in config.deployments
            },
            "mlops_router_mirror_traffic_percent": {
                name: float(config.mirror_traffic.get(name, 0)) for name in config.deployments
            },
        }
        text = self.metrics.prometheus(config.endpoint, gauges)
        return web.Response(
            body=text.encode("utf-8"),
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )
