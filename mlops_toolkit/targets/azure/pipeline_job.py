"""Build the Azure ML pipeline job a ``TrainingRequest`` asks for. No network.

The workload's pipeline YAML is loaded with the SDK's own schemas
(``azure.ai.ml.load_job``, which loads every step's component), then:

* overrides (``"<step>.<input>"`` or a pipeline input name) are checked
  against the components' declarations and converted to the declared type
  (command-line values arrive as strings), ``min``/``max``/``enum`` included;
* the champion model's folder is bound to ``champion_input``;
* every step runs on the CPU cluster (the pipeline's default compute) except
  the steps that declare a distribution (training), which run on the GPU
  cluster with PyTorch distribution, ``instance_count`` nodes and
  ``process_count_per_instance`` processes each.

Every problem is collected and reported at once as one ``ConfigError``
naming the pipeline file, before anything is sent to Azure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.base import TrainingRequest

LITERAL_TYPES = ("integer", "number", "boolean", "string")
DATA_TYPES = ("uri_folder", "uri_file", "mlflow_model", "custom_model", "mltable", "triton_model")


@dataclass(frozen=True)
class Computes:
    """Where steps run: ``default`` (CPU cluster) and ``distributed`` (GPU cluster)."""

    default: str
    distributed: str


class _Invalid(ValueError):
    """A value does not fit an input's declaration."""


def coerce(declared: Any, value: Any) -> Any:
    """``value`` converted to ``declared.type`` and checked against min/max/enum. Pure."""
    kind = str(declared.type)
    if kind == "integer":
        if isinstance(value, bool):
            raise _Invalid(f"expected an integer, got {value!r}")
        try:
            result: Any = int(value) if isinstance(value, (int, str)) else None
        except ValueError:
            result = None
        if result is None:
            raise _Invalid(f"expected an integer, got {value!r}")
    elif kind == "number":
        if isinstance(value, bool):
            raise _Invalid(f"expected a number, got {value!r}")
        try:
            result = float(value) if isinstance(value, (int, float, str)) else None
        except ValueError:
            result = None
        if result is None or not math.isfinite(result):
            raise _Invalid(f"expected a finite number, got {value!r}")
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            result = int(value)
    elif kind == "boolean":
        if isinstance(value, bool):
            result = value
        elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
            result = value.strip().lower() == "true"
        else:
            raise _Invalid(f"expected true or false, got {value!r}")
    elif kind == "string":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _Invalid(f"expected a string, got {value!r}")
        result = str(value)
    else:
        raise _Invalid(f"inputs of type {kind} take a path or URI, not a literal")
    low, high = getattr(declared, "min", None), getattr(declared, "max", None)
    if kind in ("integer", "number"):
        if low is not None and result < float(low):
            raise _Invalid(f"must be >= {low}, got {result}")
        if high is not None and result > float(high):
            raise _Invalid(f"must be <= {high}, got {result}")
    enum = getattr(declared, "enum", None)
    if enum and str(result) not in [str(e) for e in enum]:
        raise _Invalid(f"must be one of {', '.join(map(str, enum))}, got {result!r}")
    return result


def load_pipeline(path: Path) -> Any:
    """The SDK's ``PipelineJob`` of ``path``; ``ConfigError`` when it is not one."""
    from azure.ai.ml import load_job

    try:
        job = load_job(source=path)
    except Exception as exc:  # the SDK raises several schema and file errors
        raise ConfigError(f"{path}: not a valid Azure ML pipeline job: {exc}") from exc
    if getattr(job, "type", None) != "pipeline":
        raise ConfigError(f"{path}: expected a pipeline job (type: pipeline), got {job.type!r}")
    return job


def is_distributed(node: Any) -> bool:
    """Whether a step (or its component) declares a distribution: a training step."""
    component = getattr(node, "component", None)
    return bool(getattr(node, "distribution", None) or getattr(component, "distribution", None))


