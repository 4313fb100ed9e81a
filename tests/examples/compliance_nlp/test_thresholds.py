"""Decision threshold for a target recall of non_compliant: hand-computed cases."""

from __future__ import annotations

import pytest
from thresholds import binary_scores, choose_threshold, predict_at

# ten non_compliant rows with probabilities 0.1 .. 1.0, ten compliant ones below
Y = [1] * 10 + [0] * 10
P = [i / 10 for i in range(1, 11)] + [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.02, 0.03, 0.04, 0.01]


def test_highest_threshold_that_reaches_the_target_recall() -> None:
    # 0.8 of 10 positives may miss 2: the threshold is the third lowest positive, 0.3
    choice = choose_threshold(Y, P, target_recall=0.8, max_threshold=1.0)
    assert choice.threshold == pytest.approx(0.3)
    assert choice.recall == pytest.approx(0.8)
    # predicted positive at >= 0.3: 8 true + 0.35, 0.45, 0.55 false
    assert choice.precision == pytest.approx(8 / 11)
    assert (choice.n, choice.positives) == (20, 10)


def test_full_recall_takes_the_lowest_positive() -> None:
    choice = choose_threshold(Y, P, target_recall=1.0, max_threshold=1.0)
    assert choice.threshold == pytest.approx(0.1) and choice.recall == 1.0


def test_the_cap_keeps_the_threshold_at_most_max_threshold() -> None:
    choice = choose_threshold(Y, P, target_recall=0.5, max_threshold=0.5)
    assert choice.uncapped_threshold == pytest.approx(0.6)
    assert choice.threshold == 0.5
    assert choice.recall == pytest.approx(0.6)  # 0.6 .. 1.0 ... and 0.5 itself
    assert choice.recall >= choice.target_recall


def test_metrics_at_a_threshold() -> None:
    assert predict_at([0.2, 0.5, 0.7], 0.5) == [0, 1, 1]
    scores = binary_scores([1, 1, 0, 0], [1, 0, 1, 0])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "macro_f1": 0.5}


@pytest.mark.parametrize(
    ("y", "p", "target", "message"),
    [
        ([0, 0], [0.1, 0.2], 0.98, "without non_compliant rows"),
        ([1], [0.1, 0.2], 0.98, "1 labels but 2 probabilities"),
        ([1], [0.1], 0.0, "target_recall"),
    ],
)
def test_bad_input_is_refused(y: list[int], p: list[float], target: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        choose_threshold(y, p, target)
