"""Scoring script for the Azure ML inference server (``azmlinfsrv``): ONNX Runtime, no torch.

The same file runs on a managed online endpoint and on the local target.

``init()`` finds the exported model under ``AZUREML_MODEL_DIR`` (searched
recursively for ``model.int8.onnx`` / ``model.onnx`` beside ``tokenizer.json``
and ``compliance_meta.json``, as ``export_onnx.py`` writes them), loads it with
ONNX Runtime and the fast tokenizer. ``run(raw_data)`` scores a JSON batch::

    request   {"inputs": ["description", ...]}
    response  {"predictions": [{"label": "non_compliant",
                                "probabilities": {"compliant": 0.03,
                                                  "non_compliant": 0.97},
                                "flags": [],
                                "decided_by": "model"}, ...],
               "model_version": "compliance-nlp:3"}

``label`` comes from the rule check (``rule_check.py``) when it can read the
description's regulated statements (a substance with an amount, a negation, a
named refrigerant, a brake hose and its certification, ...): then
``decided_by`` is ``rules`` and the prediction carries ``rule`` (the violated
rule, empty when compliant) and ``evidence`` (what was read). Otherwise
``decided_by`` is ``model`` and ``label`` is ``non_compliant`` when its
probability reaches the model's decision threshold (``decision_threshold`` in
``compliance_meta.json``, chosen on the validation split for a target recall;
0.5 when absent). ``probabilities`` are always the classifier's. ``flags`` lists
what is implausible in the input, which the label does not settle:
``concentration_above_100_percent`` and ``negative_amount`` (see
``slices.input_flags``); such descriptions are still labelled by the rules' literal
reading, and the flag asks a person to check the text.

Bad requests get a JSON ``{"message": ...}`` body (the server's own error
shape): 400 for a body that is not JSON, the wrong shape, non-string or empty
descriptions; 413 for more than ``COMPLIANCE_MAX_BATCH`` descriptions or one
longer than ``COMPLIANCE_MAX_CHARS`` characters.

Environment:

``COMPLIANCE_ONNX_VARIANT``  ``int8`` (default; falls back to fp32 when absent) or ``fp32``
``COMPLIANCE_DECISION_THRESHOLD`` overrides the model's decision threshold (0 to 1)
``COMPLIANCE_RULE_CHECK``    ``on`` (default) or ``off`` (the classifier decides every row)
``COMPLIANCE_ORT_THREADS``   intra-op threads (default: usable cores / ``WORKER_COUNT``, max 4)
``COMPLIANCE_MAX_BATCH``     default 64;  ``COMPLIANCE_MAX_CHARS`` default 2000
``COMPLIANCE_MODEL_VERSION`` reported version (default: meta ``model_version``, else
                             ``<name>:<version>`` from an Azure model path, else ``unversioned``)
``COMPLIANCE_COLLECT_DIR``   append every scored request (inputs and outputs) as JSON
                             lines to ``<dir>/model_io-<host>-<pid>.jsonl``; off when unset
                             (then ``MLOPS_DATA_COLLECTION_DIR``, which the toolkit's local
                             deployments set, is used)

On Azure, inputs and outputs also go to the Azure ML data collector
(``azureml.ai.monitoring.Collector``, names ``model_inputs`` / ``model_outputs``)
when that package is installed; it only ships data when the deployment enables
data collection. Collection never fails a request: errors are logged.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import socket
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from modeling import (  # noqa: E402
    NORMALIZING_VERSIONS,
    decision_threshold,
    normalize_text,
    read_meta,
)
from rule_check import check, decide  # noqa: E402
from slices import input_flags  # noqa: E402

logger = logging.getLogger("compliance_nlp.score")

VARIANT_FILES = {"int8": "model.int8.onnx", "fp32": "model.onnx"}
DEFAULT_MAX_BATCH = 64
DEFAULT_MAX_CHARS = 2000


class ModelNotFound(RuntimeError):
    """No usable exported model below the model directory."""


class BadRequest(ValueError):
    """A request the client must fix; carries the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------
# Locating and loading the model
# --------------------------------------------------------------------------


