"""Decision threshold for a target recall of ``non_compliant``, and metrics at a threshold.

A missed violation costs far more than a false alarm, so the model predicts
``non_compliant`` when ``P(non_compliant) >= threshold`` with the threshold
chosen on the validation split: the highest threshold whose recall of
``non_compliant`` there is at least the target (default 0.98), which gives
the best precision at that recall. ``max_threshold`` (default 0.5) caps it:
the validation split is generated like the training data and is easier than
text written by people, so a threshold raised above the plain arg-max point
to spend validation recall down to exactly the target would give away recall
on real text. ``train.py`` stores the result in ``compliance_meta.json``;
evaluation, export and scoring read it from there. Pure; standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_TARGET_RECALL = 0.98
DEFAULT_MAX_THRESHOLD = 0.5


@dataclass(frozen=True)
class ThresholdChoice:
    """A threshold and what it gives on the data it was chosen on."""

    threshold: float
    target_recall: float
    max_threshold: float
    recall: float
    precision: float
    macro_f1: float
    uncapped_threshold: float
    n: int
    positives: int
    chosen_on: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def predict_at(probs: Sequence[float], threshold: float) -> list[int]:
    """1 (``non_compliant``) where ``p >= threshold``, else 0."""
    return [int(p >= threshold) for p in probs]


def binary_scores(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Precision, recall and F1 of class 1, F1 of class 0 and macro-F1 (0 where undefined)."""
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == 1 and p == 1)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == 0 and p == 1)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == 1 and p == 0)
    tn = len(y_true) - tp - fp - fn
    f1_pos = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    f1_neg = 2 * tn / (2 * tn + fp + fn) if tn + fp + fn else 0.0
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": f1_pos,
        "macro_f1": (f1_pos + f1_neg) / 2,
    }


def choose_threshold(
    y_true: Sequence[int],
    probs: Sequence[float],
    target_recall: float = DEFAULT_TARGET_RECALL,
    max_threshold: float = DEFAULT_MAX_THRESHOLD,
    chosen_on: str = "validation",
) -> ThresholdChoice:
    """The highest threshold (at most ``max_threshold``) with recall of class 1 at
    least ``target_recall`` on ``(y_true, probs)``. Pure.

    With ``k = floor((1 - target) * positives)`` positives allowed below it, the
    uncapped threshold is the ``k``-th lowest positive probability. Raises
    ``ValueError`` for a target outside (0, 1], mismatched lengths, or data
    without a positive row.
    """
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
    if len(y_true) != len(probs):
        raise ValueError(f"{len(y_true)} labels but {len(probs)} probabilities")
    positives = sorted(p for t, p in zip(y_true, probs, strict=True) if t == 1)
    if not positives:
        raise ValueError("cannot choose a threshold for recall without non_compliant rows")
    allowed_misses = math.floor((1 - target_recall) * len(positives) + 1e-9)
    uncapped = float(positives[allowed_misses])
    threshold = min(uncapped, max_threshold)
    scores = binary_scores(y_true, predict_at(probs, threshold))
    return ThresholdChoice(
        threshold=threshold,
        target_recall=target_recall,
        max_threshold=max_threshold,
        recall=scores["recall"],
        precision=scores["precision"],
        macro_f1=scores["macro_f1"],
        uncapped_threshold=uncapped,
        n=len(y_true),
        positives=len(positives),
        chosen_on=chosen_on,
    )
