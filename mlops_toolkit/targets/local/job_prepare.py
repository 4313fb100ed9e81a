"""Turning a validated pipeline plan into a job directory the runner can execute.

At submit time, as Azure does, each component's ``code`` folder is copied
into the job (``code/<n>-<folder>/``), so that editing the sources while the
job runs changes nothing; ``__pycache__``, ``.git``, ``*.pyc`` and the jobs
root itself are left out, and a snapshot over Azure's limits (2,000 files or
300 MB) is refused. Then every step's command is rendered with its input
values and the local paths of its outputs (``outputs/<step>/<output>/``; a
``uri_file`` output is the file ``outputs/<step>/<output>/<output>``), and
wrapped in ``torchrun`` when the step runs several processes. The result is
``plan.json``, which the runner executes without looking at YAML again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.commands import render_command, torchrun_command
from mlops_toolkit.targets.local.components import Component
from mlops_toolkit.targets.local.input_values import format_value
from mlops_toolkit.targets.local.job_executor import PlannedStep
from mlops_toolkit.targets.local.job_store import PLAN_FILE, output_dir, step_log
from mlops_toolkit.targets.local.pipeline_plan import PipelinePlan, ResolvedStep
from mlops_toolkit.targets.local.pipeline_spec import DataPath, StepOutput

#: Azure ML's snapshot limits for a job's code.
MAX_SNAPSHOT_FILES = 2000
MAX_SNAPSHOT_BYTES = 300 * 1024 * 1024
_IGNORED_NAMES = frozenset({"__pycache__", ".git", ".ipynb_checkpoints", ".mypy_cache"})
_IGNORED_SUFFIXES = (".pyc", ".pyo")


def snapshot_code(plan: PipelinePlan, directory: Path, jobs_root: Path) -> dict[Path, Path]:
    """Copy each distinct ``code`` folder of the plan into ``directory/code``.

    Returns ``{source folder: snapshot folder}``. Blocks while copying.
    Raises ``ConfigError`` naming the component file when a folder is over
    the snapshot limits.
    """
    snapshots: dict[Path, Path] = {}
    for step in plan.steps:
        code = step.component.code
        if code is None or code in snapshots:
            continue
        target = directory / "code" / f"{len(snapshots)}-{code.name or 'code'}"
        _check_size(step.component, code, jobs_root)
        if code.is_file():
            target.mkdir(parents=True)
            shutil.copy2(code, target / code.name)
        else:
            shutil.copytree(code, target, ignore=_ignore(jobs_root.resolve()), symlinks=True)
        snapshots[code] = target
    return snapshots


def _ignore(jobs_root: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if n in _IGNORED_NAMES
            or n.endswith(_IGNORED_SUFFIXES)
            or (Path(folder) / n).resolve() == jobs_root
        }

    return ignore


def _check_size(component: Component, code: Path, jobs_root: Path) -> None:
    if code.is_file():
        return
    files, size = 0, 0
    for folder, subdirs, names in os.walk(code):
        subdirs[:] = [
            d
            for d in subdirs
            if d not in _IGNORED_NAMES and (Path(folder) / d).resolve() != jobs_root.resolve()
        ]
        for name in names:
            if name.endswith(_IGNORED_SUFFIXES):
                continue
            files += 1
            try:
                size += (Path(folder) / name).stat().st_size
            except OSError:
                continue
        if files > MAX_SNAPSHOT_FILES or size > MAX_SNAPSHOT_BYTES:
            raise ConfigError(
                f"{component.source}: code: {code} holds more than {MAX_SNAPSHOT_FILES} files "
                f"or {MAX_SNAPSHOT_BYTES // 2**20} MB, over Azure ML's snapshot limits",
                source=str(component.source),
                hint="Point code at the folder with the scripts only.",
            )


def _output_path(directory: Path, step: ResolvedStep, output: str) -> Path:
    path = output_dir(directory, step.name, output)
    return path / output if step.component.outputs[output].type == "uri_file" else path


def render_steps(
    plan: PipelinePlan, directory: Path, snapshots: Mapping[Path, Path]
) -> list[PlannedStep]:
    """The plan's steps with their final commands, working folders and output folders. Pure."""
    by_name = {s.name: s for s in plan.steps}
    planned = []
    for step in plan.steps:
        outputs = {o: str(_output_path(directory, step, o)) for o in step.component.outputs}
        values: dict[str, str] = {}
        for name, value in step.values.items():
            if isinstance(value, StepOutput):
                values[name] = str(_output_path(directory, by_name[value.step], value.output))
            elif isinstance(value, DataPath):
                values[name] = value.path
            else:
                values[name] = format_value(value)
        command = render_command(step.component, values, outputs)
        if step.process_count > 1:
            command = torchrun_command(command, step.process_count)
        code = step.component.code
        cwd = snapshots[code] if code is not None else directory / "steps" / step.name / "wd"
        folders = [str(output_dir(directory, step.name, o)) for o in step.component.outputs]
        planned.append(
            PlannedStep(
                name=step.name,
                command=command,
                cwd=str(cwd),
                log_path=str(step_log(directory, step.name)),
                output_dirs=tuple(folders + ([str(cwd)] if code is None else [])),
                env=dict(step.environment_variables),
                timeout_s=step.timeout_s,
            )
        )
    return planned


def job_outputs(plan: PipelinePlan, directory: Path) -> dict[str, str]:
    """Pipeline output name (and ``<step>.<output>``) -> local path. Pure."""
    by_name = {s.name: s for s in plan.steps}
    paths = {
        f"{s.name}.{o}": str(_output_path(directory, s, o))
        for s in plan.steps
        for o in s.component.outputs
    }
    for name, (step, output) in plan.outputs.items():
        paths[name] = str(_output_path(directory, by_name[step], output))
    return paths


def write_plan(directory: Path, steps: list[PlannedStep]) -> None:
    """Write ``plan.json`` (once, before the runner starts)."""
    payload = {"format": 1, "steps": [s.to_json() for s in steps]}
    (directory / PLAN_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
