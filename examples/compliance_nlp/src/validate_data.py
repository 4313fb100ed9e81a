"""Validate a labelled CSV before training or evaluation.

Checks: required columns (``description``, ``label``; ``component_id`` and
``rule`` optional), label values, empty and duplicate descriptions, duplicate
ids, word count (5-80 by the spec), rule ids consistent with labels, and
class balance. :func:`validate_file` returns a :class:`DataReport` or raises
:class:`DataValidationError` whose message names the file, row (1-based CSV
line) and column.

CLI: ``python validate_data.py FILE [FILE ...] [--min-minority 0.05]`` prints
one JSON report per file; exit code 1 on the first invalid file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from modeling import LABELS, RULES

REQUIRED = ("description", "label")
OPTIONAL = ("component_id", "rule")
MIN_WORDS, MAX_WORDS = 5, 80


class DataValidationError(ValueError):
    """A labelled file breaks the data spec; the message names file/row/column."""


@dataclass
class DataReport:
    """What a valid file holds."""

    path: str
    rows: int
    label_counts: dict[str, int]
    rule_counts: dict[str, int] = field(default_factory=dict)
    minority_fraction: float = 0.0
    word_count_min: int = 0
    word_count_max: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def validate_file(
    path: str | Path,
    min_minority: float = 0.05,
    strict_words: bool = True,
) -> DataReport:
    """Validate one CSV; returns a report, raises ``DataValidationError``.

    ``min_minority``: smallest accepted share of the rarer label (0 turns the
    check off). ``strict_words``: word counts outside 5-80 are errors (else
    warnings). Reads the file; no other side effects.
    """
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise DataValidationError(
                f"{path}: missing column(s) {missing}; found {columns}. "
                f"Required: {list(REQUIRED)}, optional: {list(OPTIONAL)}"
            )
        rows = list(reader)
    if not rows:
        raise DataValidationError(f"{path}: no data rows")
    seen_text: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    labels = {name: 0 for name in LABELS}
    rules: dict[str, int] = {}
    words: list[int] = []
    warnings: list[str] = []
    for index, row in enumerate(rows):
        line = index + 2
        where = f"{path}: row {line}"
        text = (row.get("description") or "").strip()
        if not text:
            raise DataValidationError(f"{where} column 'description' is empty")
        label = (row.get("label") or "").strip()
        if label not in LABELS:
            raise DataValidationError(
                f"{where} column 'label' has {label!r}; expected one of {list(LABELS)}"
            )
        labels[label] += 1
        count = len(text.split())
        words.append(count)
        if not MIN_WORDS <= count <= MAX_WORDS:
            message = f"{where} column 'description' has {count} words; spec allows 5-80"
            if strict_words:
                raise DataValidationError(message)
            warnings.append(message)
        key = " ".join(text.lower().split())
        if key in seen_text:
            raise DataValidationError(
                f"{where} column 'description' duplicates row {seen_text[key]}"
            )
        seen_text[key] = line
        if "component_id" in columns:
            cid = (row.get("component_id") or "").strip()
            if not cid:
                raise DataValidationError(f"{where} column 'component_id' is empty")
            if cid in seen_ids:
                raise DataValidationError(
                    f"{where} column 'component_id' {cid!r} duplicates row {seen_ids[cid]}"
                )
            seen_ids[cid] = line
        if "rule" in columns:
            rule = (row.get("rule") or "").strip()
            if rule and rule not in RULES:
                raise DataValidationError(
                    f"{where} column 'rule' has {rule!r}; expected R1..R9 or empty"
                )
            if bool(rule) != (label == "non_compliant"):
                raise DataValidationError(
                    f"{where} column 'rule' is {rule!r} but label is {label!r}; "
                    "non_compliant rows need a rule, compliant rows none"
                )
            if rule:
                rules[rule] = rules.get(rule, 0) + 1
    minority = min(labels.values()) / len(rows)
    if min_minority and minority < min_minority:
        raise DataValidationError(
            f"{path}: column 'label' is unbalanced: {labels}; the rarer class is "
            f"{minority:.1%} of rows, below the minimum {min_minority:.1%}"
        )
    return DataReport(
        path=str(path),
        rows=len(rows),
        label_counts=labels,
        rule_counts=dict(sorted(rules.items(), key=lambda kv: int(kv[0][1:]))),
        minority_fraction=round(minority, 4),
        word_count_min=min(words),
        word_count_max=max(words),
        warnings=warnings,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate labelled compliance CSV files.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--min-minority", type=float, default=0.05)
    parser.add_argument(
        "--lenient-words", action="store_true", help="report word counts outside 5-80 as warnings"
    )
    args = parser.parse_args(argv)
    for path in args.files:
        try:
            report = validate_file(path, args.min_minority, not args.lenient_words)
        except DataValidationError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(report.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
