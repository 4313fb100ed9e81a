"""Drift signals on generated collected-data files: quiet on the training distribution,
each kind of shift raises the signal made for it, bad lines are skipped and counted."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mlops_toolkit.monitoring.drift import build_profile, compare
from mlops_toolkit.monitoring.records import pair_azure_collector_lines, parse_jsonl
from mlops_toolkit.monitoring.report import DriftReport, render_png
from mlops_toolkit.monitoring.settings import SIGNALS, DriftSettings
from tests.examples.compliance_nlp.serving_fixtures import import_src

SETTINGS = DriftSettings(reference_rows=3000, min_records=200, baseline_records=300)


@pytest.fixture(scope="module")
def profile():  # type: ignore[no-untyped-def]
    data_gen = import_src("data_gen")
    texts = [r["description"] for r in data_gen.generate_rows(3000, 13000)]
    return build_profile(texts, SETTINGS)


def write_collected(path: Path, rows: list[dict[str, str]], seed: int, positive: float) -> None:
    """One JSON line per request of four descriptions, as score.py collects them; the
    answers are drawn with ``positive`` share of non_compliant."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, len(rows), 4):
            chunk = rows[start : start + 4]
            outputs = []
            for _ in chunk:
                p = rng.betavariate(8, 2) if rng.random() < positive else rng.betavariate(2, 8)
                label = "non_compliant" if p > 0.5 else "compliant"
                outputs.append(
                    {"label": label, "probabilities": {"compliant": 1 - p, "non_compliant": p}}
                )
            record = {
                "time": f"2026-01-01T00:{start // 60 % 60:02d}:{start % 60:02d}+00:00",
                "model_version": "compliance-nlp:1",
                "inputs": [r["description"] for r in chunk],
                "outputs": outputs,
            }
            handle.write(json.dumps(record) + "\n")
        handle.write('{"time": "2026-01-01T01:00:00+00:00", "inputs": ["half a li')  # mid-write


def window(path: Path):  # type: ignore[no-untyped-def]
    with open(path, encoding="utf-8") as handle:
        return parse_jsonl(handle)


def test_collected_lines_parse_and_a_partial_line_is_counted(tmp_path: Path) -> None:
    data_gen = import_src("data_gen")
    path = tmp_path / "model_io.jsonl"
    write_collected(path, data_gen.generate_rows(10, 1), seed=1, positive=0.3)
    items, skipped = window(path)
    assert len(items) == 10 and skipped == 1
    assert items[0].model_version == "compliance-nlp:1" and items[0].confidence is not None


def test_twenty_unshifted_windows_raise_no_alarm(tmp_path: Path, profile) -> None:  # type: ignore[no-untyped-def]
    data_gen = import_src("data_gen")
    base_path = tmp_path / "baseline.jsonl"
    write_collected(base_path, data_gen.generate_rows(300, 500), seed=500, positive=0.3)
    baseline, _ = window(base_path)
    alarms = []
    for index in range(20):
        path = tmp_path / f"w{index}.jsonl"
        write_collected(path, data_gen.generate_rows(250, 600 + index), seed=index, positive=0.3)
        production, _ = window(path)
        crossed = [s.name for s in compare(profile, baseline, production, SETTINGS) if s.crossed]
        alarms.extend(crossed)
    assert alarms == []


@pytest.mark.parametrize(
    ("shift", "signal"),
    [
        ("new_components", "unseen_tokens"),
        ("unit_convention", "amount_units"),
        ("non_english", "unseen_tokens"),
    ],
)
def test_each_shift_raises_its_signal(tmp_path: Path, profile, shift: str, signal: str) -> None:  # type: ignore[no-untyped-def]
    data_gen, data_shift = import_src("data_gen"), import_src("data_shift")
    base_path = tmp_path / "baseline.jsonl"
    write_collected(base_path, data_gen.generate_rows(300, 500), seed=500, positive=0.3)
    path = tmp_path / "shifted.jsonl"
    write_collected(path, data_shift.generate_rows(250, 77, {shift: 0.3}), seed=3, positive=0.3)
    baseline, _ = window(base_path)
    production, _ = window(path)
    results = {s.name: s for s in compare(profile, baseline, production, SETTINGS)}
    assert results[signal].crossed, results[signal]
    assert results[signal].p_value is not None and results[signal].p_value < 1e-6


