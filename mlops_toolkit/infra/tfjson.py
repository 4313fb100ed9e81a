"""The one parser of Terraform's machine-readable output. Pure functions, no I/O.

* ``parse_version``: ``terraform version -json`` (plain text from very old
  releases is understood too);
* ``parse_plan``: ``terraform show -json PLANFILE`` into a ``PlanSummary``;
* ``parse_outputs``: ``terraform output -json``;
* ``parse_event``: one line of a ``plan``/``apply -json`` stream (or of
  plain text, as ``init`` prints);
* ``DiagnosticCollector``: Terraform's error diagnostics from those events,
  plain-text ``Error:`` blocks included (``init`` names the file it could
  not read there);
* ``clean``: text from Terraform made safe to show (no control characters,
  no terminal escape sequences).

The first three accept exactly what Terraform documents and turn anything
else (not UTF-8, not JSON, a missing key, a wrong type, an unknown action,
an unsupported ``format_version``) into a ``BackendError`` naming the
command: never a ``KeyError`` or a wrong count. ``parse_event`` is
deliberately tolerant: events only drive the progress display, and a line it
does not recognise becomes a plain ``log`` event rather than stopping a
running apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mlops_toolkit.errors import BackendError

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BOX = "│╷╵ "
_LEVELS = ("trace", "debug", "info", "warn", "error")


def clean(text: str, limit: int = 4000) -> str:
    """``text`` without terminal escapes or control characters, cut to ``limit`` characters."""
    text = _CONTROL.sub("", _ESCAPES.sub("", text))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TerraformEvent:
    """One progress event from Terraform (a ``-json`` message or a plain log line).

    ``type`` is Terraform's message type (``apply_start``, ``diagnostic``, ...),
    ``log`` for plain text, or ``interrupt`` for what the toolkit itself does
    to stop Terraform (signals, time limits).
    """

    type: str
    message: str
    level: str = "info"
    address: str | None = None
    action: str | None = None
    elapsed_seconds: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceChange:
    """A planned change to one resource (``actions`` as Terraform reports them)."""

    address: str
    actions: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``create``, ``update``, ``delete``, ``replace``, ``read``, ``forget`` or ``no-op``."""
        if set(self.actions) == {"create", "delete"}:
            return "replace"
        return self.actions[0] if self.actions else "no-op"


@dataclass(frozen=True)
class PlanSummary:
    """What a saved plan would do.

    ``remaining`` is the number of managed resources left once the plan is
    applied (``None`` when unknown, e.g. from a fake).
    """

    plan_file: Path
    changes: tuple[ResourceChange, ...]
    output_changes: tuple[str, ...] = ()
    destroy: bool = False
    remaining: int | None = None

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def to_add(self) -> int:
        return self.count("create") + self.count("replace")

    @property
    def to_change(self) -> int:
        return self.count("update")

    @property
    def to_destroy(self) -> int:
        return self.count("delete") + self.count("replace")

    @property
    def has_changes(self) -> bool:
        return bool(
            self.to_add
            or self.to_change
            or self.to_destroy
            or self.count("forget")
            or self.output_changes
        )

    @property
    def destroys_everything(self) -> bool:
        """Whether applying it deletes resources and leaves none: a destroy, whatever asked."""
        return self.to_destroy > 0 and self.to_add == 0 and self.remaining == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_file": str(self.plan_file),
            "destroy": self.destroy,
            "destroys_everything": self.destroys_everything,
            "add": self.to_add,
            "change": self.to_change,
            "destroy_count": self.to_destroy,
            "resources": [{"address": c.address, "action": c.kind} for c in self.changes],
            "output_changes": list(self.output_changes),
        }


# --------------------------------------------------------------------------- schemas

Action = Literal["no-op", "create", "read", "update", "delete", "forget"]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


_SchemaT = TypeVar("_SchemaT", bound=_Schema)


class _Change(_Schema):
    actions: list[Action]


class _ResourceChange(_Schema):
    address: str
    mode: Literal["managed", "data"] = "managed"
    change: _Change


class _PlannedResource(_Schema):
    address: str
    mode: Literal["managed", "data"] = "managed"


class _Module(_Schema):
    resources: list[_PlannedResource] = []
    child_modules: list[_Module] = []

    def managed(self) -> int:
        own = sum(1 for r in self.resources if r.mode == "managed")
        return own + sum(child.managed() for child in self.child_modules)


class _PlannedValues(_Schema):
    root_module: _Module = _Module()


class _ShownPlan(_Schema):
    format_version: str
    resource_changes: list[_ResourceChange] = []
    output_changes: dict[str, _Change] = {}
    planned_values: _PlannedValues = _PlannedValues()
    errored: bool = False


class _Output(_Schema):
    sensitive: bool
    value: Any


class _Version(_Schema):
    terraform_version: str


# --------------------------------------------------------------------------- parsers


