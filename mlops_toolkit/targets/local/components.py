"""Azure ML command components, read from their YAML files and checked.

The supported subset of Azure ML's ``commandComponent`` schema:

- ``name``, ``version``, ``display_name``, ``description``, ``tags``, ``is_deterministic``;
- ``code``: a folder (or file) relative to the component file; ``../src`` is fine;
- ``environment``: kept, ignored locally (steps run with the toolkit's interpreter);
- ``inputs``: ``type`` one of :data:`~mlops_toolkit.targets.local.input_values.INPUT_TYPES`,
  with ``default``, ``optional``,
  ``min``/``max`` (numbers) and ``enum`` (strings); ``mode`` of data inputs is ignored;
- ``outputs``: ``type`` one of :data:`OUTPUT_TYPES`;
- ``command`` with ``${{inputs.X}}``, ``${{outputs.Y}}`` and ``$[[ ... ]]`` optional segments;
- ``distribution`` (``type: pytorch``, ``process_count_per_instance``) and
  ``resources.instance_count``.

Commands are rendered by :mod:`~mlops_toolkit.targets.local.commands`; here
their placeholders are only checked: any ``${{...}}`` other than a declared
input or output, a broken ``$[[ ]]`` segment, or an optional input used
outside a segment is an error naming it.

Everything here is pure apart from :func:`load_component`, which reads one
file (and checks that ``code`` exists). Errors are ``ConfigError`` naming the
file and the key, every problem of a file at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.targets.local.input_values import (
    DATA_TYPES,
    INPUT_TYPES,
    InputSpec,
    InvalidValue,
    coerce_value,
)

#: Output types: ``uri_file`` gets a file path, the others a folder.
OUTPUT_TYPES = ("uri_folder", "uri_file", "mlflow_model", "custom_model")
DISTRIBUTION_TYPES = ("pytorch", "mpi", "tensorflow", "ray")

_COMPONENT_KEYS = frozenset(
    """
    $schema type name version display_name description tags is_deterministic code
    environment inputs outputs command distribution resources
    """.split()
)
_INPUT_KEYS = frozenset(
    {"type", "default", "optional", "min", "max", "enum", "description", "mode"}
)
_OUTPUT_KEYS = frozenset({"type", "description", "mode"})
#: ``resources`` keys Azure accepts; only ``instance_count`` matters locally.
RESOURCE_KEYS = frozenset(
    {"instance_count", "instance_type", "shm_size", "docker_args", "properties", "locations"}
)
DISTRIBUTION_KEYS = frozenset({"type", "process_count_per_instance"})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PLACEHOLDER = re.compile(r"\$\{\{(.*?)\}\}", re.S)
REFERENCE = re.compile(r"\s*(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\Z")
SEGMENT = re.compile(r"\$\[\[(.*?)\]\]", re.S)


@dataclass(frozen=True)
class OutputSpec:
    """One declared output of a component (or of a pipeline)."""

    name: str
    type: str = "uri_folder"
    description: str = ""


@dataclass(frozen=True)
class Component:
    """A command component as its YAML file declares it."""

    source: Path
    name: str
    version: str
    command: str
    code: Path | None = None
    environment: str | None = None
    display_name: str = ""
    inputs: Mapping[str, InputSpec] = field(default_factory=dict)
    outputs: Mapping[str, OutputSpec] = field(default_factory=dict)
    distribution_type: str | None = None
    process_count_per_instance: int = 1
    instance_count: int = 1


# --------------------------------------------------------------------------- YAML


def load_component(path: str | Path) -> Component:
    """Read and check one command component file.

    Blocks only to read the file. Raises ``NotFoundError`` when the file does
    not exist and ``ConfigError`` (every problem at once, each naming its key)
    when it is not a valid command component of the supported subset.
    """
    source = Path(path)
    if not source.is_file():
        raise NotFoundError(f"{source}: component file not found")
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}", source=str(source)) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a component file must hold a mapping", source=str(source))
    problems: list[str] = []
    component = _parse_component(source, data, problems)
    if problems or component is None:
        raise ConfigError(
            f"{source}: invalid command component ({len(problems)} problem(s))",
            source=str(source),
            problems=problems,
            hint="See the supported subset in mlops_toolkit/targets/local/components.py.",
        )
    return component


def _parse_component(source: Path, data: dict[str, Any], problems: list[str]) -> Component | None:
    for key in sorted(set(data) - _COMPONENT_KEYS, key=str):
        if key == "additional_includes":
            problems.append(f"{key}: not supported by the local runner; put the files in code")
        else:
            problems.append(f"{key}: unknown key")
    if data.get("type", "command") != "command":
        problems.append(f"type: only command components run locally, got {data.get('type')!r}")
    command = data.get("command")
    if not isinstance(command, str) or not command.strip():
        problems.append("command: required, a non-empty string")
        command = ""
    inputs = _parse_inputs(data.get("inputs") or {}, problems)
    outputs = parse_outputs(data.get("outputs") or {}, "outputs", problems)
    code = _parse_code(source, data.get("code"), problems)
    dist_type, per_instance = parse_distribution(data.get("distribution"), "distribution", problems)
    instance_count = parse_resources(data.get("resources"), "resources", problems)
    if command:
        problems.extend(check_command(command, inputs, outputs))
    environment = data.get("environment")
    if problems:
        return None
    return Component(
        source=source,
        name=str(data.get("name") or source.stem),
        version=str(data.get("version", "1")),
        command=command,
        code=code,
        environment=None if environment is None else str(environment),
        display_name=str(data.get("display_name") or ""),
        inputs=inputs,
        outputs=outputs,
        distribution_type=dist_type,
        process_count_per_instance=per_instance or 1,
        instance_count=instance_count or 1,
    )


def _parse_inputs(raw: Any, problems: list[str]) -> dict[str, InputSpec]:
    if not isinstance(raw, dict):
        problems.append("inputs: must be a mapping of input names to declarations")
        return {}
    inputs: dict[str, InputSpec] = {}
    for name, decl in raw.items():
        where = f"inputs.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(f"{where}: input names are letters, digits and _ (letter first)")
            continue
        if not isinstance(decl, dict):
            problems.append(f"{where}: must be a mapping with at least 'type'")
            continue
        for key in sorted(set(decl) - _INPUT_KEYS, key=str):
            problems.append(f"{where}.{key}: unknown key")
        kind = decl.get("type")
        if kind not in INPUT_TYPES:
            problems.append(f"{where}.type: must be one of {', '.join(INPUT_TYPES)}; got {kind!r}")
            continue
        optional = decl.get("optional", False)
        if not isinstance(optional, bool):
            problems.append(f"{where}.optional: must be true or false")
            optional = False
        bounds: dict[str, float | None] = {"min": None, "max": None}
        for key in ("min", "max"):
            if key in decl:
                bound = decl[key]
                if kind not in ("integer", "number"):
                    problems.append(f"{where}.{key}: only integer and number inputs have bounds")
                elif isinstance(bound, bool) or not isinstance(bound, (int, float)):
                    problems.append(f"{where}.{key}: must be a number, got {bound!r}")
                else:
                    bounds[key] = bound
        enum: tuple[str, ...] | None = None
        if "enum" in decl:
            values = decl["enum"]
            if kind != "string":
                problems.append(f"{where}.enum: only string inputs have an enum")
            elif not isinstance(values, list) or not values:
                problems.append(f"{where}.enum: must be a non-empty list")
            else:
                enum = tuple(str(v) for v in values)
        spec = InputSpec(
            name=name,
            type=kind,
            optional=optional,
            min=bounds["min"],
            max=bounds["max"],
            enum=enum,
            description=str(decl.get("description") or ""),
        )
        if decl.get("default") is not None:
            if kind in DATA_TYPES:
                problems.append(f"{where}.default: data inputs take no default locally")
            else:
                try:
                    spec = replace(spec, default=coerce_value(spec, decl["default"]))
                except InvalidValue as exc:
                    problems.append(f"{where}.default: {exc}")
        inputs[name] = spec
    return inputs


def parse_outputs(raw: Any, where: str, problems: list[str]) -> dict[str, OutputSpec]:
    """Output declarations (``{name: {type: ...}}``) of a component or a pipeline. Pure."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping of output names to declarations")
        return {}
    outputs: dict[str, OutputSpec] = {}
    for name, decl in raw.items():
        key_path = f"{where}.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(f"{key_path}: output names are letters, digits and _ (letter first)")
            continue
        decl = decl if decl is not None else {}
        if not isinstance(decl, dict):
            problems.append(f"{key_path}: must be a mapping (e.g. type: uri_folder)")
            continue
        for key in sorted(set(decl) - _OUTPUT_KEYS, key=str):
            problems.append(f"{key_path}.{key}: unknown key")
        kind = decl.get("type", "uri_folder")
        if kind not in OUTPUT_TYPES:
            allowed = ", ".join(OUTPUT_TYPES)
            problems.append(f"{key_path}.type: must be one of {allowed}; got {kind!r}")
            continue
        outputs[name] = OutputSpec(name, kind, str(decl.get("description") or ""))
    return outputs