def build_pipeline_job(
    request: TrainingRequest, computes: Computes, champion_path: str | None = None
) -> Any:
    """The ``PipelineJob`` to submit for ``request``. Reads the pipeline and its
    components from disk; sends nothing. ``champion_path`` is the champion model's
    folder (its registry path). Raises ``ConfigError`` listing every problem."""
    from azure.ai.ml import Input, PyTorchDistribution

    source = Path(request.pipeline_file)
    job = load_pipeline(source)
    problems: list[str] = []
    for key, value in request.inputs.items():
        _apply(job, key, value, problems)
    if request.champion:
        if not champion_path:
            problems.append(f"champion: no registry path for {request.champion}")
        else:
            step, _, name = request.champion_input.partition(".")
            node = job.jobs.get(step)
            if node is None or name not in (node.component.inputs or {}):
                problems.append(
                    f"champion_input {request.champion_input!r}: no such step input in the "
                    f"pipeline (steps: {', '.join(job.jobs)})"
                )
            else:
                kind = str(node.component.inputs[name].type)
                setattr(node.inputs, name, Input(type=kind, path=champion_path))
    distributed = [name for name, node in job.jobs.items() if is_distributed(node)]
    for value, parameter in (
        (request.instance_count, "instance_count"),
        (request.process_count_per_instance, "process_count_per_instance"),
    ):
        if value is not None and not distributed:
            problems.append(f"{parameter}: the pipeline has no distributed (training) step")
    _check_required(job, problems)
    if problems:
        raise ConfigError(
            f"{source}: cannot submit this pipeline ({len(problems)} problem(s))",
            source=str(source),
            problems=problems,
        )
    job.settings.default_compute = computes.default
    for name in distributed:
        node = job.jobs[name]
        node.compute = computes.distributed
        current = getattr(node, "distribution", None) or node.component.distribution
        processes = request.process_count_per_instance or getattr(
            current, "process_count_per_instance", None
        )
        node.distribution = PyTorchDistribution(process_count_per_instance=processes or 1)
        resources = dict(getattr(node, "resources", None) or {})
        nodes = request.instance_count or resources.get("instance_count") or 1
        node.resources = {**resources, "instance_count": nodes}
    if request.experiment:
        job.experiment_name = request.experiment
    if request.display_name:
        job.display_name = request.display_name
    return job


def _apply(job: Any, key: str, value: Any, problems: list[str]) -> None:
    from azure.ai.ml import Input

    where = f"inputs[{key!r}]"
    if "." not in key:
        if key not in (job.inputs or {}):
            known = ", ".join(job.inputs or {}) or "none"
            problems.append(
                f"{where}: the pipeline has no input {key!r} (pipeline inputs: {known}); "
                "use <step>.<input> for a step's input"
            )
            return
        setattr(job.inputs, key, value)
        return
    step, _, name = key.partition(".")
    node = job.jobs.get(step)
    if node is None:
        problems.append(f"{where}: no step {step!r} (steps: {', '.join(job.jobs)})")
        return
    declared = (node.component.inputs or {}).get(name)
    if declared is None:
        known = ", ".join(node.component.inputs or {}) or "none"
        problems.append(f"{where}: step {step!r} has no input {name!r} (inputs: {known})")
        return
    kind = str(declared.type)
    if kind in DATA_TYPES:
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: expected a path or URI ({kind}), got {value!r}")
            return
        setattr(node.inputs, name, Input(type=kind, path=value))
        return
    try:
        setattr(node.inputs, name, coerce(declared, value))
    except _Invalid as exc:
        problems.append(f"{where}: {exc}")


def _check_required(job: Any, problems: list[str]) -> None:
    """Every input without a default or binding must be optional (Azure fails late)."""
    for step, node in job.jobs.items():
        bound: Mapping[str, Any] = node.inputs or {}
        for name, declared in (node.component.inputs or {}).items():
            if declared.optional or declared.default is not None:
                continue
            given = bound.get(name)
            data = getattr(given, "_data", given)
            if data is None:
                problems.append(f"{step}.{name}: required input has no value")
