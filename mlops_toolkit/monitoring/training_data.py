"""Where a model version's training data is (the drift reference), and checking a copy of it.

The example's ``register.py`` tags each version with ``training_data`` (the
URI of the data it was trained on) and ``training_data_sha256``; each target
downloads from the URI its own way and both check the copy here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlops_toolkit.errors import BackendError, NotFoundError
from mlops_toolkit.targets.base import ModelVersion

TRAINING_DATA_TAG = "training_data"
TRAINING_DATA_SHA_TAG = "training_data_sha256"


def training_data_uri(model: ModelVersion) -> str:
    """The version's ``training_data`` tag; ``NotFoundError`` saying what to do without one."""
    uri = model.tags.get(TRAINING_DATA_TAG)
    if not uri:
        raise NotFoundError(
            f"model {model.ref} has no {TRAINING_DATA_TAG!r} tag naming its training data",
            hint="Register it with the example's register.py (--train-file), or pass "
            "reference=PATH.",
        )
    return uri


def check_training_data(model: ModelVersion, uri: str, path: Path) -> None:
    """Raise ``BackendError`` when the copy at ``path`` does not match the version's hash tag."""
    expected = model.tags.get(TRAINING_DATA_SHA_TAG)
    if not expected:
        return
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise BackendError(
            f"the training data of {model.ref} ({uri}) does not match its "
            f"{TRAINING_DATA_SHA_TAG} tag"
        )
