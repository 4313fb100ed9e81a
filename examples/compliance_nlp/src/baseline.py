"""TF-IDF + logistic regression baseline on the same splits as the transformer.

Word 1-2-grams plus character 2-5-grams over the same normalised text the
transformer sees (``modeling.normalize_text``), so the comparison measures the
model, not the preprocessing.

CLI: ``python baseline.py --train-file D/train.csv --test-file D/test.csv
[--out metrics.json]`` prints (and writes) the metrics of ``evaluate.compute_metrics``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from modeling import normalize_text, read_labelled_csv


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


def fit_and_score(train_file: str | Path, test_file: str | Path, seed: int = 13) -> dict[str, Any]:
    """Fit on ``train_file``, return ``compute_metrics`` on ``test_file``
    plus ``"model": "tfidf-logreg"``. Blocks (seconds for 12k rows)."""
    from evaluate import compute_metrics

    train_texts, train_y, _ = read_labelled_csv(train_file)
    test_texts, test_y, test_rules = read_labelled_csv(test_file)
    pipeline = build_pipeline(seed)
    pipeline.fit([normalize_text(t) for t in train_texts], train_y)
    pred = pipeline.predict([normalize_text(t) for t in test_texts]).tolist()
    metrics = compute_metrics(test_y, [int(p) for p in pred], test_rules)
    metrics["model"] = "tfidf-logreg"
    return metrics


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="TF-IDF + logistic regression baseline.")
    p.add_argument("--train-file", required=True)
    p.add_argument("--test-file", required=True)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    metrics = fit_and_score(a.train_file, a.test_file)
    text = json.dumps(metrics, indent=2)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