def _parse_code(source: Path, raw: Any, problems: list[str]) -> Path | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        problems.append("code: must be a path relative to the component file")
        return None
    if raw.startswith("azureml:") or "://" in raw:
        problems.append(f"code: {raw!r} is a remote asset; the local runner needs a local folder")
        return None
    code = (source.parent / raw).resolve()
    if not code.exists():
        problems.append(f"code: {raw!r} does not exist (resolved to {code})")
        return None
    return code


def parse_distribution(raw: Any, where: str, problems: list[str]) -> tuple[str | None, int | None]:
    """``(type, process_count_per_instance)`` of a ``distribution`` mapping (None: absent). Pure."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping (type, process_count_per_instance)")
        return None, None
    for key in sorted(set(raw) - DISTRIBUTION_KEYS, key=str):
        problems.append(f"{where}.{key}: unknown key (supported: type, process_count_per_instance)")
    kind = raw.get("type")
    if kind not in DISTRIBUTION_TYPES:
        allowed = ", ".join(DISTRIBUTION_TYPES)
        problems.append(f"{where}.type: must be one of {allowed}; got {kind!r}")
        kind = None
    count = raw.get("process_count_per_instance")
    if count is not None and not _positive_int(count):
        problems.append(
            f"{where}.process_count_per_instance: must be an integer >= 1, got {count!r}"
        )
        count = None
    return kind, count


def parse_resources(raw: Any, where: str, problems: list[str]) -> int | None:
    """``instance_count`` of a ``resources`` mapping (None: absent). Pure."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping (e.g. instance_count: 1)")
        return None
    for key in sorted(set(raw) - RESOURCE_KEYS, key=str):
        allowed = ", ".join(sorted(RESOURCE_KEYS))
        problems.append(f"{where}.{key}: unknown key (supported: {allowed})")
    count = raw.get("instance_count")
    if count is not None and not _positive_int(count):
        problems.append(f"{where}.instance_count: must be an integer >= 1, got {count!r}")
        return None
    return count


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# --------------------------------------------------------------------------- command templates


