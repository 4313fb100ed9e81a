"""Provision one environment: render inputs, then init, plan and apply with Terraform.

The provisioner owns a work directory per environment,
``<project>/.mlops/<env>/terraform/``::

    terraform.tfvars.json   rendered from the config (the exact inputs of every plan)
    backend.hcl             partial azurerm backend config (Azure AD auth, no keys)
    module/                 a copy of the Terraform module (the user's tree stays clean)
    plan.tfplan             the last saved plan; apply only ever applies this file
    terraform.tfstate       state, for the ``local`` backend only

After a successful apply the non-sensitive outputs are written to
``<project>/.mlops/<env>/outputs.json`` where later commands find the workspace;
a destroy removes that file.

Nothing here prompts or prints; approval policy is the pure ``approval_needed``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from mlops_toolkit.config import EnvironmentConfig
from mlops_toolkit.errors import ConfigError, ConflictError, NotFoundError, UsageError
from mlops_toolkit.infra.terraform import EventCallback, PlanSummary, Terraform
from mlops_toolkit.infra.tfvars import backend_config_hcl, render_backend_config, render_tfvars

Backend = Literal["azurerm", "local"]
Approval = Literal["none", "confirm", "type-name"]
STATE_DIRNAME = ".mlops"
OUTPUTS_FILENAME = "outputs.json"
_BACKEND_OVERRIDE = "zz_mlops_backend_override.tf"


def approval_needed(
    environment: str, *, destroy: bool, auto_approve: bool, confirm_env: str | None
) -> Approval:
    """Decide what approval an apply or destroy needs. Pure.

    * ``confirm_env`` naming this environment approves anything.
    * A destroy otherwise needs the environment name typed at a terminal.
    * A prod apply needs the name typed (``auto_approve`` is not enough).
    * A non-prod apply needs a yes/no confirmation unless ``auto_approve``.

    Raises ``UsageError`` when ``confirm_env`` names another environment.
    """
    if confirm_env is not None:
        if confirm_env != environment:
            raise UsageError(
                f"confirm_env={confirm_env!r} does not match the environment {environment!r}; "
                f"pass confirm_env={environment!r} to approve"
            )
        return "none"
    if destroy or environment == "prod":
        return "type-name"
    return "none" if auto_approve else "confirm"


def default_backend(config: EnvironmentConfig) -> Backend:
    """azurerm remote state for the azure target; local state for the local target."""
    return "azurerm" if config.target == "azure" else "local"


def state_dir(project_dir: Path, environment: str) -> Path:
    """Where the toolkit keeps an environment's local state."""
    return project_dir / STATE_DIRNAME / environment


def load_outputs(project_dir: Path, environment: str) -> dict[str, Any]:
    """Return the saved outputs of the last apply. Raises ``NotFoundError`` if none."""
    path = state_dir(project_dir, environment) / OUTPUTS_FILENAME
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise NotFoundError(
            f"environment {environment!r} has no saved outputs ({path})",
            hint=f"Run `mlops-toolkit provision --env {environment}` first.",
        ) from None


@dataclass
class Provisioner:
    """Drives Terraform for one environment. Methods block; each step is idempotent."""

    config: EnvironmentConfig
    terraform: Terraform
    project_dir: Path
    module_dir: Path
    backend: Backend = "local"

    def __post_init__(self) -> None:
        self.workdir = state_dir(self.project_dir, self.config.environment) / "terraform"
        self.var_file = self.workdir / "terraform.tfvars.json"
        self.backend_file = self.workdir / "backend.hcl"
        self.module_copy = self.workdir / "module"
        self.plan_file = self.workdir / "plan.tfplan"
        self.outputs_file = self.workdir.parent / OUTPUTS_FILENAME
        if not (self.module_dir / "main.tf").is_file() and not any(self.module_dir.glob("*.tf")):
            raise ConfigError(
                f"module_dir: {self.module_dir} holds no Terraform files (*.tf)",
                hint="Point module_dir at a Terraform root module, e.g. terraform/.",
            )

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the environment's work-directory lock; ``ConflictError`` if another run has it.

        Terraform locks the state itself; this lock also keeps two toolkit runs from
        rendering over each other's inputs and plan file.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.workdir / ".lock", "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise ConflictError(
                    f"another provision of {self.config.environment!r} is running "
                    f"(pid {holder}, lock {self.workdir / '.lock'})",
                    hint="Wait for it to finish; the lock is released when that process exits.",
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def render(self) -> None:
        """Write tfvars, backend config and a fresh copy of the module. Idempotent."""
        tfvars = render_tfvars(self.config)
        backend_settings = render_backend_config(self.config) if self.backend == "azurerm" else None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.var_file.write_text(
            json.dumps(tfvars, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if backend_settings is not None:
            self.backend_file.write_text(backend_config_hcl(backend_settings), encoding="utf-8")
        elif self.backend_file.exists():
            self.backend_file.unlink()
        self._sync_module()
        if self.backend == "local":
            state = (self.workdir / "terraform.tfstate").resolve()
            (self.module_copy / _BACKEND_OVERRIDE).write_text(
                'terraform {\n  backend "local" {\n    path = '
                + json.dumps(str(state))
                + "\n  }\n}\n",
                encoding="utf-8",
            )

    def init(self, on_event: EventCallback | None = None) -> None:
        backend = self.backend_file if self.backend == "azurerm" else None
        self.terraform.init(self.module_copy, backend_config=backend, on_event=on_event)

    def plan(self, *, destroy: bool = False, on_event: EventCallback | None = None) -> PlanSummary:
        return self.terraform.plan(
            self.module_copy,
            var_file=self.var_file.resolve(),
            plan_file=self.plan_file.resolve(),
            destroy=destroy,
            on_event=on_event,
        )

    def apply(self, plan: PlanSummary, on_event: EventCallback | None = None) -> dict[str, Any]:
        """Apply the saved plan; save (apply) or remove (destroy) the outputs file."""
        self.terraform.apply(self.module_copy, plan_file=plan.plan_file, on_event=on_event)
        if plan.destroy:
            self.outputs_file.unlink(missing_ok=True)
            return {}
        outputs = self.terraform.output(self.module_copy)
        record = {
            "environment": self.config.environment,
            "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "backend": self.backend,
            "outputs": public_outputs(outputs),
        }
        self.outputs_file.write_text(
            json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return record

    def _sync_module(self) -> None:
        """Replace the module copy, keeping Terraform's ``.terraform`` plugin directory."""
        self.module_copy.mkdir(parents=True, exist_ok=True)
        for entry in self.module_copy.iterdir():
            if entry.name in (".terraform", ".terraform.lock.hcl"):
                continue
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        ignore = shutil.ignore_patterns(
            ".terraform", "*.tfstate", "*.tfstate.*", "*.tfplan", ".terraform.lock.hcl"
        )
        shutil.copytree(self.module_dir, self.module_copy, ignore=ignore, dirs_exist_ok=True)


def public_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Keep output values, replacing sensitive ones by ``None`` (they are never saved)."""
    return {
        name: (None if item.get("sensitive") else item.get("value"))
        for name, item in sorted(outputs.items())
    }