def find_onnx_model(root: str | Path, variant: str = "int8") -> Path:
    """Path of the ONNX file to serve below ``root`` (searched recursively).

    ``variant`` is ``int8`` (falls back to fp32 when no int8 file exists) or
    ``fp32``. Raises ``ValueError`` for another variant and ``ModelNotFound``
    when nothing (or more than one export directory) is found.
    """
    if variant not in VARIANT_FILES:
        raise ValueError(
            f"COMPLIANCE_ONNX_VARIANT={variant!r} is not valid; use one of {sorted(VARIANT_FILES)}"
        )
    root = Path(root)
    if not root.is_dir():
        raise ModelNotFound(f"model directory {root} does not exist")
    candidates = sorted(
        p.parent
        for p in root.rglob(VARIANT_FILES["fp32"])
        if (p.parent / "tokenizer.json").is_file() and (p.parent / "compliance_meta.json").is_file()
    )
    if not candidates:
        raise ModelNotFound(
            f"no {VARIANT_FILES['fp32']} with tokenizer.json and compliance_meta.json "
            f"below {root}; register the output of export_onnx.py"
        )
    if len(candidates) > 1:
        raise ModelNotFound(
            f"several exported models below {root}: {[str(c) for c in candidates]}; "
            "register exactly one"
        )
    export_dir = candidates[0]
    preferred = export_dir / VARIANT_FILES[variant]
    if preferred.is_file():
        return preferred
    logger.warning("%s not found; serving %s", preferred.name, VARIANT_FILES["fp32"])
    return export_dir / VARIANT_FILES["fp32"]


