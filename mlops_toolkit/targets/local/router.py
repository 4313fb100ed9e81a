"""The local online endpoint: a router process in front of an endpoint's deployments.

    python -m mlops_toolkit.targets.local.router --config PATH --ready-file PATH

It reads the config file (see ``router_config``), binds **127.0.0.1** on a
port the OS picks, then writes ``{"pid", "port", "url"}`` to the ready file
atomically (write to a temporary file, rename). Exit codes: 0 after a clean
shutdown (SIGTERM/SIGINT), 2 for an invalid config, 1 when it cannot start.

Routes and answers (error bodies are JSON ``{"message": ...}``)::

    POST /score              Authorization: Bearer <endpoint key>
        200.. the deployment's own status, body, content type and encoding, with the response
              header ``azureml-model-deployment: <chosen deployment>`` (Azure turns a
              model's non-200 answer into 424; locally the model's status passes
              through, so a client sees what the scoring script said)
        401   no or wrong key (keys compared in constant time)
        404   ``azureml-model-deployment`` names no deployment, or no deployment has
              traffic and no header picks one (Azure answers 404 here too: the
              endpoint has no valid deployment with positive weight)
        413   body larger than ``max_body_bytes``
        502   the deployment answered something that is not HTTP
        503   the deployment refused or reset the connection: answered at once,
              never retried on another deployment
        504   no answer within ``request_timeout_s``. Azure answers 408 here; the
              router says 504 because the deployment, not the client, was slow:
              a 4xx would be counted as the client's fault by error-rate gates,
              and clients do not retry a 504 as they may a 408
    PUT  /_mlops/config      Authorization: Bearer <admin token>; body: any of
                             deployments, traffic, mirror_traffic, request_timeout_s,
                             max_body_bytes, max_mirror_in_flight.
        200   the new config (without secrets), once it is in force
        400   invalid update, with every problem listed; nothing changed
        401   no or wrong admin token
    GET  /_mlops/config      admin token: the config in force, without secrets
    GET  /_mlops/health      no auth: {"status": "ok", "endpoint": NAME}
    GET  /_mlops/metrics?start=UNIX&end=UNIX&interval=SECONDS   key or admin token
                             (defaults: the last 5 minutes in 60 s intervals)
    GET  /metrics            key or admin token: Prometheus text (format 0.0.4):
                             mlops_router_requests_total{deployment,status_class},
                             mlops_router_mirrored_requests_total, ..._mirror_dropped_total,
                             ..._unrouted_requests_total{status_class},
                             mlops_router_request_duration_seconds (histogram),
                             mlops_router_traffic_percent, ..._mirror_traffic_percent

The metrics JSON (every interval of the window, empty ones with zero counts and
null latencies; latency in ms from receiving the request to having sent the
answer; a deployment's requests include its mirrored copies, ``mirrored`` says
how many; seconds are kept for 2 hours)::

    {"endpoint": "compliance", "interval_s": 60,
     "deployments": {"blue": [{"start": 1767225600,
                               "requests": {"2xx": 118, "3xx": 0, "4xx": 1, "5xx": 0},
                               "mirrored": 0, "mirror_dropped": 0,
                               "latency_ms": {"p50": 9.1, "p90": 12.4, "p95": 13.0,
                                              "p99": 20.2, "max": 31.5}}, ...]},
     "unrouted": [{"start": 1767225600, "requests": {"2xx": 0, "3xx": 0, "4xx": 2,
                                                     "5xx": 0}}, ...]}

``unrouted`` counts answers given without reaching a deployment (401, 404, 413).

Routing: the ``azureml-model-deployment`` header picks its deployment whatever
the weights (as on Azure); otherwise a weighted random draw over ``traffic``.
The routing table is an immutable object swapped in one assignment on the
event loop, so a request keeps the deployment it was sent to while the table
changes under load, and none is lost. Mirroring: a ``mirror_traffic`` share
of weight-routed requests (not header-targeted ones) is copied to the mirror
deployment in the background, on its own connection pool; its answer is
discarded and recorded in that deployment's metrics as mirrored. At most
``max_mirror_in_flight`` copies are in flight; beyond that a copy is dropped
and counted, so the shadow never slows or fails live traffic. The client's
``Authorization`` header is never forwarded to a deployment, and the router
keeps no cookies (a deployment's ``Set-Cookie`` is not passed on).

Why aiohttp: one well-kept asyncio HTTP package gives both halves of a proxy
(a server, and a client with a pooled keep-alive connection per deployment),
with per-request timeouts, graceful shutdown that waits for in-flight
handlers, and low overhead per request. An ASGI server would still need a
separate HTTP client library for the upstream half. ``uvloop`` is used when
it is installed, and not required.

Logs (stderr): start and stop, every config change, and upstream errors (at
most one line per deployment and kind every 5 s, with a count); no line per
request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.router_app import SHUTDOWN_GRACE_S, Router, log
from mlops_toolkit.targets.local.router_config import RouterConfig, load_config_file

__all__ = ["Router", "main", "serve", "write_ready_file"]


def write_ready_file(path: Path, port: int) -> None:
    """Write ``{"pid", "port", "url"}`` atomically (readers never see a partial file)."""
    data = {"pid": os.getpid(), "port": port, "url": f"http://127.0.0.1:{port}"}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


async def serve(config: RouterConfig, ready_file: Path, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set or SIGTERM/SIGINT arrives, then shut down gracefully:
    stop accepting, let in-flight requests finish (up to 10 s), close the pools."""
    router = Router(config)
    runner = web.AppRunner(router.app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = int(runner.addresses[0][1])
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    write_ready_file(ready_file, port)
    log.info(
        "endpoint %s listening on http://127.0.0.1:%d (pid %d); deployments %s; traffic %s; "
        "mirror %s", config.endpoint, port, os.getpid(), ", ".join(config.deployments) or "none",
        dict(config.traffic), dict(config.mirror_traffic),
    )  # fmt: skip
    await stop.wait()
    log.info("stopping: no new connections, finishing in-flight requests")
    await runner.cleanup()
    with contextlib.suppress(OSError, ValueError):
        if json.loads(ready_file.read_text(encoding="utf-8")).get("pid") == os.getpid():
            ready_file.unlink()
    log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    """Run the router (blocks until SIGTERM/SIGINT). Returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m mlops_toolkit.targets.local.router",
        description="Route an endpoint's scoring requests to its deployments.",
    )
    parser.add_argument("--config", type=Path, required=True, help="router config (JSON)")
    parser.add_argument("--ready-file", type=Path, required=True, help="written once serving")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s router %(levelname)s %(message)s",
    )
    try:
        config = load_config_file(args.config)
    except ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if os.name == "posix" and args.config.stat().st_mode & 0o077:
        log.warning(
            "%s is readable by other users; it holds endpoint keys (chmod 600)", args.config
        )
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(config, args.ready_file))
    else:
        uvloop.run(serve(config, args.ready_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
