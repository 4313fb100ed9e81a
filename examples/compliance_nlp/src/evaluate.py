"""Evaluate a trained model, compare it with the champion, decide promote/keep.

Reads any CSV with ``description`` and ``label`` columns (``rule`` adds
per-rule recall). Writes into ``--out``:

- ``metrics.json``: challenger metrics, champion metrics (when one exists),
  baseline metrics (with ``--baseline-train-file``) and the decision;
- ``confusion_matrix.png``;
- ``decision.json``: ``{"promote": bool, "reason": str, ...}`` for register.py.

The champion is a model directory (``--champion-dir``) or the registered
MLflow model's version under alias ``champion`` (``--registered-model``;
tracking/registry URI from ``MLFLOW_TRACKING_URI``). Promote when no champion
exists or ``challenger macro-F1 >= champion macro-F1 + min_delta``.

CLI::

    python evaluate.py --model-dir OUT/model --test-file D/test.csv --out OUT/eval \
        [--registered-model compliance-nlp | --champion-dir DIR] [--min-delta 0.0] \
        [--baseline-train-file D/train.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from modeling import LABELS, RULES, load_model_dir, predict_proba, read_labelled_csv


@dataclass(frozen=True)
class Decision:
    """Outcome of the champion/challenger comparison."""

    promote: bool
    reason: str
    challenger_macro_f1: float
    champion_macro_f1: float | None
    min_delta: float


def decide(challenger_f1: float, champion_f1: float | None, min_delta: float = 0.0) -> Decision:
    """Promote when there is no champion or the challenger is at least
    ``min_delta`` better in macro-F1. Pure."""
    if champion_f1 is None:
        return Decision(True, "no champion exists", challenger_f1, None, min_delta)
    if challenger_f1 >= champion_f1 + min_delta:
        reason = (
            f"challenger macro-F1 {challenger_f1:.4f} >= champion {champion_f1:.4f} "
            f"+ min_delta {min_delta}"
        )
        return Decision(True, reason, challenger_f1, champion_f1, min_delta)
    reason = (
        f"challenger macro-F1 {challenger_f1:.4f} < champion {champion_f1:.4f} "
        f"+ min_delta {min_delta}; keeping the champion"
    )
    return Decision(False, reason, challenger_f1, champion_f1, min_delta)


def compute_metrics(
    y_true: list[int], y_pred: list[int], rules: list[str] | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1, confusion matrix
    (rows: true, columns: predicted, in LABELS order) and, when ``rules`` has
    any rule id, recall of ``non_compliant`` per rule. Pure."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = list(range(len(LABELS)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    metrics: dict[str, Any] = {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(LABELS)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if rules and any(rules):
        per_rule: dict[str, dict[str, float]] = {}
        for rule in RULES:
            hits = [p for p, r in zip(y_pred, rules, strict=True) if r == rule]
            if hits:
                per_rule[rule] = {"recall": sum(hits) / len(hits), "support": len(hits)}
        metrics["per_rule_recall"] = per_rule
    return metrics


def plot_confusion(matrix: list[list[int]], path: Path, title: str) -> Path:
    """Write a confusion-matrix PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.6), dpi=120)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                color="white" if value > peak / 2 else "black",
            )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def score_model_dir(model_dir: str | Path, texts: list[str]) -> list[int]:
    """Predicted label ids from a model directory (blocks)."""
    loaded = load_model_dir(model_dir)
    return [int(p >= 0.5) for p in predict_proba(loaded, texts)]


def champion_from_registry(name: str, alias: str, dst: Path) -> tuple[Path, str] | None:
    """Download the model version under ``alias`` of registered model ``name``;
    ``(model_dir, version)`` or None when the model or alias does not exist."""
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    if os.environ.get("MLFLOW_TRACKING_URI"):
        mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    try:
        version = MlflowClient().get_model_version_by_alias(name, alias)
    except MlflowException:
        return None
    local = mlflow.artifacts.download_artifacts(artifact_uri=version.source, dst_path=str(dst))
    return Path(local), str(version.version)


def evaluate(
    model_dir: str | Path,
    test_file: str | Path,
    out_dir: str | Path,
    champion_dir: str | Path | None = None,
    registered_model: str | None = None,
    alias: str = "champion",
    min_delta: float = 0.0,
    baseline_train_file: str | Path | None = None,
) -> dict[str, Any]:
    """Score challenger (and champion, and optionally the TF-IDF baseline) on
    ``test_file``; write metrics.json, decision.json, confusion_matrix.png.
    Blocks; overwrites files in ``out_dir``. Returns the metrics document."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts, y_true, rules = read_labelled_csv(test_file)
    challenger = compute_metrics(y_true, score_model_dir(model_dir, texts), rules)
    plot_confusion(
        challenger["confusion_matrix"], out / "confusion_matrix.png", f"challenger (n={len(texts)})"
    )
    doc: dict[str, Any] = {
        "test_file": str(test_file),
        "model_dir": str(model_dir),
        "challenger": challenger,
    }
    champion_f1 = None
    with tempfile.TemporaryDirectory() as tmp:
        source = None
        if champion_dir is not None:
            source = (Path(champion_dir), f"dir:{champion_dir}")
        elif registered_model:
            found = champion_from_registry(registered_model, alias, Path(tmp))
            if found is not None:
                source = (found[0], f"models:/{registered_model}@{alias} (v{found[1]})")
        if source is not None:
            champion = compute_metrics(y_true, score_model_dir(source[0], texts), rules)
            champion["source"] = source[1]
            doc["champion"] = champion
            champion_f1 = champion["macro_f1"]
    if baseline_train_file is not None:
        from baseline import fit_and_score

        doc["baseline"] = fit_and_score(baseline_train_file, test_file)
        doc["margin_macro_f1_vs_baseline"] = challenger["macro_f1"] - doc["baseline"]["macro_f1"]
    decision = decide(challenger["macro_f1"], champion_f1, min_delta)
    doc["decision"] = asdict(decision)
    (out / "metrics.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (out / "decision.json").write_text(
        json.dumps(asdict(decision), indent=2) + "\n", encoding="utf-8"
    )
    return doc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Evaluate and compare with the champion.")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--test-file", required=True)
    p.add_argument("--out", required=True)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--champion-dir")
    group.add_argument("--registered-model")
    p.add_argument("--alias", default="champion")
    p.add_argument("--min-delta", type=float, default=0.0)
    p.add_argument("--baseline-train-file")
    a = p.parse_args(argv)
    doc = evaluate(
        a.model_dir,
        a.test_file,
        a.out,
        a.champion_dir,
        a.registered_model,
        a.alias,
        a.min_delta,
        a.baseline_train_file,
    )
    summary = {
        "macro_f1": doc["challenger"]["macro_f1"],
        "accuracy": doc["challenger"]["accuracy"],
        "decision": doc["decision"],
    }
    if "baseline" in doc:
        summary["baseline_macro_f1"] = doc["baseline"]["macro_f1"]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
