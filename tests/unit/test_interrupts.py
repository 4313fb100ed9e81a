"""Clean-up that survives SIGTERM and a second Ctrl-C; handlers are always restored."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from mlops_toolkit.errors import Terminated
from mlops_toolkit.interrupts import interrupts_deferred, sigterm_raises


def _deliver(sig: int) -> None:
    os.kill(os.getpid(), sig)
    time.sleep(0.2)  # the handler runs between bytecodes of the main thread


def test_sigterm_raises_terminated_inside_and_the_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(Terminated), sigterm_raises():
        try:
            _deliver(signal.SIGTERM)
        finally:
            cleaned.append(True)
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) == before


def test_signals_are_held_during_clean_up_then_raised() -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    finished = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        _deliver(signal.SIGINT)
        _deliver(signal.SIGTERM)
        finished.append(True)  # not cut short
    assert finished == [True]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before

    with pytest.raises(Terminated), interrupts_deferred():
        _deliver(signal.SIGTERM)


def test_an_exception_on_its_way_out_wins_over_a_held_signal() -> None:
    with pytest.raises(ValueError), interrupts_deferred():
        _deliver(signal.SIGINT)
        raise ValueError("the original failure")


def test_nothing_changes_outside_the_main_thread() -> None:
    seen = []

    def work() -> None:
        with sigterm_raises(), interrupts_deferred():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before]
