"""The local pipeline runner for real: detached runner, steps as processes, state, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from mlops_toolkit.errors import ConfigError, NotFoundError, OperationTimeout, UsageError
from mlops_toolkit.targets.base import JobInfo
from mlops_toolkit.targets.local import pipeline_runner
from mlops_toolkit.targets.local.job_store import JOB_FILE, read_state, write_state
from mlops_toolkit.targets.local.pipeline_plan import StepDistribution
from tests.pipeline_files import component, pipeline

# A step that starts a `sleep` grandchild, records both pids, then waits for ever.
HANG_PY = """
import json, subprocess, sys, time
child = subprocess.Popen(["sleep", "300"])
with open(sys.argv[1], "w") as f:
    json.dump({"step": __import__("os").getpid(), "sleep": child.pid}, f)
print("hanging", flush=True)
while True:
    time.sleep(1)
"""


def _code(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / name).write_text(text, encoding="utf-8")


def _wait_until(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _finish(jobs: Path, name: str, timeout: float = 120.0) -> JobInfo:
    return pipeline_runner.follow(jobs, name, lambda line: None, poll_s=0.2, timeout_s=timeout)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _hanging_pipeline(tmp_path: Path, pid_file: Path) -> Path:
    _code(tmp_path, "hang.py", HANG_PY)
    component(tmp_path, "hang", command=f"python hang.py {pid_file}", code="../src")
    component(tmp_path, "after", command="echo never")
    return pipeline(
        tmp_path,
        {
            "hang": {"component": "./components/hang.yml"},
            "after": {"component": "./components/after.yml"},
        },
    )


def _start_hanging(tmp_path: Path) -> tuple[Path, str, dict[str, int]]:
    pid_file = tmp_path / "pids.json"
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(_hanging_pipeline(tmp_path, pid_file), jobs)
    _wait_until(lambda: pid_file.exists() and pid_file.stat().st_size > 0)
    pids = json.loads(pid_file.read_text(encoding="utf-8"))
    return jobs, name, pids


def test_a_pipeline_runs_to_the_end_with_logs_outputs_and_state(tmp_path: Path) -> None:
    _code(
        tmp_path,
        "make.py",
        "import os, sys, pathlib\n"
        "print('python', sys.executable)\n"
        "print('cwd', os.getcwd())\n"
        "print('env', os.environ['CALLER_VAR'], os.environ['STEP_VAR'])\n"
        "pathlib.Path(sys.argv[1], 'n.txt').write_text(sys.argv[2])\n",
    )
    component(
        tmp_path,
        "make",
        command="python make.py ${{outputs.out}} ${{inputs.n}}",
        code="../src",
        inputs={"n": {"type": "integer", "default": 1}},
        outputs={"out": {"type": "uri_folder"}},
    )
    component(
        tmp_path,
        "use",
        command="echo got $(cat ${{inputs.data}}/n.txt) && cp ${{inputs.data}}/n.txt "
        "${{outputs.o}}",
        inputs={"data": {"type": "uri_folder"}},
        outputs={"o": {"type": "uri_folder"}},
    )
    path = pipeline(
        tmp_path,
        {
            "make": {
                "component": "./components/make.yml",
                "environment_variables": {"STEP_VAR": "from step"},
            },
            "use": {
                "component": "./components/use.yml",
                "inputs": {"data": "${{parent.jobs.make.outputs.out}}"},
                "outputs": {"o": "${{parent.outputs.result}}"},
            },
        },
        outputs={"result": {"type": "uri_folder"}},
        experiment_name="exp",
    )
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(
        path, jobs, {"make.n": "42"}, env={"CALLER_VAR": "from caller"}, display_name="mine"
    )
    assert pipeline_runner.load_job(jobs, name).status in ("Queued", "Running", "Completed")
    lines: list[str] = []
    info = pipeline_runner.follow(jobs, name, lines.append, poll_s=0.2, timeout_s=60)

    assert (info.status, info.display_name, info.experiment, info.error) == (
        "Completed",
        "mine",
        "exp",
        None,
    )
    assert [(s.name, s.status, s.exit_code) for s in info.steps] == [
        ("make", "Completed", 0),
        ("use", "Completed", 0),
    ]
    assert all(s.started_at and s.ended_at and s.started_at <= s.ended_at for s in info.steps)
    assert Path(info.outputs["result"], "n.txt").read_text(encoding="utf-8") == "42"
    assert Path(info.outputs["make.out"]) == jobs / name / "outputs" / "make" / "out"

    make_log = pipeline_runner.read_log(jobs, name, "make").splitlines()
    assert make_log[0] == f"python {Path(sys.executable).parent / 'python'}"
    assert make_log[1].startswith(f"cwd {jobs / name / 'code'}")  # the code snapshot
    assert make_log[2] == "env from caller from step"
    assert pipeline_runner.read_log(jobs, name) == "got 42\n"  # the last step by default
    assert Path(info.steps[1].log_path or "") == jobs / name / "steps" / "use" / "std_log.txt"
    with pytest.raises(NotFoundError, match="has no step 'nope' \\(steps: make, use\\)"):
        pipeline_runner.read_log(jobs, name, "nope")

    assert lines[0] == "[make] Running"
    assert lines[1:4] == [f"[make] {line}" for line in make_log]
    assert lines[4].startswith("[make] Completed (exit code 0, ")
    assert lines[5:] == ["[use] Running", "[use] got 42", lines[7]]
    assert lines[7].startswith("[use] Completed (exit code 0, ")

    state = read_state(jobs / name)
    assert state.runner_pid and state.runner_create_time
    assert all(s.pid and s.pid_create_time for s in state.steps)
    assert [j.name for j in pipeline_runner.list_jobs(jobs)] == [name]
    assert pipeline_runner.cancel(jobs, name) == info  # idempotent on a finished job


def test_a_failed_step_stops_the_pipeline_and_is_named(tmp_path: Path) -> None:
    component(tmp_path, "ok", command="echo fine")
    component(tmp_path, "bad", command="echo 'reading data'; echo 'something broke' >&2; exit 3")
    component(tmp_path, "later", command="echo never")
    path = pipeline(
        tmp_path,
        {
            "ok": {"component": "./components/ok.yml"},
            "bad": {"component": "./components/bad.yml"},
            "later": {"component": "./components/later.yml"},
        },
    )
    jobs = tmp_path / "jobs"
    info = _finish(jobs, pipeline_runner.submit(path, jobs))
    assert info.status == "Failed"
    assert [(s.status, s.exit_code) for s in info.steps] == [
        ("Completed", 0),
        ("Failed", 3),
        ("NotStarted", None),
    ]
    log = jobs / info.name / "steps" / "bad" / "std_log.txt"
    assert info.error == (
        f"step 'bad' failed with exit code 3; last lines of {log}:\nreading data\nsomething broke"
    )
    assert info.steps[1].error == "step 'bad' failed with exit code 3"
    assert not (jobs / info.name / "steps" / "later").exists()


def test_cancel_stops_a_hanging_step_and_its_children(tmp_path: Path) -> None:
    jobs, name, pids = _start_hanging(tmp_path)
    assert pipeline_runner.load_job(jobs, name).steps[0].status == "Running"
    runner = read_state(jobs / name).runner_pid
    started = time.monotonic()
    info = pipeline_runner.cancel(jobs, name, grace_s=5)
    assert time.monotonic() - started < 10
    assert (info.status, info.error) == ("Canceled", "canceled on request")
    assert [s.status for s in info.steps] == ["Canceled", "NotStarted"]
    assert all(_gone(p) for p in (pids["step"], pids["sleep"], runner or 0))
    assert pipeline_runner.cancel(jobs, name) == info
    assert "hanging" in pipeline_runner.read_log(jobs, name, "hang")


def test_cancel_kills_what_ignores_sigterm_after_the_grace_period(tmp_path: Path) -> None:
    # `trap '' TERM` makes bash and the sleep it starts ignore SIGTERM.
    component(tmp_path, "stubborn", command="trap '' TERM; echo $$ > ${{outputs.o}}/pid; sleep 300")
    mark = tmp_path / "components" / "stubborn.yml"
    mark.write_text(
        mark.read_text(encoding="utf-8").replace(
            "outputs: {}", "outputs:\n  o: {type: uri_folder}"
        ),
        encoding="utf-8",
    )
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(
        pipeline(tmp_path, {"s": {"component": "./components/stubborn.yml"}}), jobs
    )
    pid_file = jobs / name / "outputs" / "s" / "o" / "pid"
    _wait_until(lambda: pid_file.exists() and pid_file.read_text(encoding="utf-8").strip())
    started = time.monotonic()
    info = pipeline_runner.cancel(jobs, name, grace_s=1)
    assert 1 <= time.monotonic() - started < 10
    assert info.status == "Canceled" and info.steps[0].exit_code == 128 + signal.SIGKILL
    assert _gone(int(pid_file.read_text(encoding="utf-8")))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_runner_cancels_the_job(tmp_path: Path, sig: signal.Signals) -> None:
    jobs, name, pids = _start_hanging(tmp_path)
    os.kill(read_state(jobs / name).runner_pid or 0, sig)
    info = _finish(jobs, name, timeout=30)
    assert info.status == "Canceled"
    assert info.error == f"canceled: the runner received {sig.name}"
    assert [s.status for s in info.steps] == ["Canceled", "NotStarted"]
    _wait_until(lambda: _gone(pids["step"]) and _gone(pids["sleep"]), timeout=10)


def test_a_runner_killed_with_sigkill_is_reported_and_its_step_stopped(tmp_path: Path) -> None:
    jobs, name, pids = _start_hanging(tmp_path)
    runner = read_state(jobs / name).runner_pid or 0
    os.kill(runner, signal.SIGKILL)
    _wait_until(lambda: _gone(runner), timeout=10)
    assert not _gone(pids["step"])  # the orphan runs on until someone looks
    info = pipeline_runner.load_job(jobs, name)
    assert info.status == "Failed"
    assert info.error == (
        f"runner process (pid {runner}) died while the job was Running; step 'hang' was running"
    )
    assert [s.status for s in info.steps] == ["Failed", "NotStarted"]
    _wait_until(lambda: _gone(pids["step"]) and _gone(pids["sleep"]), timeout=10)


def test_follow_gives_up_after_its_timeout_and_the_job_keeps_running(tmp_path: Path) -> None:
    jobs, name, _ = _start_hanging(tmp_path)
    lines: list[str] = []
    with pytest.raises(OperationTimeout, match="still Running after 0.5 s"):
        pipeline_runner.follow(jobs, name, lines.append, poll_s=0.1, timeout_s=0.5)
    assert lines == ["[hang] Running", "[hang] hanging"]
    assert pipeline_runner.load_job(jobs, name).status == "Running"
    assert pipeline_runner.cancel(jobs, name, grace_s=2).status == "Canceled"


def test_a_step_over_its_time_limit_fails(tmp_path: Path) -> None:
    component(tmp_path, "slow", command="sleep 60")
    path = pipeline(
        tmp_path, {"slow": {"component": "./components/slow.yml", "limits": {"timeout": 1}}}
    )
    jobs = tmp_path / "jobs"
    started = time.monotonic()
    info = _finish(jobs, pipeline_runner.submit(path, jobs), timeout=30)
    assert time.monotonic() - started < 15
    assert info.status == "Failed"
    assert info.error == "step 'slow' exceeded its limits.timeout of 1 s"
    assert info.steps[0].exit_code == 128 + signal.SIGTERM


HOSTILE_VALUES = [
    "$(touch {mark})",
    "`touch {mark}`",
    "; touch {mark}",
    "a && touch {mark} || true",
    'it\'s "quoted"  with  spaces',
    "line\nbreak",
]


def test_hostile_string_inputs_never_run_as_shell(tmp_path: Path) -> None:
    mark = tmp_path / "pwned"
    _code(
        tmp_path,
        "echo_args.py",
        "import json, sys\nopen(sys.argv[1] + '/args.json', 'w').write(json.dumps(sys.argv[2:]))\n",
    )
    component(
        tmp_path,
        "echo",
        command=(
            "python echo_args.py ${{outputs.o}} ${{inputs.a}} \"${{inputs.b}}\" '${{inputs.c}}' "
            "x${{inputs.d}}y"
        ),
        code="../src",
        inputs={k: {"type": "string"} for k in "abcd"},
        outputs={"o": {"type": "uri_folder"}},
    )
    path = pipeline(tmp_path, {"echo": {"component": "./components/echo.yml"}})
    jobs = tmp_path / "jobs"
    for template in HOSTILE_VALUES:
        value = template.format(mark=mark)
        name = pipeline_runner.submit(path, jobs, {f"echo.{k}": value for k in "abcd"})
        info = _finish(jobs, name)
        assert info.status == "Completed", info.error
        received = json.loads(Path(info.outputs["echo.o"], "args.json").read_text(encoding="utf-8"))
        assert received == [value, value, value, f"x{value}y"]
    assert not mark.exists()


def test_the_code_snapshot_is_taken_at_submit(tmp_path: Path) -> None:
    _code(tmp_path, "version.py", "print('version 1')\n")
    component(tmp_path, "wait", command="sleep 1")
    component(tmp_path, "show", command="python version.py", code="../src")
    path = pipeline(
        tmp_path,
        {
            "wait": {"component": "./components/wait.yml"},
            "show": {"component": "./components/show.yml"},
        },
    )
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(path, jobs)
    _code(tmp_path, "version.py", "print('version 2')\n")
    assert _finish(jobs, name).status == "Completed"
    assert pipeline_runner.read_log(jobs, name, "show") == "version 1\n"


def test_nothing_starts_when_the_pipeline_is_invalid(tmp_path: Path) -> None:
    component(tmp_path, "c", command="echo ${{inputs.n}}", inputs={"n": {"type": "integer"}})
    path = pipeline(tmp_path, {"c": {"component": "./components/c.yml", "inputs": {"n": 1}}})
    jobs = tmp_path / "jobs"
    with pytest.raises(ConfigError, match="override 'c.n': expected an integer, got 'many'"):
        pipeline_runner.submit(path, jobs, {"c.n": "many"})
    with pytest.raises(UsageError, match="env: values must be strings; check 'PORT'"):
        pipeline_runner.submit(path, jobs, env={"PORT": 8080})  # type: ignore[dict-item]
    assert not jobs.exists() or list(jobs.iterdir()) == []


DDP_PY = """
import json, os, sys
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
value = torch.tensor([rank + 1.0])
dist.all_reduce(value)
with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
    json.dump({"world": world, "sum": value.item(), "local_rank": int(os.environ["LOCAL_RANK"])}, f)
