"""Job state on disk: atomic writes, names, and honest status when the runner is gone."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import pytest

from mlops_toolkit.errors import NotFoundError
from mlops_toolkit.targets.local import pipeline_runner
from mlops_toolkit.targets.local.job_store import (
    JOB_FILE,
    JobState,
    StepState,
    job_dir,
    new_job_name,
    now_iso,
    read_state,
    to_job_info,
    update_state,
    write_state,
)
from mlops_toolkit.targets.local.process_tree import ProcessRef, is_alive


def _state(name: str = "calm_river_0123456789", **fields: object) -> JobState:
    state = JobState(
        name=name,
        display_name="d",
        experiment="e",
        created_at=now_iso(),
        steps=[StepState("a", log_path="/x/a.txt"), StepState("b")],
    )
    for key, value in fields.items():
        setattr(state, key, value)
    return state


def _store(tmp_path: Path, state: JobState) -> Path:
    directory = tmp_path / state.name
    directory.mkdir()
    write_state(directory, state)
    return directory


def test_round_trip_and_job_info(tmp_path: Path) -> None:
    state = _state(status="Running", outputs={"model": "/o/m"})
    state.steps[0].status, state.steps[0].exit_code = "Completed", 0
    directory = _store(tmp_path, state)
    assert read_state(directory) == state
    info = to_job_info(read_state(directory))
    assert (info.name, info.status, info.display_name, info.experiment) == (
        state.name,
        "Running",
        "d",
        "e",
    )
    assert [(s.name, s.status, s.exit_code, s.log_path) for s in info.steps] == [
        ("a", "Completed", 0, "/x/a.txt"),
        ("b", "NotStarted", None, None),
    ]
    assert info.outputs == {"model": "/o/m"} and not info.done


def test_readers_never_see_a_half_written_file(tmp_path: Path) -> None:
    state = _state(outputs={f"k{i}": "v" * 200 for i in range(200)})
    directory = _store(tmp_path, state)
    stop = threading.Event()
    errors: list[Exception] = []
    reads = 0

    def read() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                json.loads((directory / JOB_FILE).read_text(encoding="utf-8"))
                reads += 1
            except Exception as exc:  # any failure is the finding
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(150):
            with update_state(directory) as current:
                current.error = str(i) * (i % 7 + 1)
    finally:
        stop.set()
        reader.join()
    assert errors == [] and reads > 0
    assert read_state(directory).error == "149" * (149 % 7 + 1)
    assert sorted(p.name for p in directory.iterdir()) == [".job.json.lock", JOB_FILE]


def test_nothing_is_written_when_the_update_fails(tmp_path: Path) -> None:
    directory = _store(tmp_path, _state())
    before = (directory / JOB_FILE).read_bytes()
    with pytest.raises(RuntimeError):
        with update_state(directory) as state:
            state.status = "Failed"
            raise RuntimeError("boom")
    assert (directory / JOB_FILE).read_bytes() == before


def test_names_look_like_azures_and_do_not_repeat() -> None:
    names = {new_job_name() for _ in range(2000)}
    assert len(names) == 2000
    assert all(re.fullmatch(r"[a-z]+_[a-z]+_[0-9a-z]{10}", n) for n in names)


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "UPPER", ".hidden"])
def test_names_that_no_job_can_have_are_not_found(tmp_path: Path, name: str) -> None:
    with pytest.raises(NotFoundError):
        job_dir(tmp_path, name)


def test_unknown_job_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such job"):
        pipeline_runner.load_job(tmp_path, "calm_river_0123456789")


def test_a_live_runner_keeps_the_job_running(tmp_path: Path) -> None:
    me = ProcessRef.of(os.getpid())
    state = _state(status="Running", runner_pid=me.pid, runner_create_time=me.create_time)
    _store(tmp_path, state)
    assert pipeline_runner.load_job(tmp_path, state.name).status == "Running"


def test_a_reused_pid_is_not_the_runner(tmp_path: Path) -> None:
    """The runner's pid now belongs to another process (this one): the runner is dead."""
    me = ProcessRef.of(os.getpid())
    state = _state(status="Running", runner_pid=me.pid, runner_create_time=me.create_time - 3600)
    state.steps[0].status = "Running"
    _store(tmp_path, state)
    info = pipeline_runner.load_job(tmp_path, state.name)
    assert info.status == "Failed"
    assert info.error == (
        f"runner process (pid {me.pid}) died while the job was Running; step 'a' was running"
    )
    assert info.steps[0].status == "Failed" and info.steps[1].status == "NotStarted"
    assert info.ended_at is not None
    assert pipeline_runner.load_job(tmp_path, state.name) == info  # recorded once, stable


def test_an_orphaned_step_is_killed_when_its_runner_is_found_dead(tmp_path: Path) -> None:
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        ref = ProcessRef.of(orphan.pid)
        state = _state(status="Running", runner_pid=2**22 + 1, runner_create_time=1.0)
        step = state.steps[0]
        step.status, step.pid, step.pid_create_time = "Running", ref.pid, ref.create_time
        _store(tmp_path, state)
        assert pipeline_runner.load_job(tmp_path, state.name).status == "Failed"
        assert orphan.wait(timeout=10) == -signal.SIGKILL
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_a_job_whose_runner_never_started(tmp_path: Path) -> None:
    old = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    _store(tmp_path, _state(name="old_job_0000000000", created_at=old))
    _store(tmp_path, _state(name="new_job_0000000000"))
    assert pipeline_runner.load_job(tmp_path, "new_job_0000000000").status == "Queued"
    info = pipeline_runner.load_job(tmp_path, "old_job_0000000000")
    assert info.status == "Failed"
    assert info.error == "runner process was never started while the job was Queued"


def test_a_dead_runner_of_a_canceled_job_ends_canceled(tmp_path: Path) -> None:
    state = _state(status="Running", runner_pid=2**22 + 1, runner_create_time=1.0)
    state.cancel_requested = True
    _store(tmp_path, state)
    assert pipeline_runner.load_job(tmp_path, state.name).status == "Canceled"


def test_list_is_newest_first_and_limited(tmp_path: Path) -> None:
    assert pipeline_runner.list_jobs(tmp_path / "none") == ()
    for i, name in enumerate(["b_job_0000000000", "a_job_0000000000", "c_job_0000000000"]):
        created = datetime(2030, 1, 1, 0, 0, i, tzinfo=timezone.utc).isoformat()
        me = ProcessRef.of(os.getpid())
        _store(
            tmp_path,
            _state(
                name=name, created_at=created, runner_pid=me.pid, runner_create_time=me.create_time
            ),
        )
    (tmp_path / "half_created_0000000000").mkdir()  # no job.json yet: not a job
    names = [j.name for j in pipeline_runner.list_jobs(tmp_path)]
    assert names == ["c_job_0000000000", "a_job_0000000000", "b_job_0000000000"]
    assert [j.name for j in pipeline_runner.list_jobs(tmp_path, limit=1)] == ["c_job_0000000000"]


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen(["true"])
    ref = ProcessRef.of(child.pid)
    psutil.Process(child.pid)  # still there until reaped
    for _ in range(100):
        if psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE:
            break
        threading.Event().wait(0.02)
    assert not is_alive(ref)
    child.wait()
