"""Error analysis of one scored file: every prediction, per-slice figures, errors by rule and slice.

:func:`analyse` is pure: it takes texts, labels, rules, probabilities and the
decision threshold and returns rows and tables. :func:`write_reports` writes

- ``predictions.csv``: every row with its text, label, rule, prediction,
  ``p_non_compliant``, whether it is correct, its slices and input flags;
- ``errors.csv``: the wrong rows only, highest-confidence mistakes first;
- ``error_summary.md``: aggregate tables only (no row text): errors by rule
  (a non_compliant row counts under its rule, a compliant one under the rules
  its text mentions, or ``none``) and by slice (``slices.py``), and metrics
  per slice.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modeling import LABELS
from rule_check import Verdict, decide
from slices import SLICES, input_flags, slice_rule_key, slice_tags
from thresholds import binary_scores

PREDICTION_COLUMNS = (
    "component_id",
    "description",
    "label",
    "rule",
    "predicted",
    "p_non_compliant",
    "decided_by",
    "rule_check",
    "correct",
    "slices",
    "flags",
)


def _group_row(y: int, p: int) -> dict[str, int]:
    return {
        "n": 1,
        "errors": int(y != p),
        "missed": int(y == 1 and p == 0),
        "false_alarms": int(y == 0 and p == 1),
    }


def _add(into: dict[str, dict[str, int]], key: str, y: int, p: int) -> None:
    row = into.setdefault(key, {"n": 0, "errors": 0, "missed": 0, "false_alarms": 0})
    for name, value in _group_row(y, p).items():
        row[name] += value


def slice_metrics(
    y_true: Sequence[int], y_pred: Sequence[int], tags: Sequence[set[str]]
) -> dict[str, dict[str, Any]]:
    """Per slice (and ``all``): rows, non_compliant rows, accuracy, recall and
    precision of non_compliant, and macro-F1 (None when the slice holds one class). Pure."""
    out: dict[str, dict[str, Any]] = {}
    for name in ("all", *SLICES):
        idx = [i for i, t in enumerate(tags) if name == "all" or name in t]
        if not idx:
            continue
        yt = [y_true[i] for i in idx]
        yp = [y_pred[i] for i in idx]
        scores = binary_scores(yt, yp)
        both = 0 < sum(yt) < len(yt)
        out[name] = {
            "n": len(idx),
            "non_compliant": sum(yt),
            "accuracy": sum(a == b for a, b in zip(yt, yp, strict=True)) / len(idx),
            "recall_non_compliant": scores["recall"] if sum(yt) else None,
            "precision_non_compliant": scores["precision"] if sum(yp) else None,
            "macro_f1": scores["macro_f1"] if both else None,
        }
    return out


def analyse(
    texts: Sequence[str],
    y_true: Sequence[int],
    rules: Sequence[str],
    probs: Sequence[float],
    threshold: float,
    ids: Sequence[str] | None = None,
    verdicts: Sequence[Verdict | None] | None = None,
) -> dict[str, Any]:
    """Rows of ``predictions.csv`` and the tables of ``error_summary.md``; with
    ``verdicts`` (``rule_check.check`` per row) a row the rule check decides is
    predicted by it. Pure."""
    checks: Sequence[Verdict | None] = verdicts or [None] * len(texts)
    decided = [decide(v, p, threshold) for v, p in zip(checks, probs, strict=True)]
    y_pred = [d[0] for d in decided]
    tags = [slice_tags(t) for t in texts]
    by_rule: dict[str, dict[str, int]] = {}
    by_slice: dict[str, dict[str, int]] = {}
    by_decider: dict[str, dict[str, int]] = {}
    rows = []
    for i, text in enumerate(texts):
        y, p = y_true[i], y_pred[i]
        for key in slice_rule_key(text, rules[i]):
            _add(by_rule, key, y, p)
        for key in sorted(tags[i]) or ["(no slice)"]:
            _add(by_slice, key, y, p)
        _add(by_decider, decided[i][1], y, p)
        rows.append(
            {
                "component_id": ids[i] if ids else str(i + 1),
                "description": text,
                "label": LABELS[y],
                "rule": rules[i],
                "predicted": LABELS[p],
                "p_non_compliant": f"{probs[i]:.6f}",
                "decided_by": decided[i][1],
                "rule_check": _evidence(checks[i]),
                "correct": str(y == p).lower(),
                "slices": ";".join(sorted(tags[i])),
                "flags": ";".join(input_flags(text)),
            }
        )
    order = [f"R{i}" for i in range(1, 10)] + ["none"]
    return {
        "rows": rows,
        "tags": tags,
        "by_rule": {k: by_rule[k] for k in order if k in by_rule},
        "by_slice": {k: by_slice[k] for k in (*SLICES, "(no slice)") if k in by_slice},
        "by_decider": {k: by_decider[k] for k in ("rules", "model") if k in by_decider},
        "per_slice": slice_metrics(y_true, y_pred, tags),
    }


def _evidence(verdict: Verdict | None) -> str:
    return verdict.evidence if verdict is not None and verdict.label is not None else ""


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def summary_markdown(title: str, analysis: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    """``error_summary.md``: aggregate tables, no row text."""
    lines = [f"# Error analysis: {title}", ""]
    tables = [("rule", analysis["by_rule"]), ("slice", analysis["by_slice"])]
    if "rules" in analysis.get("by_decider", {}):
        tables.append(("decider (rule check or classifier)", analysis["by_decider"]))
    for heading, table in tables:
        lines += [
            f"## Errors by {heading}",
            "",
            f"| {heading} | rows | errors | missed (non_compliant predicted compliant) "
            "| false alarms |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, row in table.items():
            counts = (row["n"], row["errors"], row["missed"], row["false_alarms"])
            lines.append(f"| {key} | " + " | ".join(str(c) for c in counts) + " |")
        lines.append("")
    lines += [
        "## Metrics per slice (at the decision threshold)",
        "",
        "| slice | rows | non_compliant | recall nc | precision nc | macro-F1 "
        + ("| baseline recall nc | baseline macro-F1 |" if baseline else "|"),
        "|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if baseline else ""),
    ]
    for name, m in analysis["per_slice"].items():
        cells = [
            name,
            m["n"],
            m["non_compliant"],
            m["recall_non_compliant"],
            m["precision_non_compliant"],
            m["macro_f1"],
        ]
        if baseline:
            b = baseline.get(name, {})
            cells += [b.get("recall_non_compliant"), b.get("macro_f1")]
        lines.append("| " + " | ".join(_fmt(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_reports(
    out_dir: Path, title: str, analysis: dict[str, Any], baseline_per_slice: dict[str, Any] | None
) -> dict[str, Path]:
    """Write predictions.csv, errors.csv and error_summary.md into ``out_dir``."""
    paths = {
        "predictions": out_dir / "predictions.csv",
        "errors": out_dir / "errors.csv",
        "summary": out_dir / "error_summary.md",
    }
    errors = sorted(
        (r for r in analysis["rows"] if r["correct"] == "false"),
        key=lambda r: -abs(float(r["p_non_compliant"]) - 0.5),
    )
    for key, rows in (("predictions", analysis["rows"]), ("errors", errors)):
        with open(paths[key], "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=PREDICTION_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    paths["summary"].write_text(
        summary_markdown(title, analysis, baseline_per_slice), encoding="utf-8"
    )
    return paths
