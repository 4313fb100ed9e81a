"""Training progress: step, loss, samples/s and time left, in the log and on a bar.

:class:`TrainingProgress` is fed every optimiser step (cheap: no device sync)
and, every ``log_every`` steps, the mean loss of the window; it then logs one
line on the ``compliance_nlp.train`` logger::

    step 150/1125 (13%) epoch 1/3 loss 0.2345 | 41.2 samples/s | elapsed 2m03s | left 10m50s

At a terminal it also draws a ``tqdm`` bar (when tqdm is installed, as it is
with transformers); :func:`configure_logging` routes log lines above the bar.
The library part never configures logging itself; the CLI does.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

logger = logging.getLogger("compliance_nlp.train")


def format_duration(seconds: float) -> str:
    """``45`` -> ``"45s"``, ``725`` -> ``"12m05s"``, ``3723`` -> ``"1h02m03s"``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _tqdm() -> Any | None:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class TrainingProgress:
    """Progress of ``total_steps`` steps over ``epochs`` epochs (rank 0 only).

    ``bar``: draw a progress bar (default: when ``stream`` is a terminal and
    tqdm is installed). ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        total_steps: int,
        epochs: int,
        *,
        bar: bool | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.total_steps = max(1, total_steps)
        self.epochs = epochs
        self.clock = clock
        self.started = clock()
        self._window_start = self.started
        self._window_samples = 0
        self.samples = 0
        stream = stream if stream is not None else sys.stderr
        tqdm = _tqdm()
        use_bar = stream.isatty() if bar is None else bar
        self.bar = (
            tqdm(total=self.total_steps, unit="step", file=stream, dynamic_ncols=True)
            if use_bar and tqdm is not None
            else None
        )

    def step(self, samples: int) -> None:
        """One optimiser step over ``samples`` rows (all ranks together)."""
        self.samples += samples
        self._window_samples += samples
        if self.bar is not None:
            self.bar.update(1)

    def report(self, step: int, epoch: int, loss: float) -> dict[str, float]:
        """Log a progress line for ``step`` with the window's mean ``loss``; returns its figures."""
        now = self.clock()
        elapsed = now - self.started
        window = max(now - self._window_start, 1e-9)
        rate = self._window_samples / window
        left = elapsed / max(step, 1) * (self.total_steps - step)
        self._window_start, self._window_samples = now, 0
        logger.info(
            "step %d/%d (%d%%) epoch %d/%d loss %.4f | %.1f samples/s | elapsed %s | left %s",
            step,
            self.total_steps,
            100 * step // self.total_steps,
            epoch,
            self.epochs,
            loss,
            rate,
            format_duration(elapsed),
            format_duration(left),
        )
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", samples_per_s=f"{rate:.1f}", refresh=False)
        return {"loss": loss, "samples_per_s": rate, "elapsed_s": elapsed, "left_s": left}

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _BarSafeHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes records through ``tqdm.write`` so they print above a live bar."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm = _tqdm()
        if tqdm is None:
            super().emit(record)
            return
        try:
            tqdm.write(self.format(record), file=self.stream)
            self.flush()
        except Exception:  # logging must never break training
            self.handleError(record)


def configure_logging(stream: TextIO | None = None) -> None:
    """CLI logging: INFO lines with a timestamp on stderr, safe beside a progress bar."""
    handler = _BarSafeHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("compliance_nlp")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
