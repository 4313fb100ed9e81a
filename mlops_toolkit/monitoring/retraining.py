"""Retraining data from labelled production inputs. Pure but for reading and writing files.

A drift alarm says the world moved; the model needs examples of the new
world with labels. Labels come from a *labels file* (JSON lines or CSV with
``description`` and ``label``, optionally ``rule``): the output of a
labelling step, human in production. The collected descriptions of the
window that have a label become new rows; ``split_rows`` sends a
deterministic share (by a hash of the text) to validation and the same share
to test, the rest to training, and the old training data is added to the
training split so the model keeps what it knew. The champion/challenger
gate then judges both models on labelled data of the new world.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RetrainingData:
    """A training data folder made from labelled production inputs."""

    folder: str
    collected: int  # distinct descriptions in the window
    labelled: int  # of them, with a label
    rows: Mapping[str, int]  # split -> rows written
    reference_rows: int  # old training rows added to train.csv
    labels_file: str


def normalise(text: str) -> str:
    """The key a description is matched by: lower case, single spaces."""
    return " ".join(text.lower().split())


def read_labels(path: str | Path) -> dict[str, dict[str, str]]:
    """``{normalised description: {"label": ..., "rule": ...}}`` from a JSONL or CSV file.

    Raises ``ValueError`` naming the line for a row without description/label,
    ``FileNotFoundError`` for a missing file.
    """
    path = Path(path)
    labels: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            rows: Iterable[tuple[int, Any]] = enumerate(csv.DictReader(handle), start=2)
        else:
            rows = (
                (n, _json_line(line, n, path)) for n, line in enumerate(handle, 1) if line.strip()
            )
        for number, row in rows:
            if not isinstance(row, dict) or not row.get("description") or not row.get("label"):
                raise ValueError(f"{path}: line {number} needs 'description' and 'label'")
            entry = {"label": str(row["label"])}
            if row.get("rule") is not None:
                entry["rule"] = str(row["rule"])
            labels[normalise(str(row["description"]))] = entry
    return labels


def _json_line(line: str, number: int, path: Path) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise ValueError(f"{path}: line {number} is not JSON") from None


def label_texts(
    texts: Sequence[Any], labels: Mapping[str, Mapping[str, str]]
) -> tuple[list[dict[str, str]], int]:
    """Rows for the distinct string ``texts`` that have labels; returns ``(rows, distinct)``."""
    seen: set[str] = set()
    rows = []
    for text in texts:
        if not isinstance(text, str):
            continue
        key = normalise(text)
        if key in seen:
            continue
        seen.add(key)
        found = labels.get(key)
        if found:
            rows.append({"description": text, **found})
    return rows, len(seen)


def split_of(text: str, validation_share: float) -> str:
    """``train``, ``validation`` or ``test`` for ``text``, stable across runs."""
    bucket = int.from_bytes(hashlib.sha256(normalise(text).encode()).digest()[:8], "big") / 2**64
    if bucket < validation_share:
        return "validation"
    if bucket < 2 * validation_share:
        return "test"
    return "train"


def write_folder(
    folder: str | Path,
    new_rows: Sequence[Mapping[str, str]],
    reference_rows: Sequence[Mapping[str, str]],
    validation_share: float,
) -> dict[str, int]:
    """Write ``train.csv``, ``validation.csv`` and ``test.csv``; returns rows per split.

    ``rule`` is written only when every row has one (else the column is left out)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[Mapping[str, str]]] = {"train": [], "validation": [], "test": []}
    for row in new_rows:
        splits[split_of(row["description"], validation_share)].append(row)
    splits["train"] = [*reference_rows, *splits["train"]]
    everything = [row for rows in splits.values() for row in rows]
    columns = ["component_id", "description", "label"]
    if everything and all(row.get("rule") is not None for row in everything):
        columns.append("rule")
    counts = {}
    number = 0
    for split, rows in splits.items():
        with open(folder / f"{split}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                number += 1
                writer.writerow(
                    {"component_id": f"RT-{number:07d}", **{c: row.get(c, "") for c in columns[1:]}}
                )
        counts[split] = len(rows)
    return counts


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a labelled CSV (``description``, ``label``, optional ``rule``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            {
                k: v
                for k, v in row.items()
                if k in ("description", "label", "rule") and v is not None
            }
            for row in csv.DictReader(handle)
        ]