def default_threads() -> int:
    """Intra-op threads: ``COMPLIANCE_ORT_THREADS``, else usable cores per worker, 1 to 4."""
    configured = os.environ.get("COMPLIANCE_ORT_THREADS")
    if configured:
        return max(1, int(configured))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    workers = max(1, int(os.environ.get("WORKER_COUNT", "1") or 1))
    return max(1, min(4, cores // workers))


def _model_version(meta: dict[str, Any], model_root: Path) -> str:
    if os.environ.get("COMPLIANCE_MODEL_VERSION"):
        return os.environ["COMPLIANCE_MODEL_VERSION"]
    if meta.get("model_version"):
        return str(meta["model_version"])
    # Azure mounts a registered model at .../azureml-models/<name>/<version>
    if model_root.name.isdigit() and model_root.parent.name:
        return f"{model_root.parent.name}:{model_root.name}"
    return "unversioned"


class Scorer:
    """An ONNX Runtime session with its tokenizer and labels. Thread-safe for ``predict``.

    (Plain classes, not dataclasses, in this file: the inference server imports
    it under a module name that is not in ``sys.modules``.)
    """

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        labels: list[str],
        meta: dict[str, Any],
        model_path: Path,
        model_version: str,
        threshold: float | None = None,
        rule_check: bool = True,
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.labels = labels
        self.meta = meta
        self.model_path = model_path
        self.model_version = model_version
        self.threshold = decision_threshold(meta) if threshold is None else threshold
        self.rule_check = rule_check

    @classmethod
    def load(
        cls,
        model_root: str | Path,
        variant: str = "int8",
        threads: int | None = None,
        threshold: float | None = None,
        rule_check: bool = True,
    ) -> Scorer:
        """Load the model below ``model_root``; blocks a second or two. ``threshold``
        overrides the meta's decision threshold; ``rule_check`` False lets the
        classifier decide every row. Raises ``ModelNotFound``, and
        ``ValueError`` for a threshold outside [0, 1]."""
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"decision threshold must be within [0, 1], got {threshold}")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = find_onnx_model(model_root, variant)
        meta = read_meta(path.parent)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        tokenizer = Tokenizer.from_file(str(path.parent / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(meta["max_length"]))
        pad_token = _pad_token(path.parent)
        pad_id = tokenizer.token_to_id(pad_token)
        if pad_id is None:
            raise ModelNotFound(f"{path.parent}: pad token {pad_token!r} is not in tokenizer.json")
        tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
        return cls(
            session=session,
            tokenizer=tokenizer,
            labels=list(meta["labels"]),
            meta=meta,
            model_path=path,
            model_version=_model_version(meta, Path(model_root)),
            threshold=threshold,
            rule_check=rule_check,
        )

    def encode(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Model inputs for ``texts`` (normalised as at training time, padded to the longest)."""
        if self.meta.get("text_normalization") in NORMALIZING_VERSIONS:
            texts = [normalize_text(t) for t in texts]
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        wanted = {i.name for i in self.session.get_inputs()}
        return {k: v for k, v in feeds.items() if k in wanted}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), len(labels))``; blocks."""
        logits = self.session.run(["logits"], self.encode(texts))[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str]) -> list[dict[str, Any]]:
        """``[{"label", "probabilities", "flags", "decided_by"[, "rule", "evidence"]}, ...]``."""
        probs = self.predict_proba(texts)
        out = []
        for text, row in zip(texts, probs, strict=True):
            source = normalize_source(text)
            verdict = check(source) if self.rule_check else None
            label, decided_by = decide(verdict, float(row[1]), self.threshold)
            prediction: dict[str, Any] = {
                "label": self.labels[label],
                "probabilities": {
                    lab: round(float(p), 6) for lab, p in zip(self.labels, row, strict=True)
                },
                "flags": input_flags(source),
                "decided_by": decided_by,
            }
            if verdict is not None and decided_by == "rules":
                prediction["rule"] = verdict.rule
                prediction["evidence"] = verdict.evidence
            out.append(prediction)
        return out


def normalize_source(text: str) -> str:
    """Unicode-normalised text for the input checks (NFKC; the minus sign as ``-``)."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).replace("\u2212", "-")


def _pad_token(export_dir: Path) -> str:
    config_path = export_dir / "tokenizer_config.json"
    if config_path.is_file():
        token = json.loads(config_path.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(token, dict):
            token = token.get("content")
        if token:
            return str(token)
    return "[PAD]"


# --------------------------------------------------------------------------
# Request validation
# --------------------------------------------------------------------------


def parse_request(raw_data: Any, max_batch: int, max_chars: int) -> list[str]:
    """The descriptions in a request body; raises ``BadRequest`` saying what to fix."""
    if isinstance(raw_data, bytes | bytearray):
        try:
            raw_data = raw_data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"request body is not UTF-8: {exc}") from None
    if isinstance(raw_data, str):
        try:
            body = json.loads(raw_data)
        except json.JSONDecodeError as exc:
            raise BadRequest(
                f'request body is not valid JSON ({exc}); send {{"inputs": ["description", ...]}}'
            ) from None
    else:
        body = raw_data
    shape_hint = 'expected a JSON object {"inputs": ["description", ...]}'
    if not isinstance(body, dict) or "inputs" not in body:
        raise BadRequest(f"{shape_hint}, got {type(body).__name__} without 'inputs'")
    unknown = sorted(set(body) - {"inputs"})
    if unknown:
        raise BadRequest(f"unknown field(s) {unknown}; {shape_hint}")
    inputs = body["inputs"]
    if not isinstance(inputs, list):
        raise BadRequest(f"'inputs' must be a list of strings, got {type(inputs).__name__}")
    if not inputs:
        raise BadRequest("'inputs' is empty; send at least one description")
    if len(inputs) > max_batch:
        raise BadRequest(
            f"'inputs' holds {len(inputs)} descriptions; at most {max_batch} per request",
            status=413,
        )
    for i, text in enumerate(inputs):
        if not isinstance(text, str):
            raise BadRequest(f"inputs[{i}] must be a string, got {type(text).__name__}")
        if not text.strip():
            raise BadRequest(f"inputs[{i}] is empty")
        if len(text) > max_chars:
            raise BadRequest(
                f"inputs[{i}] has {len(text)} characters; at most {max_chars}", status=413
            )
    return list(inputs)


# --------------------------------------------------------------------------
# Data collection
# --------------------------------------------------------------------------


class JsonlCollector:
    """Appends one JSON line per scored request; one file per process (no interleaving)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"model_io-{socket.gethostname()}-{os.getpid()}.jsonl"
        self._lock = threading.Lock()

    def collect(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)


class AzureCollector:
    """Azure ML data collector (``azureml-ai-monitoring``), inputs and outputs correlated."""

    def __init__(self) -> None:
        from azureml.ai.monitoring import Collector  # type: ignore[import-not-found]

        self.inputs = Collector(name="model_inputs")
        self.outputs = Collector(name="model_outputs")

    def collect(self, texts: list[str], predictions: list[dict[str, Any]]) -> None:
        import pandas as pd

        context = self.inputs.collect(pd.DataFrame({"description": texts}))
        self.outputs.collect(
            pd.DataFrame(
                {
                    "label": [p["label"] for p in predictions],
                    "p_non_compliant": [p["probabilities"]["non_compliant"] for p in predictions],
                    "flags": [",".join(p["flags"]) for p in predictions],
                }
            ),
            context,
        )


def _azure_collector() -> AzureCollector | None:
    try:
        return AzureCollector()
    except ImportError:
        return None
    except Exception:  # collection must never stop the model from serving
        logger.exception("Azure ML data collector unavailable; not collecting to Azure")
        return None


# --------------------------------------------------------------------------
# Inference server entry points
# --------------------------------------------------------------------------


class _State:
    def __init__(
        self,
        scorer: Scorer,
        max_batch: int,
        max_chars: int,
        jsonl: JsonlCollector | None,
        azure: AzureCollector | None,
    ) -> None:
        self.scorer = scorer
        self.max_batch = max_batch
        self.max_chars = max_chars
        self.jsonl = jsonl
        self.azure = azure


_state: _State | None = None


def init() -> None:
    """Load the model named by the environment (see module docstring). Safe to call again."""
    global _state
    model_root = os.environ.get("AZUREML_MODEL_DIR")
    if not model_root:
        raise ModelNotFound("AZUREML_MODEL_DIR is not set; point it at the registered model")
    variant = os.environ.get("COMPLIANCE_ONNX_VARIANT", "int8").strip().lower()
    configured = os.environ.get("COMPLIANCE_DECISION_THRESHOLD", "").strip()
    try:
        threshold = float(configured) if configured else None
    except ValueError:
        raise ValueError(
            f"COMPLIANCE_DECISION_THRESHOLD={configured!r} is not a number; "
            "give a probability between 0 and 1 or unset it to use the model's own"
        ) from None
    rule_check = os.environ.get("COMPLIANCE_RULE_CHECK", "on").strip().lower()
    if rule_check not in ("on", "off"):
        raise ValueError(
            f"COMPLIANCE_RULE_CHECK={rule_check!r} is not 'on' or 'off'; unset it to keep "
            "the rule check on"
        )
    scorer = Scorer.load(model_root, variant, threshold=threshold, rule_check=rule_check == "on")
    collect_dir = os.environ.get("COMPLIANCE_COLLECT_DIR") or os.environ.get(
        "MLOPS_DATA_COLLECTION_DIR"
    )
    _state = _State(
        scorer=scorer,
        max_batch=int(os.environ.get("COMPLIANCE_MAX_BATCH", DEFAULT_MAX_BATCH)),
        max_chars=int(os.environ.get("COMPLIANCE_MAX_CHARS", DEFAULT_MAX_CHARS)),
        jsonl=JsonlCollector(collect_dir) if collect_dir else None,
        azure=_azure_collector(),
    )
    logger.info(
        "serving %s (version %s, threshold %.4g, rule check %s, %d intra-op threads)",
        scorer.model_path,
        scorer.model_version,
        scorer.threshold,
        "on" if scorer.rule_check else "off",
        scorer.session.get_session_options().intra_op_num_threads,
    )


def _error(message: str, status: int) -> Any:
    try:
        from azureml_inference_server_http.api.aml_response import AMLResponse
    except ImportError:  # older images ship it under the azureml-defaults namespace
        from azureml.contrib.services.aml_response import (  # type: ignore[import-not-found]
            AMLResponse,
        )
    return AMLResponse({"message": message}, status, json_str=True)


def _collect(state: _State, texts: list[str], predictions: list[dict[str, Any]]) -> None:
    if state.jsonl is not None:
        try:
            state.jsonl.collect(
                {
                    "correlation_id": str(uuid.uuid4()),
                    "time": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                    "model_version": state.scorer.model_version,
                    "model_file": state.scorer.model_path.name,
                    "inputs": texts,
                    "outputs": predictions,
                }
            )
        except OSError:
            logger.exception("could not append to %s", state.jsonl.path)
    if state.azure is not None:
        try:
            state.azure.collect(texts, predictions)
        except Exception:
            logger.exception("Azure ML data collection failed")


def run(raw_data: Any) -> Any:
    """Score one request body; returns the response dict, or an ``AMLResponse`` for a 4xx."""
    if _state is None:
        raise RuntimeError("init() has not been called")
    try:
        texts = parse_request(raw_data, _state.max_batch, _state.max_chars)
    except BadRequest as exc:
        return _error(str(exc), exc.status)
    predictions = _state.scorer.predict(texts)
    _collect(_state, texts, predictions)
    return {"predictions": predictions, "model_version": _state.scorer.model_version}
