"""Drift scenario: drive a local endpoint with normal, then shifted traffic; check each window.

Traffic comes from the example's generator: normal windows from
``data_gen.generate_rows``, shifted windows from ``data_shift.generate_rows``
(new component families, a unit convention the model never saw, German
descriptions; see ``src/data_shift.py``). Before the judged windows, one
window of normal traffic becomes the prediction baseline. After every window
``client.monitoring.check_drift`` judges exactly that window. The result
counts false alarms over the normal windows and how many shifted windows
passed before the alarm (detection delay).

Every description sent is also written, with its label, to a labels file:
the example's rule engine (``data_gen.label_facts``) labels it from the facts
it was composed from, standing in for the human labelling step that would
label collected inputs in production. ``monitor drift --retrain`` reads it.

Run it against a deployed endpoint of the local target::

    python examples/compliance_nlp/drift_scenario.py --env dev --endpoint compliance \\
        --normal-windows 20 --shifted-windows 3 --per-window 300 \\
        --shift unit_convention=0.3 --labels labels.jsonl --out scenario.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

import data_gen  # noqa: E402
import data_shift  # noqa: E402


@dataclass
class WindowResult:
    """One judged window."""

    index: int
    kind: str  # normal | shifted
    descriptions: int
    status: str
    alarm: bool
    crossed: dict[str, float] = field(default_factory=dict)
    summary: str = ""
    start: float = 0.0
    end: float = 0.0


@dataclass
class ScenarioResult:
    """What the scenario measured."""

    endpoint: str
    shift: dict[str, float]
    per_window: int
    windows: list[WindowResult]

    @property
    def normal(self) -> list[WindowResult]:
        return [w for w in self.windows if w.kind == "normal"]

    @property
    def shifted(self) -> list[WindowResult]:
        return [w for w in self.windows if w.kind == "shifted"]

    @property
    def false_alarms(self) -> int:
        """Alarms over the normal windows."""
        return sum(w.alarm for w in self.normal)

    @property
    def detection_window(self) -> int | None:
        """1-based number of the first shifted window that raised the alarm (None: never)."""
        return next((i + 1 for i, w in enumerate(self.shifted) if w.alarm), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "shift": self.shift,
            "per_window": self.per_window,
            "normal_windows": len(self.normal),
            "false_alarms": self.false_alarms,
            "shifted_windows": len(self.shifted),
            "detection_window": self.detection_window,
            "windows": [asdict(w) for w in self.windows],
        }


def send(client: Any, endpoint: str, rows: list[dict[str, str]], batch: int) -> tuple[float, float]:
    """Score ``rows`` through the endpoint in batches; returns the window ``(start, end)``."""
    start = time.time()
    for i in range(0, len(rows), batch):
        body = {"inputs": [r["description"] for r in rows[i : i + batch]]}
        answer = client.endpoints.invoke(endpoint, body)
        if answer.status != 200:
            raise RuntimeError(f"the endpoint answered {answer.status}: {answer.body[:200]!r}")
    return start, time.time() + 0.001


def write_labels(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        for row in rows:
            record = {k: row[k] for k in ("description", "label", "rule")}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_scenario(
    client: Any,
    endpoint: str,
    *,
    normal_windows: int = 20,
    shifted_windows: int = 2,
    per_window: int = 300,
    shift: Mapping[str, float] | None = None,
    batch: int = 5,
    seed: int = 1000,
    labels_file: str | Path | None = None,
    on_window: Callable[[WindowResult], None] | None = None,
) -> ScenarioResult:
    """Send a baseline window, ``normal_windows`` normal and ``shifted_windows`` shifted
    windows of ``per_window`` descriptions, judging each. Blocks."""
    shift = dict(shift or {"unit_convention": 0.3})
    baseline_size = client.config.monitoring.drift.baseline_records
    labels = Path(labels_file) if labels_file else None
    baseline = data_gen.generate_rows(baseline_size, seed)
    send(client, endpoint, baseline, batch)
    if labels:
        write_labels(labels, baseline)
    results: list[WindowResult] = []
    plan = ["normal"] * normal_windows + ["shifted"] * shifted_windows
    for index, kind in enumerate(plan, start=1):
        window_seed = seed + index
        rows = (
            data_gen.generate_rows(per_window, window_seed)
            if kind == "normal"
            else data_shift.generate_rows(per_window, window_seed, shift)
        )
        start, end = send(client, endpoint, rows, batch)
        if labels:
            write_labels(labels, rows)
        report = client.monitoring.check_drift(endpoint, start=start, end=end)
        client.monitoring.save_report(report, png=False)
        result = WindowResult(
            index=index,
            kind=kind,
            descriptions=report.production_records,
            status=report.status,
            alarm=report.alarm,
            crossed={s.name: round(float(s.statistic or 0.0), 4) for s in report.crossed},
            summary=report.summary(),
            start=start,
            end=end,
        )
        results.append(result)
        if on_window:
            on_window(result)
    return ScenarioResult(endpoint, shift, per_window, results)


def main(argv: list[str] | None = None) -> int:
    from mlops_toolkit import MLOpsClient

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--project-dir", default=".")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--normal-windows", type=int, default=20)
    parser.add_argument("--shifted-windows", type=int, default=3)
    parser.add_argument("--per-window", type=int, default=300)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--shift", action="append", default=[], metavar="KIND=SHARE",
                        help=f"kinds: {', '.join(data_shift.SHIFT_KINDS)}")  # fmt: skip
    parser.add_argument("--labels", type=Path, help="labels file to append to (JSONL)")
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    shift = {k: float(v or 1) for k, _, v in (s.partition("=") for s in args.shift)} or None

    def show(w: WindowResult) -> None:
        print(f"window {w.index:2d} {w.kind:7s} {w.descriptions:4d} descriptions: {w.summary}")

    with MLOpsClient.from_config(args.env, project_dir=args.project_dir) as client:
        result = run_scenario(
            client, args.endpoint, normal_windows=args.normal_windows,
            shifted_windows=args.shifted_windows, per_window=args.per_window, shift=shift,
            batch=args.batch, seed=args.seed, labels_file=args.labels, on_window=show,
        )  # fmt: skip
    print(
        f"false alarms: {result.false_alarms} of {len(result.normal)} normal windows; "
        f"alarm in shifted window {result.detection_window} of {len(result.shifted)}"
    )
    if args.out:
        args.out.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
