"""Collected model inputs and outputs, one ``ScoredItem`` per description. Pure parsing.

Deployments collect every scored request. The local target's scoring script
appends one JSON line per request (``MLOPS_DATA_COLLECTION_DIR``)::

    {"correlation_id": "...", "time": "2026-01-02T03:04:05.678+00:00",
     "model_version": "compliance-nlp:3", "inputs": ["description", ...],
     "outputs": [{"label": "non_compliant",
                  "probabilities": {"compliant": 0.03, "non_compliant": 0.97}}, ...]}

Azure ML's data collector writes ``model_inputs`` and ``model_outputs`` as
separate JSON lines in the CloudEvents shape (``time``, ``data`` a list of
rows, ``correlationid``); ``pair_azure_collector_lines`` joins them.
A line that is not valid JSON (e.g. the one a writer is still appending)
is skipped and counted, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class ScoredItem:
    """One description a deployment scored, with the model's answer."""

    time: float  # unix seconds
    text: Any  # normally a str; anything else counts as non-text
    label: str | None = None
    probabilities: Mapping[str, float] = field(default_factory=dict)
    model_version: str = ""
    deployment: str = ""

    @property
    def confidence(self) -> float | None:
        """The probability of the predicted label (top-class confidence)."""
        if self.label is not None and self.label in self.probabilities:
            return float(self.probabilities[self.label])
        return max(self.probabilities.values()) if self.probabilities else None


@dataclass(frozen=True)
class CollectedWindow:
    """What a window of collected data held."""

    items: tuple[ScoredItem, ...]
    skipped_lines: int = 0
    files: int = 0


def parse_time(value: Any) -> float | None:
    """ISO 8601 text (``Z`` or an offset; naive means UTC) or unix seconds -> unix seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def items_from_record(record: Mapping[str, Any], deployment: str = "") -> list[ScoredItem]:
    """The descriptions of one collected request (the scoring script's JSON line).

    Raises ``ValueError`` when the record has no time or no list of inputs.
    """
    moment = parse_time(record.get("time"))
    inputs = record.get("inputs")
    if moment is None or not isinstance(inputs, list):
        raise ValueError("a collected record needs 'time' and a list of 'inputs'")
    outputs = record.get("outputs")
    outputs = outputs if isinstance(outputs, list) else []
    version = str(record.get("model_version") or "")
    items = []
    for index, text in enumerate(inputs):
        answer = outputs[index] if index < len(outputs) and isinstance(outputs[index], dict) else {}
        probabilities = answer.get("probabilities")
        items.append(
            ScoredItem(
                time=moment,
                text=text,
                label=str(answer["label"]) if answer.get("label") is not None else None,
                probabilities=(
                    {str(k): float(v) for k, v in probabilities.items()}
                    if isinstance(probabilities, dict)
                    else {}
                ),
                model_version=version,
                deployment=deployment,
            )
        )
    return items


def parse_jsonl(
    lines: Iterable[str], *, deployment: str = "", start: float | None = None,
    end: float | None = None,
) -> tuple[list[ScoredItem], int]:  # fmt: skip
    """Items of ``lines`` with ``start <= time < end``; returns ``(items, skipped lines)``."""
    items: list[ScoredItem] = []
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            found = items_from_record(record, deployment)
        except (ValueError, TypeError, AttributeError):
            skipped += 1
            continue
        if found and not _within(found[0].time, start, end):
            continue
        items.extend(found)
    return items, skipped


def pair_azure_collector_lines(
    input_lines: Iterable[str],
    output_lines: Iterable[str],
    *,
    text_column: str = "description",
    deployment: str = "",
    positive_label: str = "non_compliant",
    negative_label: str = "compliant",
    start: float | None = None,
    end: float | None = None,
) -> tuple[list[ScoredItem], int]:
    """Join Azure ML data collector ``model_inputs``/``model_outputs`` lines by correlation id.

    Output rows carry ``label`` and ``p_<positive_label>`` (as the reference
    scoring script collects them); inputs without outputs keep no answer.
    Returns ``(items, skipped lines)``.
    """
    skipped = 0
    outputs: dict[str, list[Any]] = {}
    for line in output_lines:
        event = _event(line)
        if event is None:
            skipped += bool(line.strip())
            continue
        outputs[str(event.get("correlationid", ""))] = list(event.get("data") or [])
    items: list[ScoredItem] = []
    for line in input_lines:
        event = _event(line)
        moment = parse_time(event.get("time")) if event else None
        rows = event.get("data") if event else None
        if event is None or moment is None or not isinstance(rows, list):
            skipped += bool(line.strip())
            continue
        if not _within(moment, start, end):
            continue
        answers = outputs.get(str(event.get("correlationid", "")), [])
        for index, row in enumerate(rows):
            text = row.get(text_column) if isinstance(row, dict) else row
            answer = (
                answers[index] if index < len(answers) and isinstance(answers[index], dict) else {}
            )
            probabilities: dict[str, float] = {}
            positive = answer.get(f"p_{positive_label}")
            if isinstance(positive, (int, float)) and not isinstance(positive, bool):
                probabilities = {
                    positive_label: float(positive),
                    negative_label: 1 - float(positive),
                }
            label = answer.get("label")
            items.append(
                ScoredItem(
                    time=moment,
                    text=text,
                    label=str(label) if label is not None else None,
                    probabilities=probabilities,
                    model_version=str(event.get("model_version") or ""),
                    deployment=deployment,
                )
            )
    return items, skipped


def _event(line: str) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _within(moment: float, start: float | None, end: float | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def sort_by_time(items: Sequence[ScoredItem]) -> tuple[ScoredItem, ...]:
    """Items in time order (stable: equal times keep their order)."""
    return tuple(sorted(items, key=lambda item: item.time))
