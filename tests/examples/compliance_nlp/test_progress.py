"""Training progress lines: step, loss, samples/s, elapsed and time left; no bar off a terminal."""

from __future__ import annotations

import io
import logging

import pytest
from progress import TrainingProgress, configure_logging, format_duration


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (45.4, "45s"), (725, "12m05s"), (3723, "1h02m03s")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_report_gives_rate_and_time_left(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    progress = TrainingProgress(400, 2, bar=False, clock=lambda: now[0])
    for _ in range(100):
        progress.step(32)
    now[0] = 150.0  # 100 steps of 32 rows in 50 s
    with caplog.at_level(logging.INFO, logger="compliance_nlp.train"):
        figures = progress.report(100, 1, 0.25)
    assert figures["samples_per_s"] == pytest.approx(64.0)
    assert figures["left_s"] == pytest.approx(150.0)  # 300 steps at 0.5 s
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == (
        "step 100/400 (25%) epoch 1/2 loss 0.2500 | 64.0 samples/s | elapsed 50s | left 2m30s"
    )
    progress.close()


def test_bar_only_at_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert TrainingProgress(10, 1, stream=io.StringIO()).bar is None
    at_terminal = TrainingProgress(10, 1, stream=Terminal())
    assert at_terminal.bar is not None
    at_terminal.step(8)
    at_terminal.close()


def test_cli_logging_writes_timestamped_lines() -> None:
    stream = io.StringIO()
    configure_logging(stream)
    try:
        logging.getLogger("compliance_nlp.train").info("step 1/2")
    finally:
        logging.getLogger("compliance_nlp").handlers.clear()
        logging.getLogger("compliance_nlp").propagate = True
    assert stream.getvalue().rstrip().endswith(" step 1/2")
