"""Local training jobs: the pipeline runner with the workspace's MLflow store.

Every step of a job logs to and registers in the workspace's MLflow store
(``MLFLOW_TRACKING_URI``). The champion a request names is downloaded once
per version from the registry into ``jobs/.champions/<name>-<version>/`` and
bound to the request's ``champion_input`` (the folder holds ``model/``, as
a registered model is laid out). Distribution overrides apply to the steps
whose component declares a distribution (the training step).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mlops_toolkit.safefs import private_dir
from mlops_toolkit.targets.base import JobInfo, ProgressCallback, TrainingRequest
from mlops_toolkit.targets.local import pipeline_runner
from mlops_toolkit.targets.local.pipeline_plan import StepDistribution
from mlops_toolkit.targets.local.pipeline_spec import load_pipeline

if TYPE_CHECKING:
    from mlops_toolkit.targets.local.target import LocalTarget


class LocalJobs:
    """``JobOperations`` of the local target."""

    def __init__(self, target: LocalTarget) -> None:
        self._target = target
        self.root = target.paths.jobs_dir

    def submit(
        self, request: TrainingRequest, on_progress: ProgressCallback | None = None
    ) -> JobInfo:
        progress = on_progress or (lambda _line: None)
        self._target.workspace.require()
        overrides = dict(request.inputs)
        if request.champion:
            overrides[request.champion_input] = self._champion_folder(request.champion, progress)
        distribution = None
        if request.instance_count or request.process_count_per_instance:
            spec = load_pipeline(request.pipeline_file)
            distribution = {
                name: StepDistribution(request.instance_count, request.process_count_per_instance)
                for name, step in spec.steps.items()
                if step.distribution_type or step.component.distribution_type
            }
        env = {
            "MLFLOW_TRACKING_URI": self._target.paths.tracking_uri,
            "MLOPS_ENVIRONMENT": self._target.environment,
        }
        name = pipeline_runner.submit(
            request.pipeline_file,
            self.root,
            overrides=overrides,
            env=env,
            display_name=request.display_name,
            experiment=request.experiment,
            distribution=distribution,
            cwd=self._target.project_dir,
        )
        progress(f"job {name} submitted ({self.root / name})")
        return self.get(name)

    def check(self, request: TrainingRequest) -> None:
        """Validate the pipeline and the request's inputs without running anything.

        Raises ``ConfigError`` naming the pipeline file, step and key."""
        from mlops_toolkit.targets.local.pipeline_plan import plan_pipeline

        plan_pipeline(
            load_pipeline(request.pipeline_file),
            overrides=dict(request.inputs),
            cwd=self._target.project_dir,
        )

    def _champion_folder(self, ref: str, progress: ProgressCallback) -> str:
        name, _, version = ref.partition(":")
        folder = self.root / ".champions" / f"{name}-{version}"
        model_dir = folder / "model"
        if not model_dir.is_dir():
            progress(f"downloading the champion {ref} for the evaluate step")
            private_dir(folder, self._target.paths.state_root)
            self._target.models.download(name, version, str(model_dir))
        return os.fspath(folder)

    def get(self, name: str) -> JobInfo:
        return pipeline_runner.load_job(self.root, name)

    def list(self, limit: int = 50) -> tuple[JobInfo, ...]:
        if not self.root.is_dir():
            return ()
        return pipeline_runner.list_jobs(self.root, limit)

    def cancel(self, name: str) -> JobInfo:
        return pipeline_runner.cancel(self.root, name)

    def logs(self, name: str, step: str | None = None) -> str:
        return pipeline_runner.read_log(self.root, name, step)
