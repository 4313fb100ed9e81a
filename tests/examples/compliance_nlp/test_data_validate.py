"""Data validation: a report for good files, an error naming file, row and column for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import validate_data
from validate_data import DataValidationError, validate_file

GOOD = [
    ("CMP-1", "brake hose assembly front left, DOT marked", "compliant", ""),
    ("CMP-2", "brass fitting with 5.2 % Pb, coolant line", "non_compliant", "R1"),
    ("CMP-3", "A/C compressor charged with R-134a refrigerant", "non_compliant", "R6"),
    ("CMP-4", "door seal EPDM black, supplier Hutchinson", "compliant", ""),
]


def _write(path: Path, rows: list[tuple[str, ...]], header: str) -> Path:
    lines = [header] + [",".join(f'"{c}"' for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_committed_sample_is_valid(sample_dir: Path) -> None:
    report = validate_file(sample_dir / "train.csv")
    assert report.rows == 240
    assert sum(report.label_counts.values()) == 240
    assert 5 <= report.word_count_min <= report.word_count_max <= 80
    assert set(report.rule_counts) <= {f"R{i}" for i in range(1, 10)}


def test_good_file_report(tmp_path: Path) -> None:
    report = validate_file(_write(tmp_path / "g.csv", GOOD, "component_id,description,label,rule"))
    assert report.label_counts == {"compliant": 2, "non_compliant": 2}
    assert report.rule_counts == {"R1": 1, "R6": 1}
    assert report.minority_fraction == 0.5


def test_description_and_label_only_is_accepted(tmp_path: Path) -> None:
    rows = [(d, lab) for _, d, lab, _ in GOOD]
    assert validate_file(_write(tmp_path / "two.csv", rows, "description,label")).rows == 4


@pytest.mark.parametrize(
    ("rows", "header", "pattern"),
    [
        ([("a b c d e",)], "description", r"missing column\(s\) \['label'\]"),
        (
            GOOD[:1] + [("CMP-9", "brass fitting with 5.2 % Pb here", "bad", "")],
            "component_id,description,label,rule",
            r"row 3 column 'label' has 'bad'",
        ),
        (
            GOOD + [("CMP-9", "   ", "compliant", "")],
            "component_id,description,label,rule",
            r"row 6 column 'description' is empty",
        ),
        (
            GOOD + [("CMP-9", GOOD[0][1].upper(), "compliant", "")],
            "component_id,description,label,rule",
            r"row 6 column 'description' duplicates row 2",
        ),
        (
            GOOD + [("CMP-1", "another distinct description of a part", "compliant", "")],
            "component_id,description,label,rule",
            r"row 6 column 'component_id' 'CMP-1'",
        ),
        (
            GOOD + [("CMP-9", "too short", "compliant", "")],
            "component_id,description,label,rule",
            r"row 6 column 'description' has 2 words",
        ),
        (
            GOOD + [("CMP-9", "brake hose no DOT marking at all", "non_compliant", "")],
            "component_id,description,label,rule",
            r"row 6 column 'rule' is ''",
        ),
        (
            GOOD + [("CMP-9", "brake hose no DOT marking at all", "non_compliant", "R10")],
            "component_id,description,label,rule",
            r"row 6 column 'rule' has 'R10'",
        ),
    ],
)
def test_errors_name_file_row_and_column(
    tmp_path: Path, rows: list[tuple[str, ...]], header: str, pattern: str
) -> None:
    path = _write(tmp_path / "bad.csv", rows, header)
    with pytest.raises(DataValidationError, match=pattern) as info:
        validate_file(path)
    assert str(path) in str(info.value)


def test_class_balance_is_checked(tmp_path: Path) -> None:
    rows = [
        (f"CMP-{i}", f"plain plastic clip number {i} black", "compliant", "") for i in range(30)
    ]
    rows.append(("CMP-99", "A/C line filled with R-134a gas", "non_compliant", "R6"))
    path = _write(tmp_path / "skew.csv", rows, "component_id,description,label,rule")
    with pytest.raises(DataValidationError, match="unbalanced"):
        validate_file(path)
    assert validate_file(path, min_minority=0).rows == 31


def test_cli_exit_codes(
    tmp_path: Path, sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert validate_data.main([str(sample_dir / "test.csv")]) == 0
    assert '"rows": 60' in capsys.readouterr().out
    bad = _write(tmp_path / "bad.csv", [("x y z w v",)], "description")
    assert validate_data.main([str(bad)]) == 1
    assert "missing column" in capsys.readouterr().err
