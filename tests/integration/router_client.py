"""Start the router as a process in front of stub deployments, and talk to it over HTTP."""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.integration.processes import Processes, Started

KEY = "primary-key-0123456789abcdef"
SECONDARY = "secondary-key-0123456789abcdef"
ADMIN = "admin-token-0123456789abcdef"
ROUTER = [sys.executable, "-m", "mlops_toolkit.targets.local.router"]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request on a fresh connection (blocks)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return Answer(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            seconds=time.perf_counter() - started,
        )
    finally:
        conn.close()


def auth(token: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RouterProcess:
    started: Started
    config_path: Path

    @property
    def url(self) -> str:
        return self.started.url

    @property
    def pid(self) -> int:
        return self.started.pid

    def score(self, body: bytes = b'{"inputs": ["x"]}', **headers: str) -> Answer:
        merged = {"Content-Type": "application/json", **auth()}
        merged.update({k.replace("_", "-"): v for k, v in headers.items()})
        return call(self.url, "POST", "/score", body, merged)

    def update(self, update: Mapping[str, Any], token: str = ADMIN) -> Answer:
        return call(
            self.url, "PUT", "/_mlops/config", json.dumps(update).encode(),
            {"Content-Type": "application/json", **auth(token)},
        )  # fmt: skip

    def config(self) -> dict[str, Any]:
        answer = call(self.url, "GET", "/_mlops/config", headers=auth(ADMIN))
        assert answer.status == 200, answer.body
        return answer.json()

    def metrics(self, start: float, end: float, interval: int = 1) -> dict[str, Any]:
        path = f"/_mlops/metrics?start={start}&end={end}&interval={interval}"
        answer = call(self.url, "GET", path, headers=auth(ADMIN))
        assert answer.status == 200, answer.body
        return answer.json()

    def prometheus(self) -> str:
        answer = call(self.url, "GET", "/metrics", headers=auth(KEY))
        assert answer.status == 200, answer.body
        return answer.body.decode()


def write_config(path: Path, deployments: Mapping[str, str], **settings: Any) -> Path:
    data = {
        "endpoint": "compliance",
        "keys": [KEY, SECONDARY],
        "admin_token": ADMIN,
        "deployments": {name: {"url": url} for name, url in deployments.items()},
        **settings,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    path.chmod(0o600)
    return path


def start_router(
    processes: Processes, deployments: Mapping[str, Started | str], **settings: Any
) -> RouterProcess:
    """Write a config for ``deployments`` (stubs or URLs) and start the router on it."""
    urls = {n: d if isinstance(d, str) else d.url for n, d in deployments.items()}
    config = write_config(processes.workdir / "router.json", urls, **settings)
    started = processes.start_ready([*ROUTER, "--config", str(config)], "router")
    return RouterProcess(started=started, config_path=config)


def stub_received(stub: Started) -> int:
    return int(call(stub.url, "GET", "/_stub/stats").json()["received"])


def sum_requests(rows: list[dict[str, Any]], status_class: str = "2xx") -> int:
    return sum(row["requests"][status_class] for row in rows)


def prometheus_value(text: str, metric: str, **labels: str) -> float:
    """The value of one sample of ``metric`` whose labels include ``labels``."""
    for line in text.splitlines():
        if not line.startswith(metric + "{"):
            continue
        label_text, _, value = line[len(metric) + 1 :].rpartition("} ")
        found = dict(part.split("=", 1) for part in label_text.split(",") if "=" in part)
        if all(found.get(k) == f'"{v}"' for k, v in labels.items()):
            return float(value)
    raise AssertionError(f"no sample {metric}{labels} in:\n{text}")
