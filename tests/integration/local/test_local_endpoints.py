"""Local endpoints for real: scoring servers behind a router, changed under load.

Real processes, real HTTP, the real (untrained) model. Covers: traffic and
mirror changes under a steady open-loop load from a separate process losing
no request; key auth; every socket on the loopback interface; a killed
deployment reported by ``show`` and answered 503 at once; bad input through
the CLI exiting 2 with the state files byte-identical; endpoints outliving
the command that created them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from mlops_toolkit import MLOpsClient
from mlops_toolkit.cli.main import cli

BODY = {"inputs": ["Brass fitting CuZn39Pb3, Pb 2.8 %"]}


def start_load(
    url: str, key: str, rate: float, duration: float, out: Path
) -> subprocess.Popen[bytes]:
    """Open-loop load from a separate process (the toolkit's load generator)."""
    body = out.with_suffix(".jsonl")
    body.write_text(json.dumps(BODY) + "\n", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", url, "--rate", str(rate),
         "--duration", str(duration), "--body-file", str(body), "--header",
         f"Authorization: Bearer {key}", "--tally-header", "azureml-model-deployment",
         "--timeout", "30", "--json-out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def finish_load(proc: subprocess.Popen[bytes], out: Path) -> dict:
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()
    return json.loads(out.read_text())


def _state_files(project: Path) -> dict[str, bytes]:
    root = project / ".mlops" / "dev" / "endpoints"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def _cli(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--env", "dev", "--project-dir", str(project)])
    return result.exit_code, result.output


def test_traffic_and_mirror_change_under_load_without_losing_a_request(
    client: MLOpsClient, tmp_path: Path
) -> None:
    endpoints = client.endpoints
    endpoints.create("under-load")
    try:
        endpoints.create_deployment("under-load", "blue", model="compliance-nlp:1")
        endpoints.create_deployment("under-load", "green", model="compliance-nlp:2")
        endpoints.set_traffic("under-load", {"blue": 100})
        info = endpoints.get("under-load")
        key = endpoints.get_credentials("under-load").primary_key
        out = tmp_path / "load.json"
        load = start_load(info.scoring_uri, key, rate=60, duration=20, out=out)
        time.sleep(3)
        for traffic, mirror in [
            ({"blue": 90, "green": 10}, None),
            ({"blue": 50, "green": 50}, None),
            ({"blue": 100}, {"green": 20}),
            ({"blue": 100}, {"green": 0}),
            ({"green": 100}, None),
            ({"blue": 100}, None),
        ]:
            endpoints.set_traffic("under-load", traffic, mirror)
            time.sleep(2)
        result = finish_load(load, out)
        assert result["sent"] >= 60 * 20 * 0.95
        assert result["status_counts"] == {"200": result["sent"]}, result
        assert result["errors"] == {}
        assert set(result["tallies"]) == {"blue", "green"}
    finally:
        endpoints.delete("under-load")


def test_keys_loopback_dead_deployments_and_honest_show(
    client: MLOpsClient, local_project: Path
) -> None:
    endpoints = client.endpoints
    endpoints.create("guarded")
    try:
        endpoints.create_deployment("guarded", "blue", model="compliance-nlp:1")
        endpoints.create_deployment("guarded", "green", model="compliance-nlp:2")
        endpoints.set_traffic("guarded", {"blue": 50, "green": 50})
        info = endpoints.get("guarded")
        body = json.dumps(BODY).encode()
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            request = urllib.request.Request(info.scoring_uri, data=body, headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 401

        state = json.loads(
            (local_project / ".mlops/dev/endpoints/guarded/endpoint.json").read_text()
        )
        pids = [state["router"]["process"]["pid"]] + [
            d["process"]["pid"] for d in state["deployments"].values()
        ]
        listening = []
        for pid in pids:
            for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
                listening += [c.laddr for c in proc.net_connections("inet")
                              if c.status == psutil.CONN_LISTEN]  # fmt: skip
        assert len(listening) >= 3
        assert {addr.ip for addr in listening} == {"127.0.0.1"}

        os.killpg(state["deployments"]["green"]["process"]["pid"], signal.SIGKILL)
        time.sleep(0.5)
        shown = endpoints.get("guarded")
        assert shown.health == "degraded" and "green" in shown.detail
        assert endpoints.get_deployment("guarded", "green").health == "dead"
        code, out = _cli(local_project, "endpoint", "show", "guarded", "-o", "json")
        assert code == 0 and json.loads(out)["health"] == "degraded"
        statuses = {}
        slowest = 0.0
        for _ in range(40):
            started = time.perf_counter()
            answer = endpoints.invoke("guarded", BODY)
            slowest = max(slowest, time.perf_counter() - started)
            statuses.setdefault(answer.deployment, set()).add(answer.status)
        assert statuses == {"blue": {200}, "green": {503}}
        assert slowest < 5.0  # never hangs: a dead deployment is refused at once
    finally:
        endpoints.delete("guarded")
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                   for p in map(_process, pids) if p)  # fmt: skip


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


@pytest.fixture(scope="module")
def cli_bad(local_project: Path) -> Iterator[str]:
    """One endpoint (blue 100 %, green 0 %) that the bad-input cases share."""
    with MLOpsClient.from_config("dev", project_dir=local_project, environ={}) as made:
        made.endpoints.create("cli-bad")
        made.endpoints.create_deployment("cli-bad", "blue", model="compliance-nlp:1")
        made.endpoints.create_deployment("cli-bad", "green", model="compliance-nlp:2")
        made.endpoints.set_traffic("cli-bad", {"blue": 100})
        try:
            yield "cli-bad"
        finally:
            made.endpoints.delete("cli-bad")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("endpoint", "traffic", "cli-bad", "blue=90"), "must sum to 100"),
        (("endpoint", "traffic", "cli-bad", "purple=100"), "'purple' is not a deployment"),
        (("endpoint", "mirror", "cli-bad", "green=60"), "exceeds the 50 %"),
        (("endpoint", "mirror", "cli-bad", "blue=10"), "never both"),
        (("endpoint", "mirror", "cli-bad", "green=10 blue=10"), "at most one"),
        (("deployment", "create", "--endpoint", "cli-bad", "--slot", "teal", "--model",
          "compliance-nlp:1"), "Invalid value for '--slot'"),
        (("deployment", "create", "--endpoint", "cli-bad", "--slot", "green", "--model",
          "compliance-nlp:99"), "has no version 99"),
        (("endpoint", "create", "no_underscores"), "letters, digits and hyphens"),
        (("endpoint", "create", "ab"), "3-32 characters"),
        (("deployment", "delete", "--endpoint", "cli-bad", "--name", "blue"), "live traffic"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_and_leaves_state_files_identical(
    cli_bad: str, local_project: Path, args: tuple[str, ...], message: str
) -> None:
    before = _state_files(local_project)
    code, out = _cli(local_project, *args)
    assert code == 2, out
    assert message in out and "Traceback" not in out
    assert _state_files(local_project) == before


def test_endpoints_outlive_the_command_that_created_them(local_project: Path) -> None:
    code, out = _cli(local_project, "endpoint", "create", "outlives")
    assert code == 0, out
    code, out = _cli(local_project, "deployment", "create", "--endpoint", "outlives", "--slot",
                     "blue", "--model", "compliance-nlp@champion")  # fmt: skip
    assert code == 0, out
    code, out = _cli(local_project, "endpoint", "traffic", "outlives", "blue=100")
    assert code == 0, out
    probe = subprocess.run(
        [sys.executable, "-m", "mlops_toolkit.cli.main", "endpoint", "invoke", "outlives",
         "--env", "dev", "--project-dir", str(local_project), "--text", "lead-free solder"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    assert "HTTP 200 from blue" in probe.stderr
    assert json.loads(probe.stdout)["model_version"] == "compliance-nlp:1"
    code, out = _cli(local_project, "endpoint", "delete", "outlives", "--yes")
    assert code == 0, out
