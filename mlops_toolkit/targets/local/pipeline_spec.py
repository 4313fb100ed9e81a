"""Azure ML pipeline jobs, read from their YAML files, bound and ordered for a local run.

The supported subset of Azure ML's ``pipelineJob`` schema:

- ``display_name``, ``experiment_name``, ``description``, ``tags``, ``compute`` (ignored);
- ``settings``: ``default_compute``, ``default_datastore``, ``force_rerun`` (ignored) and
  ``continue_on_step_failure`` (false only: a failed step stops the pipeline);
- ``inputs``: literals (``n: 5``), typed values (``{type: integer, default: 5}``) or
  local data (``{type: uri_folder, path: ./data}``, relative to the pipeline file);
- ``outputs``: ``{name: {type: uri_folder}}``, each bound by one step output;
- ``jobs``: ``type: command`` steps with ``component:`` (a file path relative to the
  pipeline file; ``../`` is fine), ``inputs`` (literals, ``${{parent.inputs.X}}``,
  ``${{parent.jobs.J.outputs.O}}`` or local data), ``outputs`` (``${{parent.outputs.X}}``),
  ``resources.instance_count`` / ``distribution`` overrides, ``environment_variables``
  and ``limits.timeout`` (seconds).

:func:`load_pipeline` reads the pipeline file and its component files and
checks their shape; :mod:`~mlops_toolkit.targets.local.pipeline_plan` applies
overrides, resolves the bindings and orders the steps. Errors are one
``ConfigError`` listing every problem, each naming the step and the key
(``jobs.train.inputs.epochs: ...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.targets.local.components import (
    Component,
    OutputSpec,
    load_component,
    parse_distribution,
    parse_outputs,
    parse_resources,
)
from mlops_toolkit.targets.local.input_values import (
    DATA_TYPES,
    InputSpec,
    InvalidValue,
    coerce_value,
)

_PIPELINE_KEYS = frozenset(
    """
    $schema type name display_name description experiment_name tags properties settings
    inputs outputs jobs compute identity
    """.split()
)
_JOB_KEYS = frozenset(
    """
    type component inputs outputs resources distribution environment_variables limits
    compute display_name description tags properties identity
    """.split()
)
_SETTINGS_KEYS = frozenset(
    {"default_compute", "default_datastore", "force_rerun", "continue_on_step_failure"}
)
_DATA_INPUT_KEYS = frozenset(
    {"type", "path", "mode", "default", "value", "optional", "description"}
)
_PARENT_INPUT = re.compile(r"\$\{\{\s*parent\.inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\Z")
_PARENT_OUTPUT = re.compile(r"\$\{\{\s*parent\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\Z")
_STEP_OUTPUT = re.compile(
    r"\$\{\{\s*parent\.jobs\.([A-Za-z_][A-Za-z0-9_]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\Z"
)
_STEP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PRIMITIVE_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


# --------------------------------------------------------------------------- bindings


@dataclass(frozen=True)
class Literal:
    """A value written in the pipeline file or given as an override (not yet coerced)."""

    value: Any


@dataclass(frozen=True)
class DataPath:
    """A local file or folder (absolute path) bound to a data input."""

    path: str


@dataclass(frozen=True)
class ParentInput:
    """``${{parent.inputs.<name>}}``."""

    name: str


@dataclass(frozen=True)
class StepOutput:
    """``${{parent.jobs.<step>.outputs.<output>}}``."""

    step: str
    output: str


Binding = Literal | DataPath | ParentInput | StepOutput


@dataclass(frozen=True)
class PipelineInput:
    """A pipeline-level input: its type (None: inferred) and value (None: not set)."""

    name: str
    type: str | None
    value: Literal | DataPath | None


@dataclass(frozen=True)
class StepSpec:
    """One ``jobs:`` entry as written (bindings not yet resolved)."""

    name: str
    component: Component
    inputs: Mapping[str, Binding] = field(default_factory=dict)
    #: output name -> the pipeline output it is bound to (None: not bound)
    outputs: Mapping[str, str | None] = field(default_factory=dict)
    instance_count: int | None = None
    process_count_per_instance: int | None = None
    distribution_type: str | None = None
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    timeout_s: int | None = None
    display_name: str = ""


@dataclass(frozen=True)
class PipelineSpec:
    """A pipeline job file with its component files loaded."""

    source: Path
    display_name: str
    experiment_name: str
    description: str = ""
    inputs: Mapping[str, PipelineInput] = field(default_factory=dict)
    outputs: Mapping[str, OutputSpec] = field(default_factory=dict)
    steps: Mapping[str, StepSpec] = field(default_factory=dict)


# --------------------------------------------------------------------------- loading


def load_pipeline(path: str | Path) -> PipelineSpec:
    """Read a pipeline job file and every component file it references.

    Blocks only to read files. Raises ``NotFoundError`` when ``path`` does not
    exist and ``ConfigError`` listing every problem (each naming the step and
    the key; a missing or invalid component file names its path).
    """
    source = Path(path).resolve()
    if not source.is_file():
        raise NotFoundError(f"{path}: pipeline file not found")
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}", source=str(source)) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a pipeline job file must hold a mapping", source=str(source))
    problems: list[str] = []
    spec = _parse_pipeline(source, data, problems)
    if problems:
        raise ConfigError(
            f"{source}: invalid pipeline job ({len(problems)} problem(s))",
            source=str(source),
            problems=problems,
            hint="See the supported subset in mlops_toolkit/targets/local/pipeline_spec.py.",
        )
    return spec


def _parse_pipeline(source: Path, data: dict[str, Any], problems: list[str]) -> PipelineSpec:
    for key in sorted(set(data) - _PIPELINE_KEYS, key=str):
        problems.append(f"{key}: unknown key")
    if data.get("type", "pipeline") != "pipeline":
        problems.append(f"type: must be pipeline, got {data.get('type')!r}")
    _check_settings(data.get("settings"), problems)
    inputs = _parse_pipeline_inputs(source, data.get("inputs") or {}, problems)
    outputs = parse_outputs(data.get("outputs") or {}, "outputs", problems)
    jobs = data.get("jobs")
    steps: dict[str, StepSpec] = {}
    if not isinstance(jobs, dict) or not jobs:
        problems.append("jobs: required, a mapping of step names to steps")
    else:
        for name, job in jobs.items():
            step = _parse_step(source, str(name), job, inputs, problems)
            if step is not None:
                steps[step.name] = step
    name = str(data.get("display_name") or data.get("name") or source.stem)
    return PipelineSpec(
        source=source,
        display_name=name,
        experiment_name=str(data.get("experiment_name") or "Default"),
        description=str(data.get("description") or ""),
        inputs=inputs,
        outputs=outputs,
        steps=steps,
    )


def _check_settings(raw: Any, problems: list[str]) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.append("settings: must be a mapping")
        return
    for key in sorted(set(raw) - _SETTINGS_KEYS, key=str):
        problems.append(f"settings.{key}: not supported by the local runner")
    if raw.get("continue_on_step_failure") not in (None, False):
        problems.append(
            "settings.continue_on_step_failure: only false is supported locally "
            "(a failed step stops the pipeline)"
        )


def data_path(base: Path, raw: Any, where: str, problems: list[str]) -> DataPath | None:
    if not isinstance(raw, str) or not raw.strip():
        problems.append(f"{where}: a data path must be a non-empty string, got {raw!r}")
        return None
    if raw.startswith("azureml:") or "://" in raw:
        problems.append(
            f"{where}: {raw!r} is a remote asset; the local runner needs a local path "
            "(download it first)"
        )
        return None
    return DataPath(str((base / raw).resolve()))


def _parse_pipeline_inputs(source: Path, raw: Any, problems: list[str]) -> dict[str, PipelineInput]:
    if not isinstance(raw, dict):
        problems.append("inputs: must be a mapping of input names to values")
        return {}
    inputs: dict[str, PipelineInput] = {}
    for name, decl in raw.items():
        where = f"inputs.{name}"
        if not isinstance(decl, dict):
            kind = _PRIMITIVE_TYPES.get(type(decl)) if decl is not None else None
            if decl is not None and kind is None:
                problems.append(f"{where}: must be a number, string, boolean or mapping")
            inputs[name] = PipelineInput(name, kind, None if decl is None else Literal(decl))
            continue
        for key in sorted(set(decl) - _DATA_INPUT_KEYS, key=str):
            problems.append(f"{where}.{key}: unknown key")
        kind = decl.get("type")
        if "path" in decl:
            kind = kind or "uri_folder"
            if kind not in DATA_TYPES:
                problems.append(f"{where}.type: a path needs a data type, got {kind!r}")
            inputs[name] = PipelineInput(
                name, kind, data_path(source.parent, decl["path"], f"{where}.path", problems)
            )
            continue
        raw_value = decl.get("value", decl.get("default"))
        if kind is not None and kind not in _PRIMITIVE_TYPES.values():
            problems.append(f"{where}.type: must be integer, number, string or boolean here")
            kind = None
        value: Literal | None = None
        if raw_value is not None:
            value = Literal(raw_value)
            if kind is not None:
                try:
                    value = Literal(coerce_value(InputSpec(name, kind), raw_value))
                except InvalidValue as exc:
                    problems.append(f"{where}: {exc}")
        inputs[name] = PipelineInput(name, kind, value)
    return inputs


def _parse_step(
    source: Path,
    name: str,
    job: Any,
    pipeline_inputs: Mapping[str, PipelineInput],
    problems: list[str],
) -> StepSpec | None:
    where = f"jobs.{name}"
    if not _STEP_NAME.match(name):
        problems.append(f"{where}: step names are letters, digits and _ (letter first)")
        return None
    if not isinstance(job, dict):
        problems.append(f"{where}: must be a mapping with type and component")
        return None
    for key in sorted(set(job) - _JOB_KEYS, key=str):
        if key in ("command", "code", "environment"):
            problems.append(f"{where}.{key}: inline command jobs are not supported; use component:")
        else:
            problems.append(f"{where}.{key}: unknown key")
    if job.get("type", "command") != "command":
        problems.append(f"{where}.type: only command steps run locally, got {job.get('type')!r}")
    component = _load_step_component(source, where, job.get("component"), problems)
    if component is None:
        return None
    inputs = _parse_step_inputs(
        source, where, job.get("inputs") or {}, component, pipeline_inputs, problems
    )
    outputs = _parse_step_outputs(where, job.get("outputs") or {}, component, problems)
    dist_type, per_instance = parse_distribution(
        job.get("distribution"), f"{where}.distribution", problems
    )
    instance_count = parse_resources(job.get("resources"), f"{where}.resources", problems)
    env = job.get("environment_variables") or {}
    if not isinstance(env, dict) or any(
        isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in env.values()
    ):
        problems.append(f"{where}.environment_variables: must map names to strings")
        env = {}
    timeout = _parse_limits(job.get("limits"), f"{where}.limits", problems)
    return StepSpec(
        name=name,
        component=component,
        inputs=inputs,
        outputs=outputs,
        instance_count=instance_count,
        process_count_per_instance=per_instance,
        distribution_type=dist_type,
        environment_variables={str(k): str(v) for k, v in env.items()},
        timeout_s=timeout,
        display_name=str(job.get("display_name") or ""),
    )


def _load_step_component(
    source: Path, where: str, raw: Any, problems: list[str]
) -> Component | None:
    if isinstance(raw, dict):
        problems.append(f"{where}.component: inline components are not supported; use a file path")
        return None
    if not isinstance(raw, str) or not raw.strip():
        problems.append(f"{where}.component: required, a path to a component YAML file")
        return None
    if raw.startswith("azureml:") or "://" in raw:
        problems.append(f"{where}.component: {raw!r} is a registered component; use a local file")
        return None
    path = (source.parent / raw.removeprefix("file:")).resolve()
    if not path.is_file():
        problems.append(f"{where}.component: {raw} not found (resolved to {path})")
        return None
    try:
        return load_component(path)
    except ConfigError as exc:
        detail = exc.problems or [exc.message]
        problems.extend(f"{where}.component ({raw}): {p}" for p in detail)
        return None


def _parse_step_inputs(
    source: Path,
    where: str,
    raw: Any,
    component: Component,
    pipeline_inputs: Mapping[str, PipelineInput],
    problems: list[str],
) -> dict[str, Binding]:
    if not isinstance(raw, dict):
        problems.append(f"{where}.inputs: must be a mapping")
        return {}
    bindings: dict[str, Binding] = {}
    for name, value in raw.items():
        key = f"{where}.inputs.{name}"
        spec = component.inputs.get(name)
        if spec is None:
            known = ", ".join(component.inputs) or "none"
            problems.append(
                f"{key}: {component.source.name} has no input {name!r} (inputs: {known})"
            )
            continue
        binding = _parse_binding(source, key, value, spec, problems)
        if isinstance(binding, ParentInput) and binding.name not in pipeline_inputs:
            problems.append(f"{key}: the pipeline has no input {binding.name!r}")
            continue
        if binding is not None:
            bindings[name] = binding
    return bindings


def _parse_binding(
    source: Path, key: str, value: Any, spec: InputSpec, problems: list[str]
) -> Binding | None:
    if isinstance(value, str) and "${{" in value:
        parent = _PARENT_INPUT.match(value.strip())
        if parent:
            return ParentInput(parent.group(1))
        step = _STEP_OUTPUT.match(value.strip())
        if step:
            return StepOutput(step.group(1), step.group(2))
        problems.append(
            f"{key}: {value!r} is not supported (use ${{{{parent.inputs.X}}}} or "
            "${{parent.jobs.J.outputs.O}} as the whole value)"
        )
        return None
    if isinstance(value, dict):
        if "path" not in value or set(value) - {"type", "path", "mode"}:
            problems.append(f"{key}: a mapping input must be {{type, path}} of local data")
            return None
        return data_path(source.parent, value["path"], f"{key}.path", problems)
    if spec.is_data:
        return data_path(source.parent, value, key, problems)
    return Literal(value)


def _parse_step_outputs(
    where: str, raw: Any, component: Component, problems: list[str]
) -> dict[str, str | None]:
    if not isinstance(raw, dict):
        problems.append(f"{where}.outputs: must be a mapping")
        return {}
    bound: dict[str, str | None] = {}
    for name, value in raw.items():
        key = f"{where}.outputs.{name}"
        if name not in component.outputs:
            known = ", ".join(component.outputs) or "none"
            problems.append(
                f"{key}: {component.source.name} has no output {name!r} (outputs: {known})"
            )
            continue
        if value is None or (isinstance(value, dict) and not set(value) - {"type", "mode"}):
            bound[name] = None
            continue
        match = _PARENT_OUTPUT.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            problems.append(f"{key}: must be ${{{{parent.outputs.<name>}}}}, got {value!r}")
            continue
        bound[name] = match.group(1)
    return bound


def _parse_limits(raw: Any, where: str, problems: list[str]) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"timeout"}:
        problems.append(f"{where}: only limits.timeout (seconds) is supported")
        return None
    timeout = raw.get("timeout")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        problems.append(f"{where}.timeout: must be a whole number of seconds >= 1, got {timeout!r}")
        return None
    return timeout
