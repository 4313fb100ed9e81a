"""The process runner behind every Terraform call: time limits, signals, no orphans.

Children are small ``sh`` scripts that behave like Terraform where it matters:
they stop gracefully on the first SIGINT (writing a marker, as Terraform
writes its state) and leave a background ``sleep`` behind, as an interrupted
``local-exec`` provisioner does.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from mlops_toolkit.errors import BackendError, EnvironmentSetupError, OperationTimeout
from mlops_toolkit.infra.runner import run_command

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

# Stops gracefully on SIGINT: writes "graceful" to $1, exits 1. Leaves a background
# sleep (which ignores SIGINT, as background jobs of sh do) whose pid goes to $2.
GRACEFUL = """
trap 'echo graceful > "$1"; exit 1' INT
sleep 300 &
echo $! > "$2"
echo ready
wait
"""
# Survives SIGINT (counts it in $1); only SIGKILL ends it.
STUBBORN = """
trap 'echo interrupted >> "$1"' INT
echo ready
while :; do sleep 0.05; done
"""


@pytest.fixture
def restore_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _signal_self_when(path: Path, *signums: int, gap: float = 0.3) -> threading.Thread:
    """Send ``signums`` to this process, ``gap`` apart, once ``path`` exists (bounded wait)."""

    def send() -> None:
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        for signum in signums:
            os.kill(os.getpid(), signum)
            time.sleep(gap)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _ready_file(tmp_path: Path) -> tuple[Path, object]:
    ready = tmp_path / "ready"

    def on_line(line: str) -> None:
        if line == "ready":
            ready.write_text("")

    return ready, on_line


def _gone(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_sigint_is_passed_on_waited_for_and_raised_again(
    tmp_path: Path, restore_handlers: None
) -> None:
    marker, pid_file = tmp_path / "marker", tmp_path / "pid"
    ready, on_line = _ready_file(tmp_path)
    before = signal.getsignal(signal.SIGINT)
    sender = _signal_self_when(ready, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        run_command(
            ["sh", "-c", GRACEFUL, "sh", str(marker), str(pid_file)],
            what="fake apply",
            timeout=60,
            on_line=on_line,  # type: ignore[arg-type]
        )
    sender.join()
    assert marker.read_text().strip() == "graceful"  # the child shut down its own way
    assert _gone(pid_file)  # the background sleep it left was killed with its group
    assert signal.getsignal(signal.SIGINT) is before  # nothing left installed


def test_sigterm_reaches_the_callers_handler_after_the_child_exits(
    tmp_path: Path, restore_handlers: None
) -> None:
    class Stop(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Stop(signum)

    signal.signal(signal.SIGTERM, handler)
    marker, pid_file = tmp_path / "marker", tmp_path / "pid"
    ready, on_line = _ready_file(tmp_path)
    _signal_self_when(ready, signal.SIGTERM)
    with pytest.raises(Stop):
        run_command(
            ["sh", "-c", GRACEFUL, "sh", str(marker), str(pid_file)],
            what="fake apply",
            timeout=60,
            on_line=on_line,  # type: ignore[arg-type]
        )
    assert marker.read_text().strip() == "graceful"
    assert _gone(pid_file)
    assert signal.getsignal(signal.SIGTERM) is handler


def test_a_handler_that_returns_gets_a_backend_error(
    tmp_path: Path, restore_handlers: None
) -> None:
    signal.signal(signal.SIGTERM, lambda _s, _f: None)
    marker, pid_file = tmp_path / "marker", tmp_path / "pid"
    ready, on_line = _ready_file(tmp_path)
    _signal_self_when(ready, signal.SIGTERM)
    with pytest.raises(BackendError, match="fake apply was interrupted by SIGTERM"):
        run_command(
            ["sh", "-c", GRACEFUL, "sh", str(marker), str(pid_file)],
            what="fake apply",
            timeout=60,
            on_line=on_line,  # type: ignore[arg-type]
        )


def test_a_second_signal_escalates_to_a_kill_within_the_grace(
    tmp_path: Path, restore_handlers: None
) -> None:
    counts = tmp_path / "interrupts"
    ready, on_line = _ready_file(tmp_path)
    notices: list[str] = []
    _signal_self_when(ready, signal.SIGINT, signal.SIGINT, gap=0.5)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_command(
            ["sh", "-c", STUBBORN, "sh", str(counts)],
            what="fake apply",
            timeout=60,
            on_line=on_line,  # type: ignore[arg-type]
            on_notice=notices.append,
            interrupt_grace=60,
            kill_grace=0.5,
        )
    assert time.monotonic() - started < 20
    assert counts.read_text().count("interrupted") == 2  # both interrupts reached it
    assert any("killing it" in n for n in notices)


def test_a_command_past_its_time_limit_is_stopped_with_exit_8(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(
        OperationTimeout, match=r"terraform version did not finish within 0.5 s"
    ) as err:
        run_command(["sleep", "300"], what="terraform version", timeout=0.5)
    assert err.value.exit_code == 8 and "was stopped" in str(err.value)
    assert time.monotonic() - started < 10


def test_a_command_that_ignores_interrupts_is_killed_after_the_graces(tmp_path: Path) -> None:
    counts = tmp_path / "interrupts"
    started = time.monotonic()
    with pytest.raises(OperationTimeout, match="was killed") as err:
        run_command(
            ["sh", "-c", STUBBORN, "sh", str(counts)],
            what="terraform apply",
            timeout=0.5,
            interrupt_grace=0.5,
            kill_grace=0.5,
        )
    assert "force-unlock" in str(err.value)
    assert time.monotonic() - started < 15


def test_a_failing_callback_stops_the_child_before_it_propagates(tmp_path: Path) -> None:
    marker, pid_file = tmp_path / "marker", tmp_path / "pid"

    def broken(line: str) -> None:
        raise BrokenPipeError("stderr is gone")

    with pytest.raises(BrokenPipeError):
        run_command(
            ["sh", "-c", GRACEFUL, "sh", str(marker), str(pid_file)],
            what="fake apply",
            timeout=60,
            on_line=broken,
        )
    assert marker.read_text().strip() == "graceful"
    assert _gone(pid_file)


def test_outside_the_main_thread_nothing_is_installed(tmp_path: Path) -> None:
    results: list[object] = []
    before = signal.getsignal(signal.SIGINT)

    def work() -> None:
        results.append(run_command(["sh", "-c", "echo hi"], what="echo", timeout=30, capture=True))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert results and results[0].stdout == b"hi\n"  # type: ignore[attr-defined]
    assert signal.getsignal(signal.SIGINT) is before


def test_an_ignored_signal_stays_ignored(tmp_path: Path, restore_handlers: None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready = tmp_path / "ready"
    _signal_self_when(ready, signal.SIGINT)
    done = run_command(
        ["sh", "-c", f"touch {ready}; sleep 1; echo finished"],
        what="fake apply",
        timeout=60,
        capture=True,
    )
    assert done.returncode == 0 and done.stdout == b"finished\n"
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_output_is_bounded_decoded_and_files_are_private(tmp_path: Path) -> None:
    lines: list[str] = []
    run_command(
        ["sh", "-c", f"printf 'ok \\377\\376 bytes\\n'; echo s > {tmp_path / 'state'}"],
        what="fake",
        timeout=30,
        on_line=lines.append,
    )
    assert lines == ["ok \ufffd\ufffd bytes"]
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o600  # umask 077
    with pytest.raises(BackendError, match="printed more than 1000 bytes"):
        run_command(
            ["sh", "-c", "head -c 100000 /dev/zero"],
            what="fake",
            timeout=30,
            capture=True,
            max_capture=1000,
        )
    with pytest.raises(EnvironmentSetupError, match="cannot run"):
        run_command([str(tmp_path / "no-such-binary")], what="fake", timeout=30)
