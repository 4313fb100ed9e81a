"""The local alert evaluator on a real endpoint: a failing deployment alarms, a healthy one not.

Two deployments share the traffic; the scoring server of one is killed (a
crashed deployment: the router answers 5xx for it). The first evaluation
after that fires the error-rate alert for that deployment alone, to the log
file and to a webhook receiver, once; the healthy deployment never fires.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_toolkit import MLOpsClient
from tests.contract.harness import MODEL_NAME, register_local_versions, write_config
from tests.examples.compliance_nlp import serving_fixtures

onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir
ENDPOINT = "alerts-e2e"
PERIOD_S = 2.0
BODY = {"inputs": ["brake hose assembly, FMVSS 106 certification pending"]}


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint(
    tmp_path: Path, onnx_dir: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> Iterator[MLOpsClient]:
    write_config(tmp_path, target="local")
    config = tmp_path / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["alerts"].update(webhook_url=webhook[0], endpoint_drift=False)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    client = MLOpsClient.from_config("dev", project_dir=tmp_path, environ={})
    client.environments.provision()
    register_local_versions(client, onnx_dir, versions=1)
    client.endpoints.create(ENDPOINT)
    for slot in ("blue", "green"):
        client.endpoints.create_deployment(ENDPOINT, slot, model=f"{MODEL_NAME}:1")
    client.endpoints.set_traffic(ENDPOINT, {"blue": 50, "green": 50})
    try:
        yield client
    finally:
        client.environments.destroy(confirm_env="dev")
        client.close()


def _traffic(client: MLOpsClient, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            client.endpoints.invoke(ENDPOINT, BODY)
        except Exception:  # a failing deployment is the point of the test
            pass
        time.sleep(0.02)


def test_error_rate_alert_fires_within_one_period_for_the_failing_deployment_only(
    endpoint: MLOpsClient, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    client = endpoint
    assert set(client.alerts.apply(ENDPOINT)) == {f"{ENDPOINT}-latency", f"{ENDPOINT}-error-rate"}
    stop = threading.Event()
    sender = threading.Thread(target=_traffic, args=(client, stop), daemon=True)
    sender.start()
    try:
        time.sleep(PERIOD_S)
        healthy = client.alerts.evaluate()
        assert healthy.fired == ()
        rates = {
            f.deployment: f.value for f in healthy.findings if f.signal == "error_rate_percent"
        }
        assert rates == {"blue": 0.0, "green": 0.0}

        state = json.loads(
            (client.state_dir / "endpoints" / ENDPOINT / "endpoint.json").read_text()
        )
        os.kill(int(state["deployments"]["green"]["process"]["pid"]), signal.SIGKILL)
        failing_since = time.monotonic()
        time.sleep(PERIOD_S)  # one evaluation period
        first = client.alerts.evaluate()
        waited = time.monotonic() - failing_since
        second_after = PERIOD_S
        time.sleep(second_after)
        second = client.alerts.evaluate()
    finally:
        stop.set()
        sender.join(timeout=30)

    fired = [(t.finding.rule, t.finding.deployment) for t in first.fired]
    assert fired == [(f"{ENDPOINT}-error-rate", "green")], first.findings
    assert waited < PERIOD_S + 1.5
    green = next(f for f in first.findings if f.deployment == "green" and f.holds)
    assert green.value is not None and green.value > 5.0
    assert second.transitions == ()  # stateful: no second notification while it holds
    assert not any(f.holds for f in (*first.findings, *second.findings) if f.deployment == "blue")

    essentials = [body["data"]["essentials"] for body in webhook[1]]
    assert [(e["alertRule"], e["monitorCondition"]) for e in essentials] == [
        (f"{ENDPOINT}-error-rate", "Fired")
    ]
    condition = webhook[1][0]["data"]["alertContext"]["condition"]["allOf"][0]
    assert {"name": "deployment", "value": "green"} in condition["dimensions"]
    logged = client.state_dir / "alerts" / "fired.jsonl"
    assert [json.loads(line)["data"]["essentials"]["alertRule"] for line in
            logged.read_text().splitlines()] == [f"{ENDPOINT}-error-rate"]  # fmt: skip


def test_alerts_test_sends_a_sample_through_the_log_and_the_webhook(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    write_config(tmp_path, target="local")
    config = tmp_path / "config-infra-dev.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["alerts"]["webhook_url"] = webhook[0]
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with MLOpsClient.from_config("dev", project_dir=tmp_path, environ={}) as client:
        client.environments.provision()
        reached = client.alerts.test()
    assert len(reached) == 2 and "webhook" in reached[1]
    assert webhook[1][0]["data"]["customProperties"] == {"test": "true"}
    assert (tmp_path / ".mlops" / "dev" / "alerts" / "fired.jsonl").read_text().count("\n") == 1