def parse_version(stdout: bytes, command: str = "terraform version") -> tuple[int, int, int]:
    """``(major, minor, patch)`` from ``terraform version -json`` (or its plain text)."""
    text = _text(stdout, command)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        version = _validate(_Version, data, command).terraform_version
    else:
        version = text
    match = re.search(r"v?(\d{1,6})\.(\d{1,6})\.(\d{1,6})", version)
    if not match:
        raise _unreadable(command, f"no version number in {clean(version, 200)!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def parse_plan(
    stdout: bytes, command: str, *, plan_file: Path, destroy: bool = False
) -> PlanSummary:
    """A ``PlanSummary`` from ``terraform show -json PLANFILE``."""
    shown = _validate(_ShownPlan, _json(stdout, command), command)
    if not shown.format_version.startswith("1."):
        raise _unreadable(command, f"unsupported format_version {clean(shown.format_version)!r}")
    if shown.errored:
        raise BackendError(f"{command}: the saved plan is from a plan that failed; plan again")
    changes = tuple(
        ResourceChange(address=clean(item.address, 500), actions=tuple(item.change.actions))
        for item in shown.resource_changes
        if item.change.actions and item.change.actions != ["no-op"]
    )
    output_changes = tuple(
        clean(name, 500)
        for name, change in sorted(shown.output_changes.items())
        if change.actions not in ([], ["no-op"])
    )
    return PlanSummary(
        plan_file=plan_file,
        changes=changes,
        output_changes=output_changes,
        destroy=destroy,
        remaining=shown.planned_values.root_module.managed(),
    )


def parse_outputs(stdout: bytes, command: str = "terraform output -json") -> dict[str, Any]:
    """``{name: {"value": ..., "sensitive": bool}}`` from ``terraform output -json``."""
    data = _json(stdout, command) if stdout.strip() else {}
    if not isinstance(data, dict):
        raise _unreadable(command, f"expected a JSON object, got {type(data).__name__}")
    outputs: dict[str, Any] = {}
    for name, item in data.items():
        if not isinstance(item, dict) or "value" not in item:
            raise _unreadable(command, f"output {clean(name, 100)!r} has no value")
        parsed = _validate(_Output, item, command, where=f"output {clean(name, 100)!r}")
        outputs[name] = {"value": parsed.value, "sensitive": parsed.sensitive}
    return outputs


def parse_event(line: str) -> TerraformEvent | None:
    """One line of Terraform output as an event (``None`` for a blank line). Never raises."""
    text = line.rstrip("\r\n")
    if not text.strip():
        return None
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else None
    except (ValueError, RecursionError):
        raw = None
    message = raw.get("@message") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(message, str):
        level = "error" if text.lstrip(_BOX).startswith("Error:") else "info"
        return TerraformEvent(type="log", message=clean(text), level=level)
    text_message: str = message
    hook = _dict(raw.get("hook"))
    change = _dict(raw.get("change"))
    address = _str(_dict(hook.get("resource")).get("addr")) or _str(
        _dict(change.get("resource")).get("addr")
    )
    diagnostic = raw.get("diagnostic")
    if isinstance(diagnostic, dict):
        summary = _str(diagnostic.get("summary")) or text_message
        detail = _str(diagnostic.get("detail"))
        text_message = f"{summary}: {detail}" if detail else summary
    raw_level = raw.get("@level")
    elapsed = hook.get("elapsed_seconds")
    return TerraformEvent(
        type=_str(raw.get("type")) or "log",
        message=clean(text_message),
        level=raw_level if isinstance(raw_level, str) and raw_level in _LEVELS else "info",
        address=clean(address, 500) if address else None,
        action=_str(hook.get("action")) or _str(change.get("action")),
        elapsed_seconds=float(elapsed)
        if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool)
        else None,
        raw=raw,
    )


class DiagnosticCollector:
    """Keeps Terraform's error diagnostics from a stream of events, for the error message.

    JSON diagnostics give ``summary: detail``; plain text gives the whole
    ``Error:`` block (up to Terraform's closing ``╵``), which is where ``init``
    names a file it could not read.
    """

    MAX_LINES = 40

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._in_block = False

    def feed(self, event: TerraformEvent) -> None:
        if event.type != "log":
            self._in_block = False
            if event.level == "error":
                self._add(event.message)
            return
        text = event.message.rstrip()
        if text.startswith("╵"):
            self._in_block = False
            return
        body = text.lstrip(_BOX)
        if body.startswith("Error:"):
            self._in_block = True
            self._add(body)
        elif self._in_block and body:
            self._add("  " + body)

    def _add(self, text: str) -> None:
        if len(self.lines) < self.MAX_LINES:
            self.lines.append(clean(text, 500))

    def text(self) -> str:
        return "\n".join(self.lines)


# --------------------------------------------------------------------------- helpers


def _text(stdout: bytes, command: str) -> str:
    try:
        return stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(command, f"byte {exc.start} is not UTF-8") from None


def _json(stdout: bytes, command: str) -> Any:
    text = _text(stdout, command)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(
            command, f"not JSON ({clean(str(exc), 200)}): {clean(text[:120], 120)!r}"
        ) from None


def _validate(model: type[_SchemaT], data: Any, command: str, where: str = "") -> _SchemaT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
        prefix = f"{where}: " if where else ""
        raise _unreadable(
            command, f"{prefix}{clean(loc, 200)}: {clean(str(first['msg']), 200)}"
        ) from None


def _unreadable(command: str, problem: str) -> BackendError:
    return BackendError(
        f"{command} printed output the toolkit cannot read: {problem}",
        hint="Check that Terraform is a release the toolkit supports (>= 1.0) and that "
        "nothing else writes to its output (a wrapper script, TF_LOG).",
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
