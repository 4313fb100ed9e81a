"""Keep the Azure SDKs from writing to the terminal: the library never prints.

``azure-ai-ml`` prints a dot per status poll of some long-running operations
(from the poller's thread), colour resets after uploads, and logs INFO lines
through a handler of its own on stderr. ``quiet()`` drops what the calling
thread and the SDK's poller threads write to ``sys.stdout``/``sys.stderr``
while an SDK call runs (other threads' output passes through untouched);
``lower_sdk_logging()`` raises the ``azure.ai.ml`` logger to WARNING once.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_lock = threading.Lock()
_silenced: dict[int, int] = {}  # thread id -> nesting depth
_installed: dict[str, tuple[TextIO, _Filter]] = {}
_POLLER_THREAD_PREFIX = "LROPoller("


def _is_silenced() -> bool:
    current = threading.current_thread()
    return current.ident in _silenced or current.name.startswith(_POLLER_THREAD_PREFIX)


class _Filter:
    """A text stream that forwards writes unless the writing thread is silenced."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if _is_silenced():
            return len(text)
        return self._stream.write(text)

    def flush(self) -> None:
        if not _is_silenced():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def quiet() -> Iterator[None]:
    """Drop this thread's (and SDK pollers') console output for the block. Reentrant."""
    ident = threading.get_ident()
    with _lock:
        _silenced[ident] = _silenced.get(ident, 0) + 1
        if len(_silenced) == 1 and _silenced[ident] == 1:
            for name in ("stdout", "stderr"):
                original = getattr(sys, name)
                proxy = _Filter(original)
                _installed[name] = (original, proxy)
                setattr(sys, name, proxy)
    try:
        yield
    finally:
        with _lock:
            _silenced[ident] -= 1
            if not _silenced[ident]:
                del _silenced[ident]
            if not _silenced:
                for name, (original, proxy) in _installed.items():
                    if getattr(sys, name) is proxy:  # leave a later replacement alone
                        setattr(sys, name, original)
                _installed.clear()


_lowered = False


def lower_sdk_logging() -> None:
    """Raise the ``azure.ai.ml`` logger (INFO with its own stderr handler) to WARNING."""
    global _lowered
    if not _lowered:
        logging.getLogger("azure.ai.ml").setLevel(logging.WARNING)
        _lowered = True
