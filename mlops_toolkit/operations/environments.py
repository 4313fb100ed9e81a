"""``client.environments``: provision, plan and destroy an environment.

Two engines, picked from the environment:

* **terraform**: the azure target, or any target when ``module_dir`` names a
  Terraform root module explicitly (e.g. the provider-less rehearsal module).
  Renders inputs, runs ``init``/``plan``/``apply`` through the ``Terraform``
  seam, saves outputs (see ``mlops_toolkit.infra.provision``).
* **local**: the local target's workspace under ``<project>/.mlops/<env>/``
  (MLflow store, job and endpoint state) through the target's
  ``WorkspaceOperations``.

Approval is data (``approval_needed``); when a person must approve, the
caller's ``approve`` callback is asked (the CLI prompts), and without one an
``ApprovalRequired`` names the ``confirm_env``/``auto_approve`` parameter. A
Terraform plan that would delete every resource and create none is treated as
a destroy whatever started it, so it needs the destroy approval.
Nothing here prints; progress goes to ``on_progress`` (lines) and
``on_terraform_event`` (Terraform's machine-readable events).

Terraform runs are bounded and interruptible (``mlops_toolkit.infra.runner``):
``timeout`` (seconds per Terraform command; default ``$MLOPS_TERRAFORM_TIMEOUT``,
else one hour) ends in ``OperationTimeout``; SIGINT/SIGTERM received while
Terraform runs are passed on to it as its graceful shutdown, the environment
lock is held until it has exited, and the signal is then raised again in the
caller (``KeyboardInterrupt`` for Ctrl-C). Signal handlers are installed only
while a Terraform command runs (main thread only) and always put back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mlops_toolkit.errors import ApprovalRequired, ConfigError, NotFoundError, UsageError
from mlops_toolkit.infra.provision import (
    Approval,
    Backend,
    Provisioner,
    approval_needed,
    check_module_dir,
    default_backend,
    load_outputs,
    load_render_record,
    render_inputs,
)
from mlops_toolkit.targets.base import ProgressCallback, WorkspaceChange

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
    from mlops_toolkit.infra.provision import RenderedInputs
    from mlops_toolkit.infra.terraform import EventCallback, PlanSummary, Terraform

Engine = Literal["terraform", "local"]


@dataclass(frozen=True)
class ApprovalRequest:
    """What a person is asked to approve.

    ``kind`` is ``confirm`` (a yes/no question) or ``type-name`` (the
    environment's name must be typed back).
    """

    environment: str
    action: Literal["apply", "destroy"]
    kind: Approval
    summary: str


#: Asked when a person must approve; returns the typed answer (``type-name``:
#: the name typed; ``confirm``: "y" for yes). Anything else is a refusal.
ApproveCallback = Callable[[ApprovalRequest], str]


@dataclass(frozen=True)
class ProvisionResult:
    """What ``provision``, ``plan`` or ``destroy`` did."""

    environment: str
    engine: Engine
    action: Literal["plan", "apply", "destroy"]
    applied: bool
    changes: tuple[WorkspaceChange, ...] = ()
    plan: Mapping[str, Any] | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)
    location: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "engine": self.engine,
            "action": self.action,
            "applied": self.applied,
            "changes": [vars(c) for c in self.changes],
            "plan": dict(self.plan) if self.plan is not None else None,
            "outputs": dict(self.outputs),
            "location": self.location,
        }


class EnvironmentOperations:
    """Provision, plan and destroy one environment. Every method blocks."""

    def __init__(self, client: MLOpsClient) -> None:
        self._client = client

    # ------------------------------------------------------------------ public

    def engine(self, module_dir: str | Path | None = None) -> Engine:
        """Which engine ``provision`` uses (see the module docstring). Pure."""
        if module_dir is not None or self._client.config.target == "azure":
            return "terraform"
        return "local"

    def plan(
        self,
        *,
        destroy: bool = False,
        module_dir: str | Path | None = None,
        backend: Backend | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Show what ``provision`` (or ``destroy``) would change; changes nothing. Blocks."""
        return self._run(
            "destroy" if destroy else "apply",
            plan_only=True,
            module_dir=module_dir,
            backend=backend,
            timeout=timeout,
            auto_approve=False,
            confirm_env=None,
            approve=None,
            on_progress=on_progress,
            on_terraform_event=on_terraform_event,
        )

    def provision(
        self,
        *,
        plan_only: bool = False,
        auto_approve: bool = False,
        confirm_env: str | None = None,
        approve: ApproveCallback | None = None,
        module_dir: str | Path | None = None,
        backend: Backend | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Create the environment or bring it up to date. Blocks; idempotent.

        A run that finds nothing to change still saves the outputs from
        Terraform's state, so outputs lost by an interrupted run come back.
        Raises ``ApprovalRequired`` when approval is needed and neither
        ``confirm_env``/``auto_approve`` nor ``approve`` gives it (a plan that
        deletes everything needs the destroy approval), ``ConfigError`` for a
        bad config or broken local state, ``AuthenticationError`` without Azure
        credentials (azure target), ``ConflictError`` while another run holds
        the environment, ``BackendError`` when Terraform fails and
        ``OperationTimeout`` when a Terraform command runs past ``timeout``.
        """
        if plan_only and (auto_approve or confirm_env):
            raise UsageError("plan_only applies nothing; drop auto_approve/confirm_env")
        return self._run(
            "apply",
            plan_only=plan_only,
            module_dir=module_dir,
            backend=backend,
            timeout=timeout,
            auto_approve=auto_approve,
            confirm_env=confirm_env,
            approve=approve,
            on_progress=on_progress,
            on_terraform_event=on_terraform_event,
        )

    def destroy(
        self,
        *,
        confirm_env: str | None = None,
        approve: ApproveCallback | None = None,
        module_dir: str | Path | None = None,
        backend: Backend | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Delete the environment (stopping what it runs). Blocks; idempotent.

        Always needs approval: ``confirm_env`` equal to the environment, or the
        name typed to ``approve``. Succeeds when there is nothing left to
        delete. Raises as ``provision`` does."""
        return self._run(
            "destroy",
            plan_only=False,
            module_dir=module_dir,
            backend=backend,
            timeout=timeout,
            auto_approve=False,
            confirm_env=confirm_env,
            approve=approve,
            on_progress=on_progress,
            on_terraform_event=on_terraform_event,
        )

    def outputs(
        self,
        *,
        refresh: bool = False,
        module_dir: str | Path | None = None,
        backend: Backend | None = None,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        """The outputs saved by the last Terraform apply (public values; sensitive ones None).

        With ``refresh`` they are read again from Terraform's state
        (``terraform output -json``) and saved, which recovers them after a
        run that died between apply and save, or on a machine with only the
        remote state. ``module_dir`` and ``backend`` default to what the last
        render in this project used, else to what ``provision`` would use.
        Without ``refresh`` nothing blocks but a file read; with it, blocks
        for ``init`` and ``output``. Raises ``NotFoundError`` when there are no
        outputs, ``ConfigError`` for a damaged outputs file, and as
        ``provision`` does when refreshing.
        """
        client = self._client
        if not refresh:
            return load_outputs(client.project_dir, client.config.environment)
        progress = on_progress or (lambda _line: None)
        recorded = load_render_record(client.project_dir, client.config.environment) or {}
        if module_dir is None and recorded.get("module_dir"):
            module_dir = recorded["module_dir"]
        chosen: Backend | None = backend or recorded.get("backend")  # type: ignore[assignment]
        provisioner, inputs = self._provisioner(
            Path(module_dir) if module_dir is not None else None, chosen, timeout, progress
        )
        with provisioner.locked():
            progress(f"Reading the outputs of {client.config.environment} from Terraform's state")
            provisioner.render(inputs)
            provisioner.init(on_event=on_terraform_event)
            record = provisioner.save_outputs(source="refresh")
            if not record["outputs"]:
                provisioner.remove_outputs()
                raise NotFoundError(
                    f"Terraform's state of {client.config.environment!r} has no outputs: the "
                    f"environment is not provisioned (backend {provisioner.backend}, module "
                    f"{provisioner.module_dir})",
                    hint="Pass module_dir=... and backend=... if it was provisioned with others.",
                )
        progress(f"Outputs saved to {provisioner.outputs_file}")
        return record

    # ------------------------------------------------------------------ engines

    def _run(
        self,
        action: Literal["apply", "destroy"],
        *,
        plan_only: bool,
        module_dir: str | Path | None,
        backend: Backend | None,
        timeout: float | None,
        auto_approve: bool,
        confirm_env: str | None,
        approve: ApproveCallback | None,
        on_progress: ProgressCallback | None,
        on_terraform_event: EventCallback | None,
    ) -> ProvisionResult:
        config = self._client.config
        destroy = action == "destroy"
        # Decided before anything runs, so a mismatched confirm_env fails fast.
        needed = approval_needed(
            config.environment, destroy=destroy, auto_approve=auto_approve, confirm_env=confirm_env
        )
        progress = on_progress or (lambda _line: None)
        if self.engine(module_dir) == "local":
            if backend is not None:
                raise UsageError(
                    "backend applies to Terraform only; the local target keeps its "
                    "workspace under .mlops/ (pass module_dir to run a Terraform module)"
                )
            return self._local(action, plan_only, needed, approve, progress)
        return self._terraform(
            action,
            plan_only=plan_only,
            needed=needed,
            auto_approve=auto_approve,
            confirm_env=confirm_env,
            approve=approve,
            module_dir=Path(module_dir) if module_dir is not None else None,
            backend=backend,
            timeout=timeout,
            progress=progress,
            on_terraform_event=on_terraform_event,
        )

    def _local(
        self,
        action: Literal["apply", "destroy"],
        plan_only: bool,
        needed: Approval,
        approve: ApproveCallback | None,
        progress: ProgressCallback,
    ) -> ProvisionResult:
        env = self._client.config.environment
        workspace = self._client.target.workspace
        destroy = action == "destroy"
        changes = workspace.plan(destroy=destroy)
        for line in describe_changes(changes) if changes else ():
            progress(line)
        result = ProvisionResult(env, "local", "plan", False, changes=changes)
        if plan_only or not changes:
            if not changes:
                progress("No changes: the local workspace is up to date.")
            return result
        # Creating a local workspace is harmless; deleting one loses runs and models.
        if destroy:
            summary = f"delete the local workspace of {env} and stop its processes"
            _obtain_approval(needed, env, "destroy", summary, approve)
            workspace.destroy(on_progress=progress)
            return ProvisionResult(env, "local", "destroy", True, changes=changes)
        info = workspace.apply(on_progress=progress)
        return ProvisionResult(env, "local", "apply", True, changes=changes, location=info.location)

    def _provisioner(
        self,
        module_dir: Path | None,
        backend: Backend | None,
        timeout: float | None,
        progress: ProgressCallback,
    ) -> tuple[Provisioner, RenderedInputs]:
        """Check everything that needs no Terraform, then find Terraform. Writes nothing."""
        from mlops_toolkit.auth import require_credentials, terraform_auth_env
        from mlops_toolkit.infra.terraform import TIMEOUT_ENV, resolve_timeout

        client = self._client
        config = client.config
        chosen: Backend = backend or default_backend(config)
        module = module_dir or default_module_dir(client.project_dir)
        check_module_dir(module, client.project_dir)
        environ = dict(client.environ)
        # The limit reaches the runner through its documented variable.
        environ[TIMEOUT_ENV] = repr(resolve_timeout(timeout, environ))
        if config.target == "azure" or chosen == "azurerm":
            if not config.subscription_id:
                raise ConfigError(
                    f"{client.config_source}: subscription_id: required for the azure target; "
                    "set it in the config or export AZURE_SUBSCRIPTION_ID"
                )
        # Inputs (backend settings included) are rendered in memory first: a config
        # problem is reported before credentials are looked up or a file is written.
        inputs = render_inputs(config, client.project_dir, chosen)
        if config.target == "azure" or chosen == "azurerm":
            source = require_credentials(environ)
            environ.update(terraform_auth_env(environ, config.subscription_id))
            progress(f"Azure credentials: {source}")
        terraform: Terraform = client.terraform_factory(environ)
        provisioner = Provisioner(
            config=config,
            terraform=terraform,
            project_dir=client.project_dir,
            module_dir=module,
            backend=chosen,
        )
        return provisioner, inputs

    def _terraform(
        self,
        action: Literal["apply", "destroy"],
        *,
        plan_only: bool,
        needed: Approval,
        auto_approve: bool,
        confirm_env: str | None,
        approve: ApproveCallback | None,
        module_dir: Path | None,
        backend: Backend | None,
        timeout: float | None,
        progress: ProgressCallback,
        on_terraform_event: EventCallback | None,
    ) -> ProvisionResult:
        env = self._client.config.environment
        destroy = action == "destroy"
        provisioner, inputs = self._provisioner(module_dir, backend, timeout, progress)
        outputs: Mapping[str, Any] = {}
        with provisioner.locked():
            progress(f"Rendering inputs for {env} into {provisioner.workdir}")
            provisioner.render(inputs)
            progress(f"terraform init ({provisioner.backend} backend)")
            provisioner.init(on_event=on_terraform_event)
            progress("terraform plan" + (" -destroy" if destroy else ""))
            plan = provisioner.plan(destroy=destroy, on_event=on_terraform_event)
            changes = _changes(plan)
            for line in describe_changes(changes, plan.output_changes):
                progress(line)
            if not plan.has_changes:
                progress("No changes. Infrastructure matches the configuration.")
                if destroy:
                    provisioner.remove_outputs()
                elif not plan_only and plan.remaining != 0:
                    # Recovers outputs a run lost between its apply and saving them.
                    outputs = provisioner.save_outputs(source="refresh")["outputs"]
                    progress(f"Outputs saved to {provisioner.outputs_file}")
            if plan_only or not plan.has_changes:
                return ProvisionResult(
                    env,
                    "terraform",
                    "plan",
                    False,
                    changes=changes,
                    plan=plan.as_dict(),
                    outputs=outputs,
                    location=str(provisioner.workdir),
                )
            summary = (
                f"Plan: {plan.to_add} to add, {plan.to_change} to change, "
                f"{plan.to_destroy} to destroy"
            )
            if not destroy and plan.destroys_everything:
                # Whatever flag started it, a plan that leaves nothing is a destroy.
                action, destroy = "destroy", True
                needed = approval_needed(
                    env, destroy=True, auto_approve=auto_approve, confirm_env=confirm_env
                )
                summary = (
                    f"This plan deletes all {plan.to_destroy} resources of {env} and creates "
                    f"nothing (is module_dir {provisioner.module_dir} the environment's module?)"
                )
                progress(f"Warning: {summary}; it needs the approval of a destroy.")
            _obtain_approval(needed, env, action, summary, approve)
            progress("terraform apply" + (" (destroy)" if destroy else ""))
            record = provisioner.apply(plan, on_event=on_terraform_event)
        if destroy:
            progress(f"Environment {env} destroyed; saved outputs removed.")
        else:
            progress(f"Applied. Outputs saved to {provisioner.outputs_file}")
        return ProvisionResult(
            env,
            "terraform",
            action,
            True,
            changes=changes,
            plan=plan.as_dict(),
            outputs=record.get("outputs", {}),
            location=str(provisioner.workdir),
        )


def default_module_dir(project_dir: Path) -> Path:
    """``<project>/terraform`` when the project has one, else the bundled modules."""
    from mlops_toolkit.resources import bundled_path

    own = project_dir / "terraform"
    return own if own.exists() else bundled_path("terraform")


_SIGN = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<="}


def describe_changes(
    changes: tuple[WorkspaceChange, ...], output_changes: tuple[str, ...] = ()
) -> list[str]:
    """Plain-text plan lines: a summary, then one line per change. Pure."""
    counts = {k: sum(1 for c in changes if c.action == k) for k in ("create", "update", "delete")}
    replaced = sum(1 for c in changes if c.action == "replace")
    summary = (
        f"Plan: {counts['create'] + replaced} to add, {counts['update']} to change, "
        f"{counts['delete'] + replaced} to destroy"
        + (f", {len(output_changes)} output changes" if output_changes else "")
    )
    lines = [summary]
    for change in changes:
        detail = f" ({change.detail})" if change.detail else ""
        lines.append(f"  {_SIGN.get(change.action, '?'):>3} {change.resource}{detail}")
    return lines


def _changes(plan: PlanSummary) -> tuple[WorkspaceChange, ...]:
    return tuple(WorkspaceChange(c.kind, c.address) for c in plan.changes)


def _obtain_approval(
    needed: Approval,
    environment: str,
    action: Literal["apply", "destroy"],
    summary: str,
    approve: ApproveCallback | None,
) -> None:
    """Return when approved; raise ``ApprovalRequired`` naming the parameter otherwise."""
    if needed == "none":
        return
    if approve is None:
        param = f"confirm_env={environment!r}" if needed == "type-name" else "auto_approve=True"
        raise ApprovalRequired(
            f"refusing to {action} environment {environment!r} without approval (nobody to ask)",
            hint=f"Pass {param} to approve non-interactively.",
        )
    answer = approve(ApprovalRequest(environment, action, needed, summary)).strip()
    ok = answer == environment if needed == "type-name" else answer.lower() in ("y", "yes")
    if not ok:
        raise ApprovalRequired(f"{action} of {environment!r} was not approved; nothing changed")


def process_environ() -> dict[str, str]:
    """A copy of this process's environment (the default for clients)."""
    return dict(os.environ)
