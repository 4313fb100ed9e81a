"""The load generator against real stub servers over real HTTP (stubs run as processes)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence

import pytest

from mlops_toolkit.loadgen import LoadResult, run_load, run_steps
from tests.integration import processes as process_fixtures
from tests.integration.processes import REPO_ROOT, Processes

processes = process_fixtures.processes

# Rates and latencies are measured: run alone (scripts/check runs serial tests last).
pytestmark = [pytest.mark.timeout(120), pytest.mark.serial]


def stub_stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/_stub/stats", timeout=5) as response:
        return json.loads(response.read())


def test_open_loop_sends_on_schedule_and_counts_everything(processes: Processes) -> None:
    stub = processes.stub("blue")
    result = run_load(
        stub.url + "/score",
        rate=200,
        duration=1.5,
        bodies=[b'{"inputs": ["a"]}', b'{"inputs": ["bb"]}'],
        tally_header="content-type",
        timeseries=True,
    )
    assert result.mode == "open"
    assert result.sent == 300
    assert result.completed == 300 and result.status_counts == {200: 300}
    assert result.errors == {}
    assert result.ok == 300 and result.failed == 0
    assert result.latency.count == 300
    # On schedule: the last request is due at 1.495 s, so the run cannot be shorter; a
    # loaded 2-core machine may make it longer.
    assert 1.49 <= result.duration_s < 4.0
    assert result.achieved_rate <= 201
    assert stub_stats(stub.url) == {"received": 300, "bytes": 150 * 17 + 150 * 18}
    assert sum(s.sent for s in result.timeseries) == 300
    assert [s.second for s in result.timeseries] == [0, 1]
    assert result.tallies == {"application/json; charset=utf-8": 300}


def test_closed_loop_is_bounded_by_count(processes: Processes) -> None:
    stub = processes.stub("blue")
    result = run_load(stub.url + "/score", concurrency=4, count=400, bodies=[b"{}"])
    assert result.mode == "closed" and result.concurrency == 4
    assert result.sent == result.completed == 400
    assert result.status_counts == {200: 400}
    assert stub_stats(stub.url)["received"] == 400


def test_open_loop_latency_shows_the_queue_where_closed_loop_hides_it(
    processes: Processes,
) -> None:
    """Coordinated omission: a single-threaded server answering in 20 ms (50/s at most),
    driven at 80/s. Open loop measures from the intended send time, so latency grows
    as the queue builds; a closed-loop client waits for each answer and sees 20 ms."""
    slow = processes.stub("slow", delay_ms=20, serial=True)
    url = slow.url + "/score"
    open_loop = run_load(url, rate=80, duration=2.0, timeseries=True, timeout=30)
    closed_loop = run_load(url, concurrency=1, duration=2.0, timeseries=True, timeout=30)

    assert open_loop.completed == open_loop.sent == 160
    assert closed_loop.completed == closed_loop.sent > 40
    # Queue-free latency is about 20 ms for both; the open loop's last requests waited
    # behind about 60 others (the 30/s excess over 2 s).
    assert closed_loop.p99_ms is not None and open_loop.p99_ms is not None
    assert closed_loop.p50_ms < 60
    assert open_loop.p99_ms > 600
    assert open_loop.p99_ms > 8 * closed_loop.p99_ms
    # The open-loop latency grows second by second with the queue; closed loop stays flat.
    first, last = open_loop.timeseries[0].p99_ms, open_loop.timeseries[-1].p99_ms
    assert first is not None and last is not None and last > 1.5 * first
    flat = [s.p99_ms for s in closed_loop.timeseries if s.p99_ms is not None]
    assert max(flat) < open_loop.p99_ms / 3


def test_in_flight_cap_refuses_sends_without_slowing_the_schedule(processes: Processes) -> None:
    slow = processes.stub("slow", delay_ms=50, serial=True)
    result = run_load(slow.url + "/score", rate=100, duration=1.0, max_in_flight=5, timeout=30)
    assert result.sent == 100
    assert result.errors.get("in_flight_cap", 0) > 50
    assert result.completed + sum(result.errors.values()) == result.sent
    assert result.completed == stub_stats(slow.url)["received"]


def test_transport_errors_are_counted_by_kind(processes: Processes) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    refused = run_load(f"http://127.0.0.1:{closed_port}/score", rate=50, count=10)
    assert refused.sent == 10 and refused.completed == 0
    assert refused.errors == {"connect": 10}
    assert refused.latency.count == 0 and refused.p99_ms is None

    hanging = processes.stub("hang", delay_ms=5000)
    timed_out = run_load(hanging.url + "/score", rate=20, count=4, timeout=0.3)
    assert timed_out.errors == {"timeout": 4}
    assert timed_out.duration_s < 2.0


def test_module_cli_runs_load_from_another_process(processes: Processes, tmp_path) -> None:
    stub = processes.stub("green", status=201)
    bodies = tmp_path / "bodies.jsonl"
    bodies.write_text('{"inputs": ["one"]}\n\n{"inputs": ["two"]}\n', encoding="utf-8")
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [
            sys.executable, "-m", "mlops_toolkit.loadgen",
            "--url", stub.url + "/score", "--rate", "100", "--count", "60",
            "--body-file", str(bodies), "--header", "X-Test: yes",
            "--tally-header", "content-type", "--json-out", str(out),
        ],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = LoadResult.from_dict(json.loads(out.read_text()))
    assert result.sent == result.completed == 60
    assert result.status_counts == {201: 60}
    assert result.latency.count == 60
    assert "sent 60, completed 60" in proc.stderr
    assert stub_stats(stub.url) == {"received": 60, "bytes": 30 * 19 + 30 * 19}


def test_module_cli_rejects_bad_arguments(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", "http://127.0.0.1:1/score",
         "--rate", "10"],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "count, duration or both" in proc.stderr


def test_stepped_rates_run_one_drained_step_after_another(processes: Processes) -> None:
    stub = processes.stub("blue")
    seen: list[LoadResult] = []
    results = run_steps(
        stub.url + "/score", rates=[20, 40, 80], step_duration=1.0, on_step=seen.append,
        bodies=[b"{}"], timeseries=True,
    )  # fmt: skip
    assert list(results) == seen
    assert [r.target_rate for r in results] == [20, 40, 80]
    assert [r.sent for r in results] == [20, 40, 80]
    assert all(r.ok == r.sent and r.mode == "open" for r in results)
    for earlier, later in zip(results, results[1:], strict=False):
        assert later.started_at >= earlier.ended_at  # drained before the next step began
    assert stub_stats(stub.url)["received"] == 140


def test_a_stepping_policy_sees_every_result_and_decides_when_to_stop(
    processes: Processes,
) -> None:
    slow = processes.stub("slow", delay_ms=20, serial=True)
    asked: list[int] = []

    def policy(done: Sequence[LoadResult]) -> float | None:
        asked.append(len(done))
        if done and (done[-1].p99_ms or 0) > 200:  # stop once the queue shows
            return None
        return 20.0 * 2 ** len(done)

    results = run_steps(slow.url + "/score", rates=policy, step_duration=1.5, max_steps=6,
                        in_flight_for=lambda rate: int(rate // 4), timeout=30)  # fmt: skip
    assert asked == list(range(len(results) + 1))
    assert 2 <= len(results) < 6
    assert (results[-1].p99_ms or 0) > 200 and all((r.p99_ms or 0) <= 200 for r in results[:-1])
    last = results[-1]
    assert last.errors.get("in_flight_cap", 0) > 0  # the cap follows the rate


def test_module_cli_runs_stepped_rates(processes: Processes, tmp_path) -> None:
    stub = processes.stub("green")
    out = tmp_path / "steps.json"
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", stub.url + "/score",
         "--rates", "10,30", "--duration", "1", "--body", "{}", "--json-out", str(out)],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    steps = [LoadResult.from_dict(d) for d in json.loads(out.read_text())]
    assert [(s.target_rate, s.sent, s.ok) for s in steps] == [(10, 10, 10), (30, 30, 30)]
    assert proc.stderr.count("open loop") == 2
    bad = subprocess.run(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", stub.url + "/score",
         "--rates", "10,x", "--duration", "1"],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert bad.returncode == 2 and "rates are numbers separated by commas" in bad.stderr


def _received_soon(url: str, at_least: int, within_s: float = 20.0) -> None:
    deadline = time.monotonic() + within_s
    while stub_stats(url)["received"] < at_least:
        assert time.monotonic() < deadline, "the load never reached the stub"
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("mode", "sig"), [(["--rate", "50"], signal.SIGINT), (["--rates", "40,80"], signal.SIGTERM)]
)
def test_a_signal_stops_the_cli_early_with_the_figures_so_far(
    processes: Processes, tmp_path, mode: list[str], sig: int
) -> None:
    stub = processes.stub("blue")
    out = tmp_path / "result.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", stub.url + "/score", *mode,
         "--duration", "60", "--body", "{}", "--json-out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        _received_soon(stub.url, 20)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out.read_text())
    result = LoadResult.from_dict(data if mode[0] == "--rate" else data[-1])
    if mode[0] == "--rates":
        assert len(data) == 1  # the second step never started
    assert result.stopped_early and "stopped early by a signal" in err
    assert 20 <= result.sent < 40 * 60
    assert result.sent == result.completed + result.error_count  # in-flight requests drained
    assert stub_stats(stub.url)["received"] == result.sent == result.ok


def test_a_second_ctrl_c_aborts_without_waiting_for_slow_answers(
    processes: Processes, tmp_path
) -> None:
    slow = processes.stub("slow", delay_ms=30000)
    out = tmp_path / "result.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_toolkit.loadgen", "--url", slow.url + "/score",
         "--rate", "20", "--duration", "60", "--body", "{}", "--json-out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        _received_soon(slow.url, 5)
        proc.send_signal(signal.SIGINT)  # stop scheduling; the answers are 30 s away
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting for the requests in flight
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Aborted: no report written." in err and "Traceback" not in err
    assert not out.exists()
