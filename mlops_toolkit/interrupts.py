"""Clean-up that survives Ctrl-C and SIGTERM: for resources a command creates and must
delete (a temporary deployment), however the command ends.

* ``sigterm_raises()``: while inside, SIGTERM raises ``Terminated`` (a
  ``KeyboardInterrupt``), so ``finally`` blocks run for ``kill PID`` and a
  cancelled CI job as they do for Ctrl-C; Python's default for SIGTERM is to
  die on the spot, clean-up skipped.
* ``interrupts_deferred()``: while inside, SIGINT and SIGTERM are held, not
  acted on, so the clean-up itself is not cut short by a second Ctrl-C; on
  exit the first one held is raised (unless an exception is already on its
  way out, which then wins).

Both change signal handlers only in the main thread (elsewhere they do
nothing, as Python allows handlers only there), respect a signal set to be
ignored, and always restore the previous handlers: the library never leaves
one installed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from mlops_toolkit.errors import Terminated


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` inside the block (see the module docstring)."""
    if not _in_main_thread() or signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM inside the block; raise the first one held on a clean exit."""
    if not _in_main_thread():
        yield
        return
    held: list[signal.Signals | int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        held.append(signum)

    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) != signal.SIG_IGN:
            previous[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if held:
        raise Terminated() if held[0] == signal.SIGTERM else KeyboardInterrupt()