def test_prediction_and_quality_signals(tmp_path: Path, profile) -> None:  # type: ignore[no-untyped-def]
    data_gen = import_src("data_gen")
    base_path, path = tmp_path / "baseline.jsonl", tmp_path / "w.jsonl"
    write_collected(base_path, data_gen.generate_rows(300, 500), seed=500, positive=0.3)
    rows = data_gen.generate_rows(250, 9)
    for row in rows[:20]:
        row["description"] = "4711 0815 1234-5678 99.5"  # not prose
    write_collected(path, rows, seed=4, positive=0.7)  # the model says non_compliant far more
    baseline, _ = window(base_path)
    production, _ = window(path)
    results = {s.name: s for s in compare(profile, baseline, production, SETTINGS)}
    assert results["prediction_share"].crossed and results["prediction_share"].production > 0.5
    assert results["prediction_confidence"].statistic is not None
    assert results["non_text"].crossed and results["non_text"].production == pytest.approx(0.08)
    assert not results["empty"].crossed and not results["overlong"].crossed


def test_too_small_a_baseline_gives_no_prediction_verdict(profile) -> None:  # type: ignore[no-untyped-def]
    results = {s.name: s for s in compare(profile, [], [], SETTINGS)}
    assert results["prediction_share"].statistic is None and not results["prediction_share"].crossed
    assert [s for s, _ in SIGNALS] == list(results)


def test_azure_collector_lines_are_joined_by_correlation_id() -> None:
    inputs = [
        json.dumps({"time": "2026-01-01T00:00:00Z", "correlationid": "a",
                    "data": [{"description": "lead-free solder"}, {"description": "Hg switch"}]}),
        "not json",
    ]  # fmt: skip
    outputs = [
        json.dumps({"correlationid": "a", "data": [
            {"label": "compliant", "p_non_compliant": 0.1},
            {"label": "non_compliant", "p_non_compliant": 0.9}]}),
    ]  # fmt: skip
    items, skipped = pair_azure_collector_lines(inputs, outputs)
    assert skipped == 1
    assert [(i.text, i.label, i.confidence) for i in items] == [
        ("lead-free solder", "compliant", pytest.approx(0.9)),
        ("Hg switch", "non_compliant", pytest.approx(0.9)),
    ]


def test_report_round_trips_and_draws(tmp_path: Path, profile) -> None:  # type: ignore[no-untyped-def]
    data_shift = import_src("data_shift")
    path = tmp_path / "w.jsonl"
    write_collected(path, data_shift.generate_rows(250, 5, {"non_english": 0.4}), 5, 0.3)
    production, _ = window(path)
    signals = compare(profile, [], production, SETTINGS)
    report = DriftReport(
        endpoint="e", deployment="blue", model="m:1", window_start=0.0, window_end=60.0,
        status="drift", signals=signals, reference="train.csv", reference_rows=3000,
        baseline_records=0, production_records=len(production), checked_at=60.0,
    )  # fmt: skip
    again = DriftReport.from_dict(json.loads(json.dumps(report.as_dict())))
    assert again == report
    assert "unseen_tokens" in report.summary()
    assert render_png(report, tmp_path / "r.png").stat().st_size > 1000


def test_the_unit_shift_writes_only_units_new_to_the_generator(profile) -> None:  # type: ignore[no-untyped-def]
    """Otherwise the amount_units signal measures the generator's own rare units and its
    margin depends on the random draw (it once fell to 0.029 against a 0.05 threshold)."""
    data_shift = import_src("data_shift")
    assert not {unit for unit, _ in data_shift.NEW_UNITS} & set(profile.unit_counts)
