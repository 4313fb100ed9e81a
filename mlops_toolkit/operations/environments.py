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
``ApprovalRequired`` names the ``confirm_env``/``auto_approve`` parameter.
Nothing here prints; progress goes to ``on_progress`` (lines) and
``on_terraform_event`` (Terraform's machine-readable events).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mlops_toolkit.errors import ApprovalRequired, ConfigError, UsageError
from mlops_toolkit.infra.provision import (
    Approval,
    Backend,
    Provisioner,
    approval_needed,
    default_backend,
    load_outputs,
)
from mlops_toolkit.targets.base import ProgressCallback, WorkspaceChange

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient
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
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Show what ``provision`` (or ``destroy``) would change; changes nothing."""
        return self._run(
            "destroy" if destroy else "apply",
            plan_only=True,
            module_dir=module_dir,
            backend=backend,
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
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Create the environment or bring it up to date. Idempotent.

        Raises ``ApprovalRequired`` when approval is needed and neither
        ``confirm_env``/``auto_approve`` nor ``approve`` gives it,
        ``ConfigError`` for a bad config, ``AuthenticationError`` without Azure
        credentials (azure target), ``BackendError`` when Terraform fails.
        """
        if plan_only and (auto_approve or confirm_env):
            raise UsageError("plan_only applies nothing; drop auto_approve/confirm_env")
        return self._run(
            "apply",
            plan_only=plan_only,
            module_dir=module_dir,
            backend=backend,
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
        on_progress: ProgressCallback | None = None,
        on_terraform_event: EventCallback | None = None,
    ) -> ProvisionResult:
        """Delete the environment (stopping what it runs). Always needs approval:
        ``confirm_env`` equal to the environment, or the name typed to ``approve``.
        Succeeds when there is nothing left to delete."""
        return self._run(
            "destroy",
            plan_only=False,
            module_dir=module_dir,
            backend=backend,
            auto_approve=False,
            confirm_env=confirm_env,
            approve=approve,
            on_progress=on_progress,
            on_terraform_event=on_terraform_event,
        )

    def outputs(self) -> dict[str, Any]:
        """The outputs saved by the last Terraform apply; ``NotFoundError`` if none."""
        return load_outputs(self._client.project_dir, self._client.config.environment)

    # ------------------------------------------------------------------ engines

    def _run(
        self,
        action: Literal["apply", "destroy"],
        *,
        plan_only: bool,
        module_dir: str | Path | None,
        backend: Backend | None,
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
            approve=approve,
            module_dir=Path(module_dir) if module_dir is not None else None,
            backend=backend,
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

    def _terraform(
        self,
        action: Literal["apply", "destroy"],
        *,
        plan_only: bool,
        needed: Approval,
        approve: ApproveCallback | None,
        module_dir: Path | None,
        backend: Backend | None,
        progress: ProgressCallback,
        on_terraform_event: EventCallback | None,
    ) -> ProvisionResult:
        from mlops_toolkit.auth import require_credentials, terraform_auth_env

        client = self._client
        config = client.config
        env = config.environment
        destroy = action == "destroy"
        chosen: Backend = backend or default_backend(config)
        environ = dict(client.environ)
        if config.target == "azure" or chosen == "azurerm":
            if not config.subscription_id:
                raise ConfigError(
                    f"{client.config_source}: subscription_id: required for the azure target; "
                    "set it in the config or export AZURE_SUBSCRIPTION_ID"
                )
            source = require_credentials(environ)
            environ.update(terraform_auth_env(environ, config.subscription_id))
            progress(f"Azure credentials: {source}")
        terraform: Terraform = client.terraform_factory(environ)
        provisioner = Provisioner(
            config=config,
            terraform=terraform,
            project_dir=client.project_dir,
            module_dir=module_dir or default_module_dir(client.project_dir),
            backend=chosen,
        )
        with provisioner.locked():
            progress(f"Rendering inputs for {env} into {provisioner.workdir}")
            provisioner.render()
            progress(f"terraform init ({provisioner.backend} backend)")
            provisioner.init(on_event=on_terraform_event)
            progress("terraform plan" + (" -destroy" if destroy else ""))
            plan = provisioner.plan(destroy=destroy, on_event=on_terraform_event)
            changes = _changes(plan)
            for line in describe_changes(changes, plan.output_changes):
                progress(line)
            result = ProvisionResult(
                env, "terraform", "plan", False, changes=changes, plan=plan.as_dict()
            )
            if not plan.has_changes:
                progress("No changes. Infrastructure matches the configuration.")
            if plan_only or not plan.has_changes:
                return result
            summary = (
                f"Plan: {plan.to_add} to add, {plan.to_change} to change, "
                f"{plan.to_destroy} to destroy"
            )
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
