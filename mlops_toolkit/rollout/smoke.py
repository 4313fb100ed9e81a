"""The smoke test of a new slot: labelled sample requests aimed at it alone.

Rows come from the workload's labelled sample CSV (``description`` and
``label`` columns). They are sent in batches with the
``azureml-model-deployment`` header, so only the new slot answers, whatever
its traffic share. Every answer must be 200 with the workload's response
shape: ``{"predictions": [{"label": ...}, ...]}`` with one prediction per
input. With ``min_accuracy`` the share of correct labels must reach it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.base import InvokeResult

BATCH = 16


@dataclass(frozen=True)
class SmokeResult:
    """What the smoke test saw."""

    passed: bool
    requests: int
    rows: int
    accuracy: float | None
    reason: str


def read_sample(path: Path, rows: int) -> list[tuple[str, str]]:
    """The first ``rows`` ``(description, label)`` pairs of a labelled CSV."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"description", "label"} <= set(reader.fieldnames):
                raise ConfigError(
                    f"workload.sample_data: {path} needs 'description' and 'label' columns"
                )
            pairs = [(row["description"], row["label"]) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"workload.sample_data: cannot read {path}: {exc}") from None
    if not pairs:
        raise ConfigError(f"workload.sample_data: {path} holds no rows")
    return pairs[:rows]


def smoke_test(
    invoke: Callable[[bytes], InvokeResult],
    sample: list[tuple[str, str]],
    min_accuracy: float | None = None,
) -> SmokeResult:
    """Send ``sample`` through ``invoke`` (bound to the new slot) and check every answer."""
    correct = 0
    requests = 0
    for start in range(0, len(sample), BATCH):
        batch = sample[start : start + BATCH]
        result = invoke(json.dumps({"inputs": [text for text, _ in batch]}).encode())
        requests += 1
        if result.status != 200:
            body = result.body[:300].decode("utf-8", errors="replace")
            return SmokeResult(False, requests, start, None, f"HTTP {result.status}: {body}")
        try:
            predictions = json.loads(result.body)["predictions"]
            labels = [str(p["label"]) for p in predictions]
        except (ValueError, KeyError, TypeError) as exc:
            return SmokeResult(
                False, requests, start, None,
                f"the answer is not {{'predictions': [{{'label': ...}}]}}: {exc!r}",
            )  # fmt: skip
        if len(labels) != len(batch):
            return SmokeResult(
                False, requests, start, None,
                f"{len(labels)} predictions for {len(batch)} inputs",
            )  # fmt: skip
        correct += sum(1 for label, (_, want) in zip(labels, batch, strict=True) if label == want)
    accuracy = correct / len(sample)
    if min_accuracy is not None and accuracy < min_accuracy:
        return SmokeResult(
            False, requests, len(sample), accuracy,
            f"accuracy {accuracy:.3f} on {len(sample)} sample rows < {min_accuracy:g}",
        )  # fmt: skip
    return SmokeResult(
        True, requests, len(sample), accuracy,
        f"{len(sample)} sample rows answered 200, accuracy {accuracy:.3f}",
    )  # fmt: skip
