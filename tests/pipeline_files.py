"""Write small Azure ML component and pipeline YAML files for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PIPELINE = REPO_ROOT / "examples" / "compliance_nlp" / "pipeline.yml"
EXAMPLE_COMPONENTS = REPO_ROOT / "examples" / "compliance_nlp" / "components"


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def component(
    directory: Path,
    name: str,
    command: str,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    """``<directory>/components/<name>.yml``: a command component (``type: command``)."""
    data: dict[str, Any] = {"type": "command", "name": name, "version": 1}
    data.update(extra)
    data["inputs"] = inputs or {}
    data["outputs"] = outputs or {}
    data["command"] = command
    return write_yaml(directory / "components" / f"{name}.yml", data)


def pipeline(directory: Path, jobs: dict[str, Any], **extra: Any) -> Path:
    """``<directory>/pipeline.yml`` with ``jobs`` (each ``type: command`` unless given)."""
    data: dict[str, Any] = {"type": "pipeline", "display_name": "test_pipeline"}
    data.update(extra)
    data["jobs"] = {name: {"type": "command", **job} for name, job in jobs.items()}
    return write_yaml(directory / "pipeline.yml", data)
