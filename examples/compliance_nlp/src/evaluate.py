"""Evaluate a trained model, analyse its errors, compare it with the champion, decide.

Reads any CSV with ``description`` and ``label`` columns (``rule`` adds
per-rule recall; ``component_id`` names rows). Each model predicts
``non_compliant`` at its own decision threshold (``compliance_meta.json``,
chosen on the validation split by ``train.py``; ``--threshold`` overrides the
challenger's). Writes into ``--out``:

- ``metrics.json``: challenger metrics at its threshold (accuracy, macro-F1,
  per-class precision/recall/F1, confusion matrix, per-rule recall, metrics
  per slice, and the arg-max figures at 0.5 beside them), champion metrics
  (when one exists), baseline metrics (with ``--baseline-train-file``), errors
  grouped by rule and by slice, and the decision;
- ``predictions.csv`` (every row: text, label, prediction, probability,
  slices, input flags), ``errors.csv`` (the wrong rows) and
  ``error_summary.md`` (aggregate tables only); see ``error_analysis.py``;
- ``confusion_matrix.png``;
- ``decision.json``: ``{"promote": bool, "reason": str, ...}`` for register.py.

Predictions are the system's: the rule check (``rule_check.py``) decides the
rows whose regulated statements it can read, the classifier the rest, for the
challenger and the champion alike; ``model_only`` in metrics.json gives the
classifier's figures alone beside them, ``rule_check`` how many rows the check
decided and how many of those it got wrong. ``--no-rule-check`` evaluates the
classifier alone.

The champion is a model directory (``--champion-dir``) or the registered
MLflow model's version under alias ``champion`` (``--registered-model``;
tracking/registry URI from ``MLFLOW_TRACKING_URI``). Promote when no champion
exists or ``challenger macro-F1 >= champion macro-F1 + min_delta`` (each at its
own threshold).

The TF-IDF baseline chooses its threshold on ``--baseline-val-file`` (default:
``validation.csv`` beside ``--baseline-train-file`` when there is one) for the
challenger's target recall.

CLI::

    python evaluate.py --model-dir OUT/model --test-file D/test.csv --out OUT/eval \
        [--registered-model compliance-nlp | --champion-dir DIR] [--min-delta 0.0] \
        [--baseline-train-file D/train.csv [--baseline-val-file D/validation.csv]] \
        [--threshold 0.5] [--no-rule-check]
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

from error_analysis import analyse, write_reports
from modeling import LABELS, RULES, decision_threshold, load_model_dir, predict_proba
from rule_check import Verdict, check_all, predict
from thresholds import DEFAULT_MAX_THRESHOLD, DEFAULT_TARGET_RECALL, binary_scores, predict_at


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


def score_model_dir(model_dir: str | Path, texts: list[str]) -> tuple[list[float], dict[str, Any]]:
    """Probabilities of ``non_compliant`` from a model directory, and its meta (blocks)."""
    loaded = load_model_dir(model_dir)
    return predict_proba(loaded, texts), loaded.meta


def metrics_at(
    y_true: list[int],
    probs: list[float],
    threshold: float,
    rules: list[str],
    verdicts: list[Verdict] | None = None,
) -> dict[str, Any]:
    """``compute_metrics`` at ``threshold`` (the rule check deciding where
    ``verdicts`` has a verdict) with the threshold, the classifier alone and the
    arg-max (0.5, classifier alone) figures beside it. Pure."""
    metrics = compute_metrics(y_true, predict(probs, threshold, verdicts), rules)
    metrics["threshold"] = threshold
    if verdicts is not None:
        alone = predict_at(probs, threshold)
        right = sum(a == b for a, b in zip(y_true, alone, strict=True))
        metrics["model_only"] = {
            "accuracy": right / max(1, len(alone)),
            **binary_scores(y_true, alone),
        }
        decided = [(y, v) for y, v in zip(y_true, verdicts, strict=True) if v.label is not None]
        metrics["rule_check"] = {
            "rows": len(y_true),
            "decided": len(decided),
            "decided_non_compliant": sum(v.label == "non_compliant" for _, v in decided),
            "errors": sum(LABELS[y] != v.label for y, v in decided),
        }
    argmax = predict_at(probs, 0.5 + 1e-12)
    metrics["argmax"] = {
        "accuracy": sum(a == b for a, b in zip(y_true, argmax, strict=True)) / max(1, len(argmax)),
        **binary_scores(y_true, argmax),
    }
    return metrics


def read_eval_csv(path: str | Path) -> tuple[list[str], list[int], list[str], list[str] | None]:
    """Texts, label ids, rules and component ids (None without that column)."""
    import pandas as pd
    from modeling import read_labelled_csv

    texts, labels, rules = read_labelled_csv(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    ids = frame["component_id"].tolist() if "component_id" in frame.columns else None
    return texts, labels, rules, ids


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
    baseline_val_file: str | Path | None = None,
    threshold: float | None = None,
    rule_check: bool = True,
) -> dict[str, Any]:
    """Score challenger (and champion, and optionally the TF-IDF baseline) on
    ``test_file``; write metrics.json, decision.json, predictions.csv,
    errors.csv, error_summary.md and confusion_matrix.png.
    Blocks; overwrites files in ``out_dir``. Returns the metrics document."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts, y_true, rules, ids = read_eval_csv(test_file)
    probs, meta = score_model_dir(model_dir, texts)
    verdicts = check_all(texts) if rule_check else None
    chosen = decision_threshold(meta) if threshold is None else threshold
    challenger = metrics_at(y_true, probs, chosen, rules, verdicts)
    challenger["threshold_source"] = "--threshold" if threshold is not None else "model meta"
    challenger["threshold_choice"] = meta.get("threshold")
    analysis = analyse(texts, y_true, rules, probs, chosen, ids, verdicts)
    challenger["per_slice"] = analysis["per_slice"]
    plot_confusion(
        challenger["confusion_matrix"], out / "confusion_matrix.png", f"challenger (n={len(texts)})"
    )
    doc: dict[str, Any] = {
        "test_file": str(test_file),
        "model_dir": str(model_dir),
        "challenger": challenger,
        "error_analysis": {
            "by_rule": analysis["by_rule"],
            "by_slice": analysis["by_slice"],
            "by_decider": analysis["by_decider"],
        },
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
            champion_probs, champion_meta = score_model_dir(source[0], texts)
            champion = metrics_at(
                y_true, champion_probs, decision_threshold(champion_meta), rules, verdicts
            )
            champion["source"] = source[1]
            doc["champion"] = champion
            champion_f1 = champion["macro_f1"]
    baseline_slices = None
    if baseline_train_file is not None:
        from baseline import fit_and_score

        if baseline_val_file is None:
            beside = Path(baseline_train_file).with_name("validation.csv")
            baseline_val_file = beside if beside.is_file() else None
        choice = meta.get("threshold") or {}
        doc["baseline"] = fit_and_score(
            baseline_train_file,
            test_file,
            val_file=baseline_val_file,
            target_recall=choice.get("target_recall", DEFAULT_TARGET_RECALL),
            max_threshold=choice.get("max_threshold", DEFAULT_MAX_THRESHOLD),
        )
        baseline_slices = doc["baseline"]["per_slice"]
        doc["margin_macro_f1_vs_baseline"] = challenger["macro_f1"] - doc["baseline"]["macro_f1"]
    write_reports(out, Path(test_file).name, analysis, baseline_slices)
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
    p.add_argument(
        "--baseline-val-file",
        help="where the baseline chooses its threshold (default: validation.csv beside "
        "--baseline-train-file)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        help="decision threshold for the challenger (default: the one in its compliance_meta.json)",
    )
    p.add_argument(
        "--no-rule-check",
        action="store_true",
        help="predict with the classifier alone (default: the rule check decides the rows whose "
        "regulated statements it can read, the classifier the rest)",
    )
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
        a.baseline_val_file,
        a.threshold,
        rule_check=not a.no_rule_check,
    )
    challenger = doc["challenger"]
    summary = {
        "threshold": challenger["threshold"],
        "macro_f1": challenger["macro_f1"],
        "accuracy": challenger["accuracy"],
        "recall_non_compliant": challenger["per_class"]["non_compliant"]["recall"],
        "precision_non_compliant": challenger["per_class"]["non_compliant"]["precision"],
        "decision": doc["decision"],
    }
    if "model_only" in challenger:
        summary["model_only_macro_f1"] = challenger["model_only"]["macro_f1"]
        summary["model_only_recall_non_compliant"] = challenger["model_only"]["recall"]
        summary["rule_check"] = challenger["rule_check"]
    if "baseline" in doc:
        summary["baseline_macro_f1"] = doc["baseline"]["macro_f1"]
        summary["baseline_recall_non_compliant"] = doc["baseline"]["per_class"]["non_compliant"][
            "recall"
        ]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
