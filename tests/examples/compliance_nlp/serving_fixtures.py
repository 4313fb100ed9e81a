"""Fixtures and helpers shared by the serving tests (export, score, server).

``untrained_model_dir`` builds a model directory that follows the artefact
contract (``modeling.py``) from the bundled all-MiniLM-L6-v2 checkpoint with a
seeded random 2-label head: serving code must not care whether weights are
trained. ``onnx_dir`` exports it once per session. Test modules import the
fixtures they use from here.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_DIR = REPO_ROOT / "examples" / "compliance_nlp"
SRC_DIR = EXAMPLE_DIR / "src"
# Small on purpose: export and scoring stay fast in tests.
TEST_MAX_LENGTH = 64


def import_src(name: str) -> ModuleType:
    """Import ``examples/compliance_nlp/src/<name>.py`` (the scripts are not a package)."""
    if str(SRC_DIR) not in sys.path:
        sys.path.insert(0, str(SRC_DIR))
    return importlib.import_module(name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_untrained_model_dir(target: Path, max_length: int = TEST_MAX_LENGTH) -> Path:
    """Write a contract-valid model directory with an untrained, seeded head."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    modeling = import_src("modeling")
    base = modeling.resolve_base_model(None)
    torch.manual_seed(1234)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialised head" load report
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=2,
            id2label=dict(modeling.ID2LABEL),
            label2id=dict(modeling.LABEL2ID),
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    tokenizer = AutoTokenizer.from_pretrained(base)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))
    meta = {
        "max_length": max_length,
        "labels": list(modeling.LABELS),
        "base_model": modeling.DEFAULT_BASE_MODEL,
        "data_sha256": "0" * 64,
        "text_normalization": modeling.TEXT_NORMALIZATION,
        "trained": False,
    }
    (target / modeling.META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def untrained_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_untrained_model_dir(tmp_path_factory.mktemp("artefact") / "model")


@pytest.fixture(scope="session")
def onnx_dir(untrained_model_dir: Path) -> Path:
    export_onnx = import_src("export_onnx")
    export_onnx.export_model(untrained_model_dir, untrained_model_dir.parent / "onnx")
    return untrained_model_dir.parent / "onnx"


def azure_model_layout(
    onnx_dir: Path, root: Path, name: str = "compliance-nlp", version: int = 3
) -> Path:
    """Lay ``onnx_dir`` out as Azure mounts a registered model: ``<root>/<name>/<version>/onnx``.

    Files are hard links (no copy of the weights). Returns the version
    directory, i.e. what ``AZUREML_MODEL_DIR`` points at on Azure.
    """
    import shutil

    version_dir = root / name / str(version)
    version_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(onnx_dir, version_dir / "onnx", copy_function=os.link, dirs_exist_ok=True)
    return version_dir


@pytest.fixture(scope="session")
def azure_model_dir(onnx_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return azure_model_layout(onnx_dir, tmp_path_factory.mktemp("azureml-models"))
