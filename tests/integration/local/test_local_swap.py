"""Progressive swaps on the local target, for real, under steady load from another process.

* a full swap under >= 100 requests/s completes with zero failed requests,
  and the load generator's counts per slot match the router's;
* a broken version (every answer 500) and a slow one (600 ms > the 500 ms
  gate) are rolled back within one analysis interval of the first failing
  window, blue ends at 100 %, the report names the gate and its value, and
  the command exits 7;
* two swaps of one endpoint at once: one proceeds, the other exits 4
  naming the holder.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlops_toolkit import MLOpsClient
from tests.integration.local.test_local_endpoints import finish_load, start_load

# Timings are measured: run alone (scripts/check runs serial tests last).
pytestmark = pytest.mark.serial


INTERVAL = 5


def _swap_cli(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.cli.main", "endpoint", "swap", *args,
         "--env", "dev", "--project-dir", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _fresh(client: MLOpsClient, name: str) -> str:
    client.endpoints.create(name)
    client.endpoints.create_deployment(name, "blue", model="compliance-nlp:1")
    client.endpoints.set_traffic(name, {"blue": 100})
    return client.endpoints.get_credentials(name).primary_key


def test_a_full_swap_under_100_requests_per_second_fails_no_request(
    client: MLOpsClient, local_project: Path, tmp_path: Path
) -> None:
    # About request loss, not speed: two server workers per slot, and no latency gate,
    # since a 2-core machine shared with other work can queue 100 requests/s for seconds.
    client.endpoints.create("swap-load")
    client.endpoints.create_deployment("swap-load", "blue", model="compliance-nlp:1",
                                       instance_count=2)  # fmt: skip
    client.endpoints.set_traffic("swap-load", {"blue": 100})
    key = client.endpoints.get_credentials("swap-load").primary_key
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        url = client.endpoints.get("swap-load").scoring_uri
        started = time.time()
        # Load for as long as the swap takes: stopped by a signal once it has ended.
        load = start_load(url, key, rate=100, duration=240, out=tmp_path / "load.json")
        processes.append(load)
        time.sleep(2)
        swap = _swap_cli(local_project, "swap-load", "--model", "compliance-nlp:2",
                         "--interval", str(INTERVAL), "--max-p99-ms", "120000",
                         "--instance-count", "2", "-o", "json")  # fmt: skip
        processes.append(swap)
        out, err = swap.communicate(timeout=300)
        assert swap.returncode == 0, err[-3000:]
        report = json.loads(out)
        assert report["succeeded"] and report["traffic_after"] == {"blue": 0, "green": 100}
        assert [v["status"] for v in report["verdicts"]] == ["pass"] * 4
        time.sleep(1)
        load.send_signal(signal.SIGINT)
        result = finish_load(load, tmp_path / "load.json")
        ended = time.time()
        swap_span = report["duration_s"]
        assert result["stopped_early"]
        assert result["duration_s"] >= swap_span  # the load covered the whole swap
        assert result["sent"] >= 100 * swap_span * 0.95
        assert result["status_counts"] == {"200": result["sent"]} and result["errors"] == {}
        # The router saw exactly the requests the generator counts, slot by slot, plus
        # the smoke test's requests to green (20 sample rows in batches of 16).
        summary = client.metrics.summarize("swap-load", window=ended + 1 - (started - 1),
                                           end=ended + 1)  # fmt: skip
        routed = {name: w.by_status_class.get("2xx", 0) for name, w in summary.deployments.items()}
        smoke_requests = 2
        assert routed == {
            "blue": result["tallies"]["blue"],
            "green": result["tallies"]["green"] + smoke_requests,
        }
        assert sum(routed.values()) == result["sent"] + smoke_requests
    finally:
        _kill(processes)
        client.endpoints.delete("swap-load")


@pytest.mark.parametrize(
    ("version", "gate", "value"),
    [(3, "success_rate_percent", 99.0), (4, "latency_p99_ms", 500.0), (5, "smoke_test", None)],
)
def test_a_broken_version_is_rolled_back_within_one_interval(
    client: MLOpsClient, local_project: Path, tmp_path: Path, version: int, gate: str,
    value: float | None,
) -> None:  # fmt: skip
    key = _fresh(client, "swap-bad")
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        url = client.endpoints.get("swap-bad").scoring_uri
        # Load for as long as the swap takes (however slow the machine): stopped below.
        load = start_load(url, key, rate=40, duration=240, out=tmp_path / "load.json")
        processes.append(load)
        model = f"compliance-nlp:{version}"
        swap = _swap_cli(local_project, "swap-bad", "--model", model, "--interval", str(INTERVAL),
                         "--min-requests", "3", "-o", "json")  # fmt: skip
        processes.append(swap)
        out, err = swap.communicate(timeout=300)
        assert swap.returncode == 7, err[-3000:]
        report = json.loads(out)
        assert report["phase"] == "rolled_back"
        assert report["traffic_after"] == {"blue": 100, "green": 0}
        assert report["failed_check"]["name"] == gate
        assert "rolled back" in err
        rollback_at = next(e["time"] for e in report["events"] if e["phase"] == "rolled_back")
        if gate == "smoke_test":  # caught before any live traffic moved
            assert report["verdicts"] == [] and "HTTP 500" in report["failed_check"]["reason"]
            assert all(e["traffic"].get("green", 0) == 0 for e in report["events"])
        else:
            check = report["failed_check"]
            assert check["threshold"] == value
            if gate == "success_rate_percent":  # the version breaks after its 10th request
                assert check["value"] < value
            else:
                assert check["value"] > value
            assert gate in err
            # The first window judged failed, and the rollback followed it at once.
            (verdict,) = report["verdicts"]
            assert verdict["status"] == "fail"
            assert rollback_at - verdict["time"] < INTERVAL
        assert Path(report["report_files"]["png"]).stat().st_size > 10_000
        assert client.endpoints.get("swap-bad").traffic == {"blue": 100, "green": 0}
        load.send_signal(signal.SIGINT)
        assert finish_load(load, tmp_path / "load.json")["stopped_early"]
    finally:
        _kill(processes)
        client.endpoints.delete("swap-bad")


def test_two_swaps_of_one_endpoint_exactly_one_proceeds(
    client: MLOpsClient, local_project: Path
) -> None:
    _fresh(client, "swap-twice")
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    try:
        first = _swap_cli(local_project, "swap-twice", "--model", "compliance-nlp:2",
                          "--interval", "30", "--no-data", "hold")  # fmt: skip
        processes.append(first)
        deadline = time.monotonic() + 120
        while client.endpoints.releases.holder("swap-twice") is None:
            assert first.poll() is None, first.communicate()[1][-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.2)
        second = _swap_cli(local_project, "swap-twice", "--model", "compliance-nlp:2")
        processes.append(second)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 4, err
        assert "is being swapped by pid" in err and str(first.pid) in err
        said = client.endpoints.releases.control("swap-twice", "abort")
        assert "asked the running swap to abort" in said
        _, err = first.communicate(timeout=120)
        assert first.returncode == 7 and "aborted by a person" in err
        assert client.endpoints.get("swap-twice").traffic == {"blue": 100, "green": 0}
    finally:
        _kill(processes)
        client.endpoints.delete("swap-twice")


def _kill(processes: list[subprocess.Popen]) -> None:  # type: ignore[type-arg]
    """Whatever happened, leave no load generator or swap running."""
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
