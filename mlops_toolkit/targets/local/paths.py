"""Where the local target keeps an environment's workspace: ``<project>/.mlops/<env>/``.

::

    workspace.json                 what this workspace is (created by provision)
    mlflow/mlflow.db               MLflow tracking store and model registry (SQLite)
    mlflow/artifacts/              run and model artefacts
    jobs/<job>/                    job.json, steps/<step>/std_log.txt, outputs/
    endpoints/<name>/endpoint.json endpoint state: keys, traffic, deployments, processes
    endpoints/<name>/router.*      router config, ready file and log
    endpoints/<name>/deployments/<slot>/  model files and server log of one deployment
    endpoints/<name>/collected/<slot>/    collected model inputs and outputs (JSON lines)
    alerts/rules.json              alert rules applied to this workspace
    alerts/state.json, fired.jsonl the local evaluator's firing state and notification log
    schedules/<name>.json          recurring training jobs (`jobs run-due` fires them)
    monitoring/<endpoint>/         drift reports; retraining data folders

The Terraform work directory (``terraform/``) and ``outputs.json`` of the
provisioner live beside these and belong to ``mlops_toolkit.infra``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_toolkit.naming import NAME_RULES


@dataclass(frozen=True)
class WorkspacePaths:
    """Every path of one local workspace. Pure."""

    root: Path

    @property
    def state_root(self) -> Path:
        """``.mlops/``: symlinks are refused from here down."""
        return self.root.parent

    @property
    def workspace_file(self) -> Path:
        return self.root / "workspace.json"

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def mlflow_db(self) -> Path:
        return self.mlflow_dir / "mlflow.db"

    @property
    def artifacts_dir(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db.resolve()}"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    @property
    def endpoints_dir(self) -> Path:
        return self.root / "endpoints"

    @property
    def alerts_dir(self) -> Path:
        return self.root / "alerts"

    @property
    def schedules_dir(self) -> Path:
        return self.root / "schedules"

    @property
    def monitoring_dir(self) -> Path:
        return self.root / "monitoring"

    def endpoint_dir(self, name: str) -> Path:
        """Directory of endpoint ``name``; the name must already be validated."""
        if NAME_RULES["online_endpoint"].violation(name):  # never a path outside endpoints/
            raise ValueError(f"invalid endpoint name {name!r}")
        return self.endpoints_dir / name
