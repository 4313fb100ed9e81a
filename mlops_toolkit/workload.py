"""The workload an environment trains and serves: its pipeline, scoring script and sample.

Paths come from the config's ``workload`` section, relative to the project
directory; unset ones are the reference example shipped with the toolkit
(``examples/compliance_nlp``). Every function checks the file exists and
raises ``ConfigError`` naming the key otherwise.
"""

from __future__ import annotations

from pathlib import Path

from mlops_toolkit.config import EnvironmentConfig
from mlops_toolkit.errors import ConfigError
from mlops_toolkit.resources import (
    REFERENCE_PIPELINE,
    REFERENCE_SAMPLE,
    REFERENCE_SCORING_SCRIPT,
    bundled_path,
)


def _resolve(configured: str | None, key: str, default: str, project_dir: Path) -> Path:
    if configured is None:
        return bundled_path(default)
    path = Path(configured)
    path = path if path.is_absolute() else project_dir / path
    if not path.is_file():
        raise ConfigError(f"workload.{key}: {path} does not exist or is not a file")
    return path


def pipeline_file(config: EnvironmentConfig, project_dir: Path) -> Path:
    """The Azure ML pipeline job YAML that ``train`` runs."""
    return _resolve(config.workload.pipeline, "pipeline", REFERENCE_PIPELINE, project_dir)


def scoring_script(config: EnvironmentConfig, project_dir: Path) -> Path:
    """The ``score.py`` every deployment runs."""
    return _resolve(
        config.workload.scoring_script, "scoring_script", REFERENCE_SCORING_SCRIPT, project_dir
    )


def sample_data(config: EnvironmentConfig, project_dir: Path) -> Path:
    """A labelled CSV (``description``, ``label``) for smoke tests and examples."""
    return _resolve(config.workload.sample_data, "sample_data", REFERENCE_SAMPLE, project_dir)
