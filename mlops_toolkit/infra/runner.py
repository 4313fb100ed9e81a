"""Run one Terraform command as a child process: bounded in time, interruptible, never orphaned.

``run_command`` is the only place the toolkit starts Terraform. It blocks
until the command has exited, and guarantees:

* **A time limit.** After ``timeout`` seconds the command is asked to stop
  (SIGINT, Terraform's graceful stop), then stopped harder (see below), and
  ``OperationTimeout`` (exit code 8) names the command and the limit.
* **Signals reach Terraform as its own graceful shutdown.** While the command
  runs, and only then, handlers for SIGINT and SIGTERM are installed (main
  thread only; a signal the caller ignores stays ignored). The first signal is
  passed on to Terraform as one SIGINT: Terraform stops starting work,
  records what finished (an interrupted resource as *tainted*), writes its
  state and releases its state lock. ``run_command`` keeps reading
  Terraform's output meanwhile, so the caller's own lock is held until
  Terraform has exited. A second signal, or ``interrupt_grace`` seconds
  without an exit, sends a second SIGINT (Terraform's "exit now"), and
  ``kill_grace`` seconds later the process group is killed: the wait is
  always bounded. When Terraform has exited the caller's handlers are put
  back and the first signal is delivered again to this process, so the
  caller sees what it would have seen without the toolkit: ``KeyboardInterrupt``
  for SIGINT; for SIGTERM whatever its handler does (the CLI raises
  ``Terminated``; Python's default ends the process). If that handler
  returns, ``BackendError`` says the command was interrupted.
* **No orphans.** Terraform runs in a process group of its own, so a
  terminal's Ctrl-C reaches it exactly once (through the toolkit); when it has
  exited, anything left in that group (a provisioner's ``sleep``) is killed.
  Called outside the main thread no handler can be installed: Terraform then
  stays in the caller's process group, where a terminal's Ctrl-C reaches it
  directly, and leftovers cannot be told apart from the caller's processes.
* **Private files.** The child runs with umask 077, so state, plan and lock
  files Terraform creates are 0600.
* **Output.** Lines are decoded as UTF-8 (undecodable bytes replaced) and
  passed to ``on_line`` in the caller's thread as they arrive; with
  ``capture`` the raw standard output is returned instead (at most
  ``max_capture`` bytes, else ``BackendError``) for a machine-output parser.

An exception raised by ``on_line`` (a progress renderer writing to a closed
pipe, say) stops Terraform the same graceful way before it propagates.
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

from mlops_toolkit.errors import BackendError, EnvironmentSetupError, OperationTimeout

#: Seconds Terraform gets to stop after the first interrupt before a second one.
INTERRUPT_GRACE = 120.0
#: Seconds after the second interrupt before the process group is killed.
KILL_GRACE = 10.0
MAX_CAPTURE_BYTES = 128 * 1024 * 1024
_MAX_LINE = 1024 * 1024
_POLL = 0.1
_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)

LineCallback = Callable[[str], None]


@dataclass(frozen=True)
class Completed:
    """A command that ran to its end (whatever its exit code)."""

    returncode: int
    stdout: bytes = b""
    stderr_tail: tuple[str, ...] = ()


def run_command(
    argv: Sequence[str],
    *,
    what: str,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    on_line: LineCallback | None = None,
    on_notice: LineCallback | None = None,
    capture: bool = False,
    max_capture: int = MAX_CAPTURE_BYTES,
    interrupt_grace: float = INTERRUPT_GRACE,
    kill_grace: float = KILL_GRACE,
) -> Completed:
    """Run ``argv`` to its end under the guarantees of the module docstring. Blocks.

    ``what`` names the command in messages (``terraform apply``). Output lines
    go to ``on_line`` (standard output and error merged) unless ``capture``,
    which returns standard output and keeps the last lines of standard error.
    ``on_notice`` hears what the runner itself does (interrupts, kills).
    Raises ``EnvironmentSetupError`` when the program cannot be started,
    ``OperationTimeout`` after ``timeout`` seconds, ``BackendError`` when the
    captured output is too large or an interrupt was handled by the caller
    without raising; re-delivers SIGINT/SIGTERM as described above.
    """
    notice = on_notice or (lambda _text: None)
    with _SignalForwarding() as signals:
        if signals.received:  # a signal arrived before anything started: start nothing
            proc = None
        else:
            proc = _start(argv, cwd=cwd, env=env, capture=capture, new_group=signals.active)
        if proc is not None:
            job = _Job(proc, what, group=signals.active, capture=capture, max_capture=max_capture)
            stopper = _Stopper(job, interrupt_grace, kill_grace, notice)
            timed_out = False
            deadline = time.monotonic() + timeout
            try:
                seen = 0
                while not job.exited():
                    job.deliver_lines(on_line, wait=_POLL)
                    now = time.monotonic()
                    for signum in signals.received[seen:]:
                        seen += 1
                        stopper.request(now, f"{_signal_name(signum)} received")
                    if now >= deadline and not timed_out and stopper.stage == 0:
                        timed_out = True
                        stopper.request(now, f"{what} ran past its {timeout:g} s time limit")
                    stopper.tick(now)
            except BaseException:
                # The caller's callback failed: Terraform must not outlive this call.
                stopper.request(time.monotonic(), f"{what} is being stopped after an error")
                while not job.exited():
                    job.deliver_lines(None, wait=_POLL)
                    stopper.tick(time.monotonic())
                job.finish(None)
                raise
            job.finish(on_line)
    if signals.received:
        _redeliver(signals.received[0])
        raise BackendError(
            f"{what} was interrupted by {_signal_name(signals.received[0])}"
            + (f" and stopped (exit code {proc.returncode})" if proc is not None else ""),
            hint="Run the command again: Terraform recorded what finished.",
        )
    assert proc is not None
    if timed_out:
        how = "killed" if stopper.killed else "stopped"
        raise OperationTimeout(
            f"{what} did not finish within {timeout:g} s and was {how} "
            f"(exit code {proc.returncode})",
            hint="Raise the limit with timeout=SECONDS (or MLOPS_TERRAFORM_TIMEOUT) if it "
            "needs longer; run the command again to continue from the recorded state."
            + (
                " Terraform was killed, so its state lock may remain: see `terraform force-unlock`."
                if stopper.killed
                else ""
            ),
        )
    if job.overflow:
        raise BackendError(f"{what} printed more than {max_capture} bytes; refusing to read it")
    return Completed(proc.returncode, bytes(job.stdout), tuple(job.stderr_tail))


def _start(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    capture: bool,
    new_group: bool,
) -> subprocess.Popen[bytes]:
    extra: dict[str, Any] = {"start_new_session": new_group}
    if os.name == "posix":
        extra["umask"] = 0o077
    try:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if capture else subprocess.STDOUT,
            close_fds=True,
            **extra,
        )
    except OSError as exc:
        raise EnvironmentSetupError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None


class _Job:
    """A started process, its reader threads and what they collected."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        what: str,
        *,
        group: bool,
        capture: bool,
        max_capture: int,
    ) -> None:
        self.proc = proc
        self.what = what
        self.group = group
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout = bytearray()
        self.overflow = False
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self._capture = capture
        self._max_capture = max_capture
        self._threads: list[threading.Thread] = []
        assert proc.stdout is not None
        if capture:
            assert proc.stderr is not None
            self._spawn(self._read_bytes, proc.stdout)
            self._spawn(self._read_lines, proc.stderr)
        else:
            self._spawn(self._read_lines, proc.stdout)

    def _spawn(self, target: Callable[[IO[bytes]], None], pipe: IO[bytes]) -> None:
        thread = threading.Thread(target=target, args=(pipe,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _read_lines(self, pipe: IO[bytes]) -> None:
        try:
            for raw in iter(lambda: pipe.readline(_MAX_LINE), b""):
                self.lines.put(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        finally:
            self.lines.put(None)

    def _read_bytes(self, pipe: IO[bytes]) -> None:
        try:
            for chunk in iter(lambda: pipe.read(1 << 16), b""):
                if len(self.stdout) + len(chunk) > self._max_capture:
                    self.overflow = True  # keep draining so the child never blocks on a full pipe
                else:
                    self.stdout += chunk
        except (OSError, ValueError):
            pass

    def deliver_lines(self, on_line: LineCallback | None, *, wait: float) -> None:
        """Pass queued lines on (waiting up to ``wait`` seconds for the first)."""
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            return
        while True:
            if line is not None:
                if self._capture:
                    self.stderr_tail.append(line)
                elif on_line is not None:
                    on_line(line)
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return

    def exited(self) -> bool:
        """Whether the process has exited, without reaping it (its group stays ours)."""
        proc = self.proc
        if proc.returncode is not None:
            return True
        waitid = getattr(os, "waitid", None)
        flags = getattr(os, "WNOWAIT", None)
        if waitid is None or flags is None:
            return proc.poll() is not None
        try:
            status = waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | flags)
        except ChildProcessError:
            return proc.poll() is not None
        return status is not None

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the process group (or the process when it has none of its own)."""
        if self.proc.returncode is not None:
            return
        try:
            if self.group:
                os.killpg(self.proc.pid, signum)  # type: ignore[attr-defined, unused-ignore]
            else:
                self.proc.send_signal(signum)
        except (ProcessLookupError, PermissionError):
            pass

    def finish(self, on_line: LineCallback | None) -> None:
        """After exit: kill what is left of the group, reap, collect the remaining output."""
        if self.group and self.proc.returncode is None:
            # The leader is a zombie until reaped, so the group id cannot have been reused.
            try:
                os.killpg(self.proc.pid, _SIGKILL)  # type: ignore[attr-defined, unused-ignore]
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=5.0)  # a pipe held open by a stranger is abandoned
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None and not any(t.is_alive() for t in self._threads):
                pipe.close()
        self.deliver_lines(on_line, wait=0)
        while not self.lines.empty():
            self.deliver_lines(on_line, wait=0)


class _Stopper:
    """The escalation schedule: interrupt, interrupt again, kill. Every step is bounded."""

    def __init__(
        self, job: _Job, interrupt_grace: float, kill_grace: float, notice: LineCallback
    ) -> None:
        self.job = job
        self.interrupt_grace = interrupt_grace
        self.kill_grace = kill_grace
        self.notice = notice
        self.stage = 0
        self.next_at = float("inf")

    @property
    def killed(self) -> bool:
        return self.stage >= 3

    def request(self, now: float, reason: str) -> None:
        what = self.job.what
        if self.stage == 0:
            self.stage, self.next_at = 1, now + self.interrupt_grace
            self._say(
                f"{reason}: asking {what} to stop gracefully (it records what finished and "
                f"releases its state lock; waiting up to {self.interrupt_grace:g} s; "
                "a second Ctrl-C or SIGTERM stops it at once, which can lose state)"
            )
            self.job.signal(signal.SIGINT)
        elif self.stage == 1:
            self._second(now, reason)

    def tick(self, now: float) -> None:
        if self.stage == 1 and now >= self.next_at:
            self._second(now, f"{self.job.what} did not stop within {self.interrupt_grace:g} s")
        elif self.stage == 2 and now >= self.next_at:
            self.stage, self.next_at = 3, float("inf")
            self._say(f"{self.job.what} did not stop within {self.kill_grace:g} s: killing it")
            self.job.signal(_SIGKILL)

    def _second(self, now: float, reason: str) -> None:
        self.stage, self.next_at = 2, now + self.kill_grace
        self._say(f"{reason}: telling {self.job.what} to stop at once")
        self.job.signal(signal.SIGINT)

    def _say(self, text: str) -> None:
        try:
            self.notice(text)
        except Exception:  # noqa: BLE001 - a broken progress display must not stop the shutdown
            pass


class _SignalForwarding:
    """Records SIGINT/SIGTERM while a command runs; restores the caller's handlers on exit."""

    SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)

    def __init__(self) -> None:
        self.received: list[int] = []
        self.active = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalForwarding:
        main = threading.current_thread() is threading.main_thread()
        self.active = main and hasattr(os, "killpg")
        if self.active:
            for signum in self.SIGNALS:
                current = signal.getsignal(signum)
                if current == signal.SIG_IGN:
                    continue  # the caller ignores it, and so does Terraform's run
                self._previous[signum] = current
                signal.signal(signum, self._record)
        return self

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()


def _redeliver(signum: int) -> None:
    """Deliver ``signum`` to this process again, now that the caller's handler is back."""
    raise_signal = getattr(signal, "raise_signal", None)
    if raise_signal is not None:
        raise_signal(signum)
    else:  # pragma: no cover - Python < 3.8
        os.kill(os.getpid(), signum)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