def check_command(
    command: str, inputs: Mapping[str, InputSpec], outputs: Mapping[str, OutputSpec]
) -> list[str]:
    """Problems with a command template: unknown ``${{...}}``, broken ``$[[ ]]``. Pure."""
    problems: list[str] = []
    for match in PLACEHOLDER.finditer(command):
        ref = REFERENCE.match(match.group(1))
        if ref is None:
            problems.append(
                f"command: {match.group(0)} is not supported locally "
                "(only ${{inputs.<name>}} and ${{outputs.<name>}})"
            )
        elif ref.group(1) == "inputs" and ref.group(2) not in inputs:
            problems.append(f"command: {match.group(0)} names no declared input")
        elif ref.group(1) == "outputs" and ref.group(2) not in outputs:
            problems.append(f"command: {match.group(0)} names no declared output")
    if any("$[[" in m.group(1) for m in SEGMENT.finditer(command)):
        problems.append("command: $[[ optional segments cannot be nested")
    elif "$[[" in SEGMENT.sub("", command):
        problems.append("command: a $[[ optional segment is not closed with ]]")
    for input_name in _unguarded_optional_inputs(command, inputs):
        problems.append(
            f"command: optional input {input_name!r} is used outside a $[[ ... ]] segment"
        )
    return problems


def references(text: str, kind: str) -> list[str]:
    names = []
    for match in PLACEHOLDER.finditer(text):
        ref = REFERENCE.match(match.group(1))
        if ref is not None and ref.group(1) == kind:
            names.append(ref.group(2))
    return names


def _unguarded_optional_inputs(command: str, inputs: Mapping[str, InputSpec]) -> list[str]:
    outside = SEGMENT.sub("", command)
    return sorted(
        {n for n in references(outside, "inputs") if n in inputs and inputs[n].optional}
        - {n for n, spec in inputs.items() if spec.default is not None}
    )
