"""A loaded pipeline job bound, checked and ordered: what a local run executes.

:func:`plan_pipeline` applies overrides (``"<step>.<input>"`` or a pipeline
input name; values as Python objects or as strings from a command line,
converted to the declared type with an error naming the key), resolves every
input (literal, pipeline input, default, local data, another step's output),
checks types, ``min``/``max``/``enum``, required inputs and distribution,
builds the graph from the ``${{parent.jobs.J.outputs.O}}`` bindings and orders
it topologically (ties in file order). Every problem is collected into one
``ConfigError`` that names the pipeline file, the step and the key, before
anything runs. Distribution: ``instance_count`` x ``process_count_per_instance``
processes, all on this machine (see :mod:`~mlops_toolkit.targets.local.commands`).

Pure apart from checking that data paths exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.commands import single_python_problem
from mlops_toolkit.targets.local.components import Component
from mlops_toolkit.targets.local.input_values import (
    DATA_TYPES,
    InputSpec,
    InvalidValue,
    coerce_value,
)
from mlops_toolkit.targets.local.pipeline_spec import (
    Binding,
    DataPath,
    Literal,
    ParentInput,
    PipelineInput,
    PipelineSpec,
    StepOutput,
    StepSpec,
    data_path,
)


@dataclass(frozen=True)
class StepDistribution:
    """Distribution overrides for one step (None keeps the file's value)."""

    instance_count: int | None = None
    process_count_per_instance: int | None = None


@dataclass(frozen=True)
class ResolvedStep:
    """A step ready to run: every input coerced or bound, distribution settled."""

    name: str
    component: Component
    #: input name -> coerced value, DataPath or StepOutput; absent optional inputs are missing
    values: Mapping[str, Any]
    upstream: tuple[str, ...]
    outputs: Mapping[str, str | None]
    instance_count: int = 1
    process_count_per_instance: int = 1
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    timeout_s: int | None = None

    @property
    def process_count(self) -> int:
        """Processes the step runs (local "nodes" are extra processes on this machine)."""
        return self.instance_count * self.process_count_per_instance


@dataclass(frozen=True)
class PipelinePlan:
    """A validated pipeline: its steps in the order they run."""

    spec: PipelineSpec
    steps: tuple[ResolvedStep, ...]
    #: pipeline output name -> (step, output) that produces it
    outputs: Mapping[str, tuple[str, str]]


def plan_pipeline(
    spec: PipelineSpec,
    overrides: Mapping[str, Any] | None = None,
    distribution: Mapping[str, StepDistribution] | None = None,
    *,
    cwd: str | Path | None = None,
) -> PipelinePlan:
    """Apply overrides, resolve every input and order the steps.

    ``overrides`` maps ``"<step>.<input>"`` or a pipeline input name to a
    value (strings are converted to the declared type; relative data paths
    are taken from ``cwd``, default the current directory). ``distribution``
    maps step names to :class:`StepDistribution`. Reads nothing but the
    existence of data paths. Raises ``ConfigError`` listing every problem.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    problems: list[str] = []
    pipeline_inputs = dict(spec.inputs)
    step_bindings = {name: dict(step.inputs) for name, step in spec.steps.items()}
    for key, value in (overrides or {}).items():
        _apply_override(spec, key, value, base, pipeline_inputs, step_bindings, problems)
    for step_name in distribution or {}:
        if step_name not in spec.steps:
            problems.append(f"distribution[{step_name!r}]: no such step ({_steps(spec)})")
    resolved: dict[str, ResolvedStep] = {}
    for step in spec.steps.values():
        dist = (distribution or {}).get(step.name, StepDistribution())
        resolved[step.name] = _resolve_step(
            spec, step, step_bindings[step.name], pipeline_inputs, dist, problems
        )
    order = _topological_order(spec, resolved, problems)
    outputs = _pipeline_outputs(spec, problems)
    if problems:
        raise ConfigError(
            f"{spec.source}: cannot run this pipeline ({len(problems)} problem(s))",
            source=str(spec.source),
            problems=problems,
        )
    return PipelinePlan(spec=spec, steps=tuple(resolved[n] for n in order), outputs=outputs)


def _steps(spec: PipelineSpec) -> str:
    return "steps: " + ", ".join(spec.steps)


def _apply_override(
    spec: PipelineSpec,
    key: str,
    value: Any,
    base: Path,
    pipeline_inputs: dict[str, PipelineInput],
    step_bindings: dict[str, dict[str, Binding]],
    problems: list[str],
) -> None:
    where = f"override {key!r}"
    if "." not in key:
        current = pipeline_inputs.get(key)
        if current is None:
            known = ", ".join(pipeline_inputs) or "none"
            problems.append(
                f"{where}: the pipeline has no input {key!r} (pipeline inputs: {known}); "
                "use <step>.<input> for a step's input"
            )
            return
        if current.type in DATA_TYPES:
            data = data_path(base, value, where, problems)
            pipeline_inputs[key] = PipelineInput(key, current.type, data)
            return
        if current.type is not None:
            try:
                value = coerce_value(InputSpec(key, current.type), value)
            except InvalidValue as exc:
                problems.append(f"{where}: {exc}")
                return
        pipeline_inputs[key] = PipelineInput(key, current.type, Literal(value))
        return
    step_name, _, input_name = key.partition(".")
    step = spec.steps.get(step_name)
    if step is None:
        problems.append(f"{where}: no step {step_name!r} ({_steps(spec)})")
        return
    input_spec = step.component.inputs.get(input_name)
    if input_spec is None:
        known = ", ".join(step.component.inputs) or "none"
        problems.append(
            f"{where}: step {step_name!r} has no input {input_name!r} (inputs: {known})"
        )
        return
    if input_spec.is_data:
        data = data_path(base, value, where, problems)
        if data is not None:
            step_bindings[step_name][input_name] = data
        return
    try:
        coerced = coerce_value(input_spec, value)
    except InvalidValue as exc:
        problems.append(f"{where}: {exc}")
        return
    step_bindings[step_name][input_name] = Literal(coerced)


def _resolve_step(
    spec: PipelineSpec,
    step: StepSpec,
    bindings: Mapping[str, Binding],
    pipeline_inputs: Mapping[str, PipelineInput],
    dist: StepDistribution,
    problems: list[str],
) -> ResolvedStep:
    values: dict[str, Any] = {}
    upstream: list[str] = []
    for name, input_spec in step.component.inputs.items():
        key = f"jobs.{step.name}.inputs.{name}"
        binding: Binding | None = bindings.get(name)
        if isinstance(binding, ParentInput):
            parent = pipeline_inputs[binding.name]
            binding = parent.value
            key = f"{key} (from inputs.{parent.name})"
            if isinstance(binding, Literal) and input_spec.is_data:
                binding = data_path(spec.source.parent, binding.value, key, problems)
                if binding is None:
                    continue
        if binding is None:
            if input_spec.default is not None:
                values[name] = input_spec.default
            elif not input_spec.optional:
                problems.append(f"{key}: required input has no value")
            continue
        value = _resolve_binding(spec, step, key, input_spec, binding, problems)
        if value is not None:
            values[name] = value
            if isinstance(value, StepOutput) and value.step not in upstream:
                upstream.append(value.step)
    component = step.component
    instance_count = dist.instance_count or step.instance_count or component.instance_count
    per_instance = (
        dist.process_count_per_instance
        or step.process_count_per_instance
        or component.process_count_per_instance
    )
    for label, count in (
        ("instance_count", dist.instance_count),
        ("process_count_per_instance", dist.process_count_per_instance),
    ):
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            problems.append(f"distribution[{step.name!r}].{label}: must be an integer >= 1")
    dist_type = step.distribution_type or component.distribution_type
    if instance_count * per_instance > 1:
        where = f"jobs.{step.name}"
        if dist_type != "pytorch":
            problems.append(
                f"{where}.distribution.type: {instance_count * per_instance} processes need "
                f"type pytorch locally, got {dist_type!r}"
            )
        reason = single_python_problem(component.command)
        if reason:
            problems.append(f"{where}: cannot run {component.source.name} under torchrun: {reason}")
    return ResolvedStep(
        name=step.name,
        component=component,
        values=values,
        upstream=tuple(upstream),
        outputs=dict(step.outputs),
        instance_count=instance_count,
        process_count_per_instance=per_instance,
        environment_variables=step.environment_variables,
        timeout_s=step.timeout_s,
    )


def _resolve_binding(
    spec: PipelineSpec,
    step: StepSpec,
    key: str,
    input_spec: InputSpec,
    binding: Binding,
    problems: list[str],
) -> Any:
    if isinstance(binding, StepOutput):
        source = spec.steps.get(binding.step)
        if source is None:
            problems.append(f"{key}: no step {binding.step!r} ({_steps(spec)})")
            return None
        if binding.output not in source.component.outputs:
            known = ", ".join(source.component.outputs) or "none"
            problems.append(
                f"{key}: step {binding.step!r} has no output {binding.output!r} (outputs: {known})"
            )
            return None
        if not input_spec.is_data:
            problems.append(
                f"{key}: a step output can only feed a data input, not {input_spec.type}"
            )
            return None
        return binding
    if isinstance(binding, DataPath):
        if not input_spec.is_data:
            problems.append(f"{key}: a data path cannot feed a {input_spec.type} input")
            return None
        path = Path(binding.path)
        if input_spec.type == "uri_file" and not path.is_file():
            problems.append(f"{key}: {path} is not a file")
            return None
        if input_spec.type != "uri_file" and not path.is_dir():
            problems.append(f"{key}: {path} is not a folder")
            return None
        return binding
    assert isinstance(binding, Literal)
    if input_spec.is_data:
        problems.append(f"{key}: expected a path ({input_spec.type}), got {binding.value!r}")
        return None
    try:
        return coerce_value(input_spec, binding.value)
    except InvalidValue as exc:
        problems.append(f"{key}: {exc}")
        return None


def _topological_order(
    spec: PipelineSpec, steps: Mapping[str, ResolvedStep], problems: list[str]
) -> list[str]:
    """Kahn's algorithm, ready steps taken in file order; a cycle is named in ``problems``."""
    names = list(steps)
    waiting = {n: {u for u in steps[n].upstream if u in steps} for n in names}
    order: list[str] = []
    while len(order) < len(names):
        ready = [n for n in names if n not in order and not waiting[n]]
        if not ready:
            problems.append(f"jobs: the steps form a cycle: {' -> '.join(_cycle(waiting))}")
            return order + [n for n in names if n not in order]
        order.append(ready[0])
        for deps in waiting.values():
            deps.discard(ready[0])
    return order


def _cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    start = next(n for n, deps in waiting.items() if deps)
    path = [start]
    while True:
        nxt = sorted(waiting[path[-1]])[0]
        if nxt in path:
            loop = path[path.index(nxt) :] + [nxt]
            return list(reversed(loop))
        path.append(nxt)


def _pipeline_outputs(spec: PipelineSpec, problems: list[str]) -> dict[str, tuple[str, str]]:
    bound: dict[str, tuple[str, str]] = {}
    for step in spec.steps.values():
        for output, target in step.outputs.items():
            if target is None:
                continue
            if target not in spec.outputs:
                problems.append(
                    f"jobs.{step.name}.outputs.{output}: the pipeline has no output {target!r}"
                )
            elif target in bound:
                first = ".".join(bound[target])
                problems.append(
                    f"jobs.{step.name}.outputs.{output}: outputs.{target} is already bound "
                    f"by {first}"
                )
            else:
                bound[target] = (step.name, output)
    for name in spec.outputs:
        if name not in bound:
            problems.append(f"outputs.{name}: no step output is bound to it")
    return bound
