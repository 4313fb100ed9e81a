"""Reading step logs: the tail quoted in a failure, new lines for ``follow``, transitions."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from mlops_toolkit.targets.local.job_store import StepState

#: Lines of a failed step's log quoted in its error.
LOG_TAIL_LINES = 20


def log_tail(path: str | Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file ('' when it does not exist). Reads at most 64 KiB."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 65536))
            data = handle.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


def transition_text(record: StepState) -> str:
    """``Completed (exit code 0, 12.3 s)``, with the step's error after a colon if any. Pure."""
    detail = [] if record.exit_code is None else [f"exit code {record.exit_code}"]
    if record.started_at and record.ended_at:
        seconds = (
            datetime.fromisoformat(record.ended_at) - datetime.fromisoformat(record.started_at)
        ).total_seconds()
        detail.append(f"{seconds:.1f} s")
    text = f"{record.status} ({', '.join(detail)})" if detail else record.status
    return f"{text}: {record.error}" if record.error else text


class LogTail:
    """New complete lines of a growing log file, read from where the last call stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def read_lines(self, final: bool = False) -> list[str]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        if final and self.partial:
            lines.append(self.partial)
            self.partial = b""
        return [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]
