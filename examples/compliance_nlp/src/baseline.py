"""TF-IDF + logistic regression baseline on the same splits as the transformer.

Word 1-2-grams plus character 2-5-grams over the same normalised text the
transformer sees (``modeling.normalize_text``), so the comparison measures the
model, not the preprocessing.

The decision threshold is chosen on a validation file for the same target
recall of ``non_compliant`` as the transformer's (``thresholds.py``).

CLI: ``python baseline.py --train-file D/train.csv --test-file D/test.csv
[--val-file D/validation.csv] [--out metrics.json]`` prints (and writes) the
metrics of ``evaluate.compute_metrics`` at that threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from modeling import normalize_text, read_labelled_csv
from thresholds import DEFAULT_MAX_THRESHOLD, DEFAULT_TARGET_RECALL, choose_threshold, predict_at


def build_pipeline(seed: int = 13) -> Any:
    """The unfitted scikit-learn pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w[\w.%/()+-]*\b",
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=200_000,
                ),
            ),
        ]
    )
    return make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000, random_state=seed))


def fit(train_file: str | Path, seed: int = 13) -> Any:
    """The pipeline fitted on ``train_file`` (normalised text). Blocks (seconds for 12k rows)."""
    texts, labels, _ = read_labelled_csv(train_file)
    pipeline = build_pipeline(seed)
    pipeline.fit([normalize_text(t) for t in texts], labels)
    return pipeline


def predict_proba(pipeline: Any, texts: list[str]) -> list[float]:
    """Probability of ``non_compliant`` for each text."""
    return [float(p) for p in pipeline.predict_proba([normalize_text(t) for t in texts])[:, 1]]


def fit_and_score(
    train_file: str | Path,
    test_file: str | Path,
    seed: int = 13,
    val_file: str | Path | None = None,
    target_recall: float = DEFAULT_TARGET_RECALL,
    max_threshold: float = DEFAULT_MAX_THRESHOLD,
) -> dict[str, Any]:
    """Fit on ``train_file``, choose the decision threshold on ``val_file`` the
    way ``train.py`` does for the transformer (0.5 without one), and return
    ``evaluate.compute_metrics`` on ``test_file`` at that threshold, plus
    ``"model": "tfidf-logreg"``, ``"threshold"`` and ``"per_slice"``. Blocks."""
    from error_analysis import slice_metrics
    from evaluate import compute_metrics
    from slices import slice_tags

    pipeline = fit(train_file, seed)
    threshold: dict[str, Any] = {"threshold": 0.5, "chosen_on": None}
    if val_file is not None:
        val_texts, val_y, _ = read_labelled_csv(val_file)
        choice = choose_threshold(
            val_y, predict_proba(pipeline, val_texts), target_recall, max_threshold, str(val_file)
        )
        threshold = choice.to_dict()
    test_texts, test_y, test_rules = read_labelled_csv(test_file)
    pred = predict_at(predict_proba(pipeline, test_texts), threshold["threshold"])
    metrics = compute_metrics(test_y, pred, test_rules)
    metrics["model"] = "tfidf-logreg"
    metrics["threshold"] = threshold
    metrics["per_slice"] = slice_metrics(test_y, pred, [slice_tags(t) for t in test_texts])
    return metrics


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="TF-IDF + logistic regression baseline.")
    p.add_argument("--train-file", required=True)
    p.add_argument("--test-file", required=True)
    p.add_argument("--val-file", help="choose the decision threshold here (default: 0.5)")
    p.add_argument("--target-recall", type=float, default=DEFAULT_TARGET_RECALL)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    metrics = fit_and_score(
        a.train_file, a.test_file, val_file=a.val_file, target_recall=a.target_recall
    )
    text = json.dumps(metrics, indent=2)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