dist.destroy_process_group()
"""


def test_torchrun_runs_two_processes_on_cpu(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    _code(tmp_path, "ddp.py", DDP_PY)
    component(
        tmp_path,
        "ddp",
        command="python ddp.py ${{outputs.o}}",
        code="../src",
        outputs={"o": {"type": "uri_folder"}},
        distribution={"type": "pytorch", "process_count_per_instance": 1},
    )
    path = pipeline(
        tmp_path, {"ddp": {"component": "./components/ddp.yml", "resources": {"instance_count": 2}}}
    )
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(path, jobs)
    info = _finish(jobs, name, timeout=180)
    assert info.status == "Completed", info.error
    state = read_state(jobs / name)
    assert state.steps[0].process_count == 2
    assert (
        "torch.distributed.run --standalone --nnodes 1 --nproc_per_node 2" in state.steps[0].command
    )
    ranks = [
        json.loads(Path(info.outputs["ddp.o"], f"rank{r}.json").read_text(encoding="utf-8"))
        for r in (0, 1)
    ]
    assert ranks == [
        {"world": 2, "sum": 3.0, "local_rank": 0},
        {"world": 2, "sum": 3.0, "local_rank": 1},
    ]
    # The library's override gives the same step 3 processes.
    name = pipeline_runner.submit(
        path,
        jobs,
        distribution={"ddp": StepDistribution(instance_count=1, process_count_per_instance=3)},
    )
    assert (
        "--nproc_per_node 3"
        in json.loads((jobs / name / JOB_FILE).read_text())["steps"][0]["command"]
    )
    assert _finish(jobs, name, timeout=180).status == "Completed"


def test_cancel_right_after_submit(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(_hanging_pipeline(tmp_path, tmp_path / "pids.json"), jobs)
    info = pipeline_runner.cancel(jobs, name, grace_s=2)
    assert info.status == "Canceled"
    assert info.steps[1].status == "NotStarted"
    assert _gone(read_state(jobs / name).runner_pid or 0)


def test_a_runner_that_cannot_read_its_plan_records_why(tmp_path: Path) -> None:
    component(tmp_path, "c", command="echo hi")
    jobs = tmp_path / "jobs"
    name = pipeline_runner.submit(
        pipeline(tmp_path, {"c": {"component": "./components/c.yml"}}), jobs
    )
    assert _finish(jobs, name).status == "Completed"
    # The same job directory, reset to Queued, with its plan gone: run the runner by hand.
    state = read_state(jobs / name)
    state.status, state.ended_at, state.runner_pid = "Queued", None, None
    state.steps[0].status = "NotStarted"
    write_state(jobs / name, state)
    (jobs / name / "plan.json").unlink()
    module = "mlops_toolkit.targets.local.pipeline_runner"
    proc = subprocess.run(
        [sys.executable, "-m", module, "run", str(jobs / name)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "FileNotFoundError" in proc.stderr
    info = pipeline_runner.load_job(jobs, name)
    assert info.status == "Failed"
    assert info.error is not None
    assert info.error.startswith("the runner failed: FileNotFoundError: ")
    usage = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage:" in usage.stderr
