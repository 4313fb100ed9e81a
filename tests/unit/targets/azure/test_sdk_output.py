"""The SDK's console output is dropped while it works, only for the threads it uses."""

from __future__ import annotations

import sys
import threading

import pytest

from mlops_toolkit.targets.azure.sdk_output import quiet


def test_the_calling_thread_and_pollers_are_silenced_others_are_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = sys.stdout
    with quiet():
        print(".", end="")  # azure-ai-ml's poll dots
        print("colour reset", file=sys.stderr)
        poller = threading.Thread(target=lambda: print("poll"), name="LROPoller(abc)")
        other = threading.Thread(target=lambda: print("someone else"), name="worker")
        for thread in (poller, other):
            thread.start()
            thread.join()
        with quiet():  # reentrant
            print("nested")
        print("still quiet")
    print("after")
    out, err = capsys.readouterr()
    assert out == "someone else\nafter\n"
    assert err == ""
    assert sys.stdout is original


def test_output_comes_back_when_the_sdk_raises() -> None:
    original = sys.stdout
    with pytest.raises(RuntimeError), quiet():
        raise RuntimeError("boom")
    assert sys.stdout is original
