"""The local endpoint router as a real process in front of stub deployments, over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest

from mlops_toolkit.loadgen import LoadResult, run_load
from tests.integration import processes as process_fixtures
from tests.integration.processes import REPO_ROOT, Processes
from tests.integration.router_client import (
    ADMIN,
    KEY,
    ROUTER,
    SECONDARY,
    auth,
    call,
    prometheus_value,
    start_router,
    stub_received,
    sum_requests,
    write_config,
)

processes = process_fixtures.processes
pytestmark = pytest.mark.timeout(120)
BODY = b'{"inputs": ["brake pad, asbestos free"]}'


def test_weights_hold_within_three_points(processes: Processes) -> None:
    blue, green = processes.stub("blue"), processes.stub("green")
    router = start_router(
        processes, {"blue": blue, "green": green}, traffic={"blue": 90, "green": 10}
    )
    result = run_load(
        router.url + "/score", concurrency=8, count=2000, bodies=[BODY], headers=auth(),
        tally_header="azureml-model-deployment",
    )  # fmt: skip
    assert result.status_counts == {200: 2000}
    assert set(result.tallies) == {"blue", "green"}
    assert abs(result.tallies["blue"] / 2000 - 0.90) <= 0.03, result.tallies
    # The router's header tells the truth: each stub received exactly its share.
    assert stub_received(blue) == result.tallies["blue"]
    assert stub_received(green) == result.tallies["green"]


def test_changing_weights_and_mirror_under_load_loses_no_request(
    processes: Processes, tmp_path
) -> None:
    blue, green = processes.stub("blue"), processes.stub("green")
    router = start_router(processes, {"blue": blue, "green": green}, traffic={"blue": 100})
    out = tmp_path / "load.json"
    load, _ = processes.spawn(
        [
            sys.executable, "-m", "mlops_toolkit.loadgen", "--url", router.url + "/score",
            "--rate", "80", "--duration", "6", "--body", BODY.decode(),
            "--header", f"Authorization: Bearer {KEY}",
            "--tally-header", "azureml-model-deployment", "--json-out", str(out),
        ],
        "loadgen",
    )  # fmt: skip
    steps = [
        {"traffic": {"blue": 100, "green": 0}, "mirror_traffic": {"green": 50}},
        {"traffic": {"blue": 90, "green": 10}, "mirror_traffic": {}},
        {"traffic": {"blue": 50, "green": 50}},
        {"traffic": {"blue": 0, "green": 100}, "mirror_traffic": {"blue": 20}},
        {"traffic": {"blue": 100, "green": 0}, "mirror_traffic": {"green": 10}},
        {"traffic": {"blue": 100, "green": 0}, "mirror_traffic": {}},
    ]
    time.sleep(1.0)
    for step in steps:
        answer = router.update(step)
        assert answer.status == 200, answer.body
        applied = router.config()
        assert applied["traffic"] == {"blue": 0, "green": 0, **step["traffic"]}
        time.sleep(0.6)
    assert load.wait(timeout=60) == 0
    result = LoadResult.from_dict(json.loads(out.read_text()))
    assert result.sent >= 470  # 6 s at 80/s, give or take the last beat
    assert result.completed == result.sent
    assert result.status_counts == {200: result.sent}, result.describe()
    assert result.errors == {}
    assert result.tallies["blue"] > 0 and result.tallies["green"] > 0
    assert sum(result.tallies.values()) == result.sent


def test_deployment_header_and_no_traffic(processes: Processes) -> None:
    blue, green = processes.stub("blue"), processes.stub("green")
    router = start_router(processes, {"blue": blue, "green": green}, traffic={"blue": 100})

    answer = router.score(BODY, **{"azureml-model-deployment": "green"})
    assert answer.status == 200
    assert answer.headers["azureml-model-deployment"] == "green"
    assert answer.json()["deployment"] == "green"
    assert answer.headers["content-type"].startswith("application/json")

    default = router.score(BODY)
    assert default.headers["azureml-model-deployment"] == "blue"
    assert default.json()["deployment"] == "blue" and default.json()["seq"] == 1
    assert default.json()["bytes"] == len(BODY)

    unknown = router.score(BODY, **{"azureml-model-deployment": "purple"})
    assert unknown.status == 404
    assert "'purple' not found" in unknown.json()["message"]

    assert router.update({"traffic": {"blue": 0, "green": 0}}).status == 200
    none = router.score(BODY)
    assert none.status == 404
    assert "no deployment with traffic" in none.json()["message"]
    assert "azureml-model-deployment" in none.json()["message"]
    # The header still reaches a deployment without traffic, as on Azure.
    assert router.score(BODY, **{"azureml-model-deployment": "blue"}).status == 200


def test_keys_and_cookies_never_reach_a_deployment(processes: Processes) -> None:
    blue = processes.stub("blue")
    router = start_router(processes, {"blue": blue}, traffic={"blue": 100})
    first = router.score(BODY)
    second = router.score(BODY, Cookie="client=1")
    assert first.json()["seen"] == {"cookie": None, "auth": False}
    # The deployment's cookie is neither kept by the router nor passed to the client; a
    # client's own cookie passes through like any end-to-end header.
    assert "set-cookie" not in first.headers
    assert second.json()["seen"] == {"cookie": "client=1", "auth": False}
    assert router.score(BODY).json()["seen"]["cookie"] is None


def test_keys_are_required_and_checked(processes: Processes) -> None:
    blue = processes.stub("blue")
    router = start_router(processes, {"blue": blue}, traffic={"blue": 100})
    url = router.url
    missing = call(url, "POST", "/score", BODY, {"Content-Type": "application/json"})
    assert missing.status == 401 and "key" in missing.json()["message"]
    wrong = call(url, "POST", "/score", BODY, auth("not-the-key-at-all-0000"))
    assert wrong.status == 401
    almost = call(url, "POST", "/score", BODY, auth(KEY[:-1]))
    assert almost.status == 401
    assert call(url, "POST", "/score", BODY, {"Authorization": KEY}).status == 401
    assert call(url, "POST", "/score", BODY, auth(ADMIN)).status == 401  # not a scoring key
    assert call(url, "POST", "/score", BODY, auth(KEY)).status == 200
    assert call(url, "POST", "/score", BODY, auth(SECONDARY)).status == 200
    assert stub_received(blue) == 2  # rejected requests never reach the deployment
    # Admin routes need the admin token; metrics take a key or the admin token.
    assert router.update({"traffic": {"blue": 100}}, token=KEY).status == 401
    assert call(url, "GET", "/_mlops/config", headers=auth(KEY)).status == 401
    assert call(url, "GET", "/_mlops/metrics").status == 401
    assert call(url, "GET", "/metrics", headers=auth("wrong-token-000000000")).status == 401
    assert call(url, "GET", "/_mlops/metrics", headers=auth(SECONDARY)).status == 200
    health = call(url, "GET", "/_mlops/health")
    assert health.status == 200 and health.json() == {"status": "ok", "endpoint": "compliance"}


def test_body_size_limit(processes: Processes) -> None:
    blue = processes.stub("blue")
    router = start_router(processes, {"blue": blue}, traffic={"blue": 100}, max_body_bytes=1000)
    assert router.score(b"x" * 1000).status == 200
    too_big = router.score(b"x" * 1001)
    assert too_big.status == 413 and "1000 bytes" in too_big.json()["message"]

    def chunks():
        for _ in range(5):
            yield b"y" * 300

    conn_headers = {**auth(), "Transfer-Encoding": "chunked"}
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", router.started.port, timeout=10)
    conn.request("POST", "/score", body=chunks(), headers=conn_headers, encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()
    assert stub_received(blue) == 1


def test_killed_deployment_answers_503_at_once_and_the_rest_is_served(
    processes: Processes,
) -> None:
    blue, green = processes.stub("blue"), processes.stub("green")
    router = start_router(
        processes, {"blue": blue, "green": green}, traffic={"blue": 50, "green": 50}
    )
    warm = run_load(router.url + "/score", rate=100, count=50, bodies=[BODY], headers=auth())
    assert warm.status_counts == {200: 50}  # keep-alive connections to both now pooled
    os.killpg(green.pid, signal.SIGKILL)
    green.proc.wait(timeout=10)

    targeted = router.score(BODY, **{"azureml-model-deployment": "green"})
    assert targeted.status == 503
    assert "'green'" in targeted.json()["message"]
    assert targeted.headers["azureml-model-deployment"] == "green"
    assert targeted.seconds < 0.5

    result = run_load(
        router.url + "/score", rate=100, count=300, bodies=[BODY], headers=auth(),
        tally_header="azureml-model-deployment", timeout=10,
    )  # fmt: skip
    assert set(result.status_counts) == {200, 503}, result.describe()
    assert result.status_counts[503] == result.tallies["green"]
    assert result.status_counts[200] == result.tallies["blue"]
    assert 0.35 <= result.status_counts[503] / 300 <= 0.65
    assert result.errors == {}
    # Nobody waited on the dead deployment (the load's timeout is 10 s).
    assert result.p99_ms is not None and result.p99_ms < 1000


def test_deployment_that_resets_the_connection_gets_503_at_once(processes: Processes) -> None:
    blue, broken = processes.stub("blue"), processes.stub("broken", reset=True)
    router = start_router(processes, {"blue": blue, "broken": broken}, traffic={"blue": 100})
    for _ in range(3):
        answer = router.score(BODY, **{"azureml-model-deployment": "broken"})
        assert answer.status == 503, answer.body
        assert "closed the connection" in answer.json()["message"]
        assert answer.seconds < 0.5
    assert stub_received(broken) == 3  # never retried
    assert router.score(BODY).status == 200


def test_slow_deployment_gets_504_within_the_timeout(processes: Processes) -> None:
    blue, slow = processes.stub("blue"), processes.stub("slow", delay_ms=10_000)
    router = start_router(
        processes, {"blue": blue, "slow": slow}, traffic={"blue": 100}, request_timeout_s=1.0
    )
    answer = router.score(BODY, **{"azureml-model-deployment": "slow"})
    assert answer.status == 504
    assert "within 1s" in answer.json()["message"]
    assert 0.9 <= answer.seconds < 2.5
    assert router.score(BODY).status == 200  # the other deployment is unaffected
    now = time.time()
    rows = router.metrics(now - 30, now + 1, interval=31)["deployments"]
    assert sum_requests(rows["slow"], "5xx") == 1
    assert sum_requests(rows["blue"], "2xx") == 1


def test_mirror_share_is_copied_and_its_answers_discarded(processes: Processes) -> None:
    blue = processes.stub("blue")
    shadow = processes.stub("shadow", status=500)  # a failing shadow must not leak
    router = start_router(
        processes, {"blue": blue, "shadow": shadow},
        traffic={"blue": 100}, mirror_traffic={"shadow": 20},
    )  # fmt: skip
    t0 = time.time()
    result = run_load(
        router.url + "/score", concurrency=8, count=1000, bodies=[BODY], headers=auth(),
        tally_header="azureml-model-deployment",
    )  # fmt: skip
    assert result.status_counts == {200: 1000}
    assert result.tallies == {"blue": 1000}
    assert router.score(BODY).json()["deployment"] == "blue"
    # The last copies finish in the background: wait until the router has recorded every
    # copy the shadow received.
    deadline = time.monotonic() + 10
    while True:
        copies = stub_received(shadow)
        rows = router.metrics(t0 - 1, time.time() + 1)["deployments"]
        recorded = sum(row["mirrored"] for row in rows["shadow"])
        if recorded == copies or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert recorded == copies
    assert 0.15 <= copies / 1001 <= 0.25, copies
    assert stub_received(blue) == 1001
    assert sum_requests(rows["shadow"], "5xx") == copies
    assert sum(row["mirrored"] for row in rows["blue"]) == 0
    assert sum_requests(rows["blue"]) == 1001
    text = router.prometheus()
    assert (
        prometheus_value(
            text, "mlops_router_mirrored_requests_total", deployment="shadow", status_class="5xx"
        )
        == copies
    )


def test_mirror_copies_are_bounded_and_never_slow_live_traffic(processes: Processes) -> None:
    blue, shadow = processes.stub("blue"), processes.stub("shadow", delay_ms=3000)
    router = start_router(
        processes, {"blue": blue, "shadow": shadow}, traffic={"blue": 100},
        mirror_traffic={"shadow": 50}, max_mirror_in_flight=4, request_timeout_s=5.0,
    )  # fmt: skip
    t0 = time.time()
    result = run_load(router.url + "/score", rate=100, count=200, bodies=[BODY], headers=auth())
    assert result.status_counts == {200: 200}
    # Live answers never wait for the 3-second shadow.
    assert result.p99_ms is not None and result.p99_ms < 1000
    rows = router.metrics(t0 - 1, time.time() + 1)["deployments"]["shadow"]
    dropped = sum(row["mirror_dropped"] for row in rows)
    assert dropped > 50  # about 100 copies wanted, 4 at a time for 3 s each
    assert stub_received(shadow) <= 4 + 4  # the first wave, maybe a second one


def test_metrics_json_and_prometheus_agree_with_the_load_generator(processes: Processes) -> None:
    blue, green = processes.stub("blue"), processes.stub("green", status=503)
    router = start_router(
        processes, {"blue": blue, "green": green}, traffic={"blue": 60, "green": 40}
    )
    t0 = time.time()
    result = run_load(
        router.url + "/score", rate=150, count=300, bodies=[BODY], headers=auth(),
        tally_header="azureml-model-deployment",
    )  # fmt: skip
    rejected = run_load(
        router.url + "/score", rate=100, count=20, bodies=[BODY], headers=auth("nope" * 5)
    )
    assert rejected.status_counts == {401: 20}
    t1 = time.time()
    data = router.metrics(t0 - 2, t1 + 1, interval=1)
    assert data["endpoint"] == "compliance" and data["interval_s"] == 1
    rows = data["deployments"]
    assert sum_requests(rows["blue"], "2xx") == result.tallies["blue"] == result.status_counts[200]
    assert sum_requests(rows["green"], "5xx") == result.tallies["green"]
    assert result.status_counts[503] == result.tallies["green"]
    assert sum_requests(rows["blue"], "5xx") == sum_requests(rows["green"], "2xx") == 0
    assert sum_requests(data["unrouted"], "4xx") == 20
    # Every interval is present, empty ones with zero counts and null latencies.
    starts = [row["start"] for row in rows["blue"]]
    assert starts == list(range(starts[0], starts[0] + len(starts)))
    assert any(row["latency_ms"]["p50"] is None for row in rows["blue"])
    assert all(
        row["latency_ms"]["p99"] is not None for row in rows["blue"] if row["requests"]["2xx"]
    )
    # The router's latency (arrival to answer sent) is inside the client's, request by request.
    whole = router.metrics(t0 - 2, t1 + 1, interval=int(t1 - t0) + 4)["deployments"]
    assert whole["blue"][0]["latency_ms"]["p50"] <= result.p50_ms * 1.02

    text = router.prometheus()
    for name, cls in (("blue", "2xx"), ("green", "5xx")):
        value = prometheus_value(
            text, "mlops_router_requests_total", deployment=name, status_class=cls
        )
        assert value == result.tallies[name]
        count = prometheus_value(
            text, "mlops_router_request_duration_seconds_count", deployment=name
        )
        inf = prometheus_value(
            text, "mlops_router_request_duration_seconds_bucket", deployment=name, le="+Inf"
        )
        assert count == inf == result.tallies[name]
    assert prometheus_value(text, "mlops_router_unrouted_requests_total", status_class="4xx") == 20
    assert prometheus_value(text, "mlops_router_traffic_percent", deployment="green") == 40


def test_every_listening_socket_is_on_loopback(processes: Processes) -> None:
    blue = processes.stub("blue")
    router = start_router(processes, {"blue": blue}, traffic={"blue": 100})
    assert router.score(BODY).status == 200
    listening = [
        c for c in psutil.Process(router.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]  # fmt: skip
    assert listening, "the router listens on no socket"
    assert {c.laddr.ip for c in listening} == {"127.0.0.1"}
    assert {c.laddr.port for c in listening} == {router.started.port}


def test_sigterm_finishes_in_flight_requests_then_exits_0(processes: Processes) -> None:
    slow = processes.stub("slow", delay_ms=1500)
    router = start_router(processes, {"slow": slow}, traffic={"slow": 100})
    answers: list[int] = []

    def send() -> None:
        answers.append(router.score(BODY).status)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # all five are now waiting on the slow deployment
    os.kill(router.pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    refused = False
    while not refused and time.monotonic() < deadline:  # soon no longer accepting
        try:
            socket.create_connection(("127.0.0.1", router.started.port), timeout=2).close()
            time.sleep(0.05)
        except ConnectionRefusedError:
            refused = True
    assert refused, "the router still accepts connections after SIGTERM"
    for thread in threads:
        thread.join(timeout=10)
    assert answers == [200] * 5
    assert router.started.proc.wait(timeout=10) == 0
    log = router.started.log_text()
    assert "stopping" in log and "stopped" in log


def test_invalid_updates_are_refused_and_change_nothing(processes: Processes) -> None:
    blue, green = processes.stub("blue"), processes.stub("green")
    router = start_router(
        processes,
        {"blue": blue, "green": green},
        traffic={"blue": 100},
        mirror_traffic={"green": 10},
    )
    before = router.config()
    bad_updates = [
        ({"traffic": {"blue": 60, "green": 30}}, "add up to 0 or 100, got 90"),
        ({"traffic": {"blue": 50, "purple": 50}}, "'purple' is not a deployment"),
        ({"traffic": {"blue": 0, "green": 100}}, "live and mirrored traffic"),
        ({"mirror_traffic": {"green": 60}}, "0..50"),
        ({"mirror_traffic": {"green": 10, "blue": 5}}, "at most one deployment"),
        ({"keys": ["x" * 20]}, "cannot be changed"),
        ({"deployments": {"blue": {"url": "http://10.0.0.1:80"}}}, "loopback"),
        ({"request_timeout_s": 0}, "request_timeout_s"),
    ]
    for update, message in bad_updates:
        answer = router.update(update)
        assert answer.status == 400, (update, answer.body)
        assert message in json.dumps(answer.json()), answer.json()
    raw = call(router.url, "PUT", "/_mlops/config", b"not json", auth(ADMIN))
    assert raw.status == 400
    assert router.config() == before
    assert router.score(BODY).headers["azureml-model-deployment"] == "blue"


def test_metrics_query_validation(processes: Processes) -> None:
    blue = processes.stub("blue")
    router = start_router(processes, {"blue": blue}, traffic={"blue": 100})
    bad = ("start=x", "interval=0", "interval=1.5", "start=100&end=50", "end=inf",
           "start=0&end=1e9&interval=1")  # fmt: skip
    for query in bad:
        answer = call(router.url, "GET", f"/_mlops/metrics?{query}", headers=auth(ADMIN))
        assert answer.status == 400, query
        assert answer.json()["message"]
    default = call(router.url, "GET", "/_mlops/metrics", headers=auth(ADMIN)).json()
    assert default["interval_s"] == 60 and len(default["deployments"]["blue"]) == 5
    whole = call(router.url, "GET", "/_mlops/metrics?interval=30.0", headers=auth(ADMIN))
    assert whole.status == 200 and whole.json()["interval_s"] == 30


def test_invalid_config_file_exits_2_naming_the_problem(tmp_path) -> None:
    config = write_config(
        tmp_path / "bad.json", {"blue": "http://127.0.0.1:1"}, traffic={"blue": 70}
    )
    proc = subprocess.run(
        [*ROUTER, "--config", str(config), "--ready-file", str(tmp_path / "ready.json")],
        capture_output=True, text=True, timeout=30, cwd=REPO_ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "traffic: percentages must add up to 0 or 100, got 70" in proc.stderr
    assert not (tmp_path / "ready.json").exists()
