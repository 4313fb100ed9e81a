"""A drift check's result (``DriftReport``) and its picture.

``DriftReport`` is what ``client.monitoring.check_drift`` returns: the window,
the references and every signal. ``as_dict`` is its JSON form (what
``monitor drift -o json`` prints and the reports folder keeps);
``from_dict`` reads it back. ``render_png`` draws each signal's statistic
against its threshold (matplotlib, imported when called).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlops_toolkit.monitoring.drift import SignalResult

STATUSES = ("drift", "no_drift", "insufficient_data")


@dataclass(frozen=True)
class DriftReport:
    """One drift check of one deployment of an endpoint."""

    endpoint: str
    deployment: str
    model: str
    window_start: float
    window_end: float
    status: str  # drift | no_drift | insufficient_data
    signals: tuple[SignalResult, ...]
    reference: str  # where the input reference came from
    reference_rows: int
    baseline_records: int
    production_records: int
    checked_at: float
    skipped_lines: int = 0
    detail: str = ""

    @property
    def alarm(self) -> bool:
        """Whether any signal crossed its threshold."""
        return self.status == "drift"

    @property
    def crossed(self) -> tuple[SignalResult, ...]:
        """The signals above their thresholds."""
        return tuple(s for s in self.signals if s.crossed)

    def summary(self) -> str:
        """One line: the verdict and the signals that crossed, with their values."""
        if self.status == "insufficient_data":
            return f"no verdict: {self.detail}"
        if not self.alarm:
            return "no drift: every signal is within its threshold"
        return "drift: " + "; ".join(
            f"{s.name} {s.statistic:.3f} > {s.threshold:g}" for s in self.crossed
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signals"] = [s.as_dict() for s in self.signals]
        data["alarm"] = self.alarm
        data["summary"] = self.summary()
        data["window"] = {"start": _iso(self.window_start), "end": _iso(self.window_end)}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftReport:
        """Read back ``as_dict``'s output. Raises ``KeyError``/``TypeError`` when it is not one."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["signals"] = tuple(
            SignalResult(**{k: v for k, v in s.items() if k in SignalResult.__dataclass_fields__})
            for s in data["signals"]
        )
        return cls(**fields)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def render_png(report: DriftReport, path: str | Path) -> Path:
    """Draw every signal's statistic as a share of its threshold; write a PNG. Blocks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    names = [s.name for s in report.signals]
    ratios = [(s.statistic or 0.0) / s.threshold for s in report.signals]
    colours = [
        "#c0392b" if s.crossed else ("#bbbbbb" if s.statistic is None else "#2e86c1")
        for s in report.signals
    ]
    figure, axis = plt.subplots(figsize=(8, 0.45 * len(names) + 1.6))
    try:
        axis.barh(names[::-1], ratios[::-1], color=colours[::-1])
        axis.axvline(1.0, color="black", linestyle="--", linewidth=1)
        for index, signal in enumerate(report.signals[::-1]):
            label = (
                "n/a"
                if signal.statistic is None
                else f"{signal.statistic:.3f} / {signal.threshold:g}"
            )
            axis.text(max(ratios[::-1][index], 0) + 0.02, index, label, va="center", fontsize=8)
        axis.set_xlabel("statistic / threshold (dashed line: the threshold)")
        axis.set_xlim(0, max(1.5, max(ratios) * 1.25))
        axis.set_title(
            f"{report.endpoint}/{report.deployment} ({report.model}): {report.status}\n"
            f"{_iso(report.window_start)} .. {_iso(report.window_end)}, "
            f"{report.production_records} descriptions",
            fontsize=9,
        )
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
    return path
