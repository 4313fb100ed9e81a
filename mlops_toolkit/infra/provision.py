"""Provision one environment: render inputs, then init, plan and apply with Terraform.

The provisioner owns a work directory per environment,
``<project>/.mlops/<env>/terraform/`` (directories 0700, files 0600)::

    .lock                   held while a toolkit run works here (released by the OS
                            however that run ends)
    terraform.tfvars.json   rendered from the config (the exact inputs of every plan)
    backend.hcl             partial backend settings for ``init -backend-config``
                            (azurerm: Azure AD auth, no keys; local: the state file)
    render.json             what was rendered (module_dir, backend), for ``refresh_outputs``
    module/                 a copy of the Terraform module (the user's tree stays clean)
                            plus an override file that selects the backend
    plan.tfplan             the last saved plan; apply only ever applies this file
    terraform.tfstate       state, for the ``local`` backend only

After a successful apply the non-sensitive outputs are written to
``<project>/.mlops/<env>/outputs.json`` where later commands find the
workspace; a destroy removes that file. When a run dies between the apply and
that write, any later run (or ``refresh_outputs``) reads them back from
Terraform's state with ``terraform output -json``.

Under ``.mlops/`` no symlink is ever followed, and a file or link where a
directory belongs is a ``ConfigError`` naming it (``mlops_toolkit.safefs``).
Nothing here prompts or prints; approval policy is the pure ``approval_needed``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from mlops_toolkit.config import EnvironmentConfig
from mlops_toolkit.errors import ConfigError, ConflictError, NotFoundError, UsageError
from mlops_toolkit.infra.terraform import EventCallback, PlanSummary, Terraform
from mlops_toolkit.infra.tfvars import backend_config_hcl, render_backend_config, render_tfvars
from mlops_toolkit.safefs import (
    exclusive_lock,
    make_private,
    private_dir,
    read_json,
    refuse_symlinks,
    remove_file,
    remove_tree,
    write_json,
    write_private,
)

Backend = Literal["azurerm", "local"]
BACKENDS: tuple[Backend, ...] = ("azurerm", "local")
Approval = Literal["none", "confirm", "type-name"]
STATE_DIRNAME = ".mlops"
OUTPUTS_FILENAME = "outputs.json"
_BACKEND_OVERRIDE = "zz_mlops_backend_override.tf"
#: Never copied from a module directory: VCS, virtual environments, Terraform's own files.
_SKIPPED = frozenset(
    {".terraform", ".git", ".hg", ".svn", STATE_DIRNAME, ".venv", "venv", "node_modules",
     "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)  # fmt: skip
_SKIPPED_SUFFIXES = (".tfstate", ".tfplan", ".tfstate.backup")
MAX_MODULE_FILES = 5000
MAX_MODULE_BYTES = 200 * 1024 * 1024
_MAX_MODULE_DEPTH = 32


def approval_needed(
    environment: str, *, destroy: bool, auto_approve: bool, confirm_env: str | None
) -> Approval:
    """Decide what approval an apply or destroy needs. Pure.

    * ``confirm_env`` naming this environment approves anything.
    * A destroy otherwise needs the environment name typed at a terminal.
    * A prod apply needs the name typed (``auto_approve`` is not enough).
    * A non-prod apply needs a yes/no confirmation unless ``auto_approve``.

    A plan that would delete every resource is a destroy, whatever asked for
    it: callers decide again with ``destroy=True`` once the plan is known.
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
    """Return the saved outputs of the last apply. Never follows a symlink.

    Raises ``NotFoundError`` if there are none and ``ConfigError`` naming the
    file when it is not what the toolkit writes.
    """
    path = state_dir(project_dir, environment) / OUTPUTS_FILENAME
    what = f"saved outputs of {environment!r}"
    try:
        record = read_json(path, project_dir / STATE_DIRNAME, what=what)
    except ConfigError as exc:
        raise ConfigError(exc.message, hint=_RECOVER_HINT) from None
    except FileNotFoundError:
        raise NotFoundError(
            f"environment {environment!r} has no saved outputs ({path})",
            hint=f"Run `mlops-toolkit provision --env {environment}` first, or recover them "
            "from Terraform's state (refresh=True).",
        ) from None
    problem = _outputs_problem(record, environment)
    if problem:
        raise ConfigError(
            f"{what}: {path} is not an outputs file the toolkit wrote ({problem})",
            hint=_RECOVER_HINT,
        )
    return dict(record)


_RECOVER_HINT = (
    "Recover the outputs from Terraform's state with refresh=True "
    "(or move the file away and provision again)."
)


def _outputs_problem(record: Any, environment: str) -> str | None:
    if not isinstance(record, dict):
        return f"the top level is {type(record).__name__}, not an object"
    if record.get("environment") != environment:
        return f"environment is {str(record.get('environment'))[:40]!r}, not {environment!r}"
    if not isinstance(record.get("outputs"), dict):
        return "outputs is not an object"
    return None


@dataclass(frozen=True)
class RenderedInputs:
    """Everything ``render`` writes, computed before anything is written. Pure data."""

    tfvars: Mapping[str, Any]
    backend: Backend
    backend_settings: Mapping[str, str | bool]


def render_inputs(config: EnvironmentConfig, project_dir: Path, backend: Backend) -> RenderedInputs:
    """Compute every input ``Provisioner.render`` writes, without writing anything. Pure.

    Raises ``ConfigError`` (a missing ``terraform.state``, a state key naming
    another environment) before a single file is written.
    """
    if backend == "azurerm":
        settings: Mapping[str, str | bool] = render_backend_config(config)
    else:
        state = state_dir(project_dir, config.environment) / "terraform" / "terraform.tfstate"
        settings = {"path": os.path.abspath(state)}
    return RenderedInputs(render_tfvars(config), backend, settings)


def check_module_dir(module_dir: Path, project_dir: Path) -> None:
    """Refuse a module directory Terraform cannot run from. Pure but for ``stat`` calls.

    ``ConfigError`` naming ``module_dir`` when it is not a directory, holds no
    ``*.tf`` files, or lies inside the toolkit's state directory (the module
    copy would delete its own source).
    """
    if not module_dir.is_dir():
        raise ConfigError(f"module_dir: {module_dir} is not a directory")
    state_root = os.path.realpath(project_dir / STATE_DIRNAME)
    real = os.path.realpath(module_dir)
    if real == state_root or real.startswith(state_root + os.sep):
        raise ConfigError(
            f"module_dir: {module_dir} is inside the toolkit's state directory "
            f"{project_dir / STATE_DIRNAME}, which holds copies the toolkit replaces",
            hint="Point module_dir at the module's own source, e.g. terraform/.",
        )
    if not any(module_dir.glob("*.tf")) and not any(module_dir.glob("*.tf.json")):
        raise ConfigError(
            f"module_dir: {module_dir} holds no Terraform files (*.tf)",
            hint="Point module_dir at a Terraform root module, e.g. terraform/.",
        )


@dataclass
class Provisioner:
    """Drives Terraform for one environment. Methods block; each step is idempotent."""

    config: EnvironmentConfig
    terraform: Terraform
    project_dir: Path
    module_dir: Path
    backend: Backend = "local"
    workdir: Path = field(init=False)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"backend={self.backend!r}: must be one of {', '.join(BACKENDS)}")
        self.state_root = self.project_dir / STATE_DIRNAME
        self.workdir = state_dir(self.project_dir, self.config.environment) / "terraform"
        self.var_file = self.workdir / "terraform.tfvars.json"
        self.backend_file = self.workdir / "backend.hcl"
        self.render_file = self.workdir / "render.json"
        self.module_copy = self.workdir / "module"
        self.plan_file = self.workdir / "plan.tfplan"
        self.state_file = self.workdir / "terraform.tfstate"
        self.lock_file = self.workdir / ".lock"
        self.outputs_file = self.workdir.parent / OUTPUTS_FILENAME
        check_module_dir(self.module_dir, self.project_dir)

    def prepare(self) -> RenderedInputs:
        """``render_inputs`` of this provisioner's config and backend. Pure."""
        return render_inputs(self.config, self.project_dir, self.backend)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the environment's work-directory lock; ``ConflictError`` if another run has it.

        Terraform locks the state itself; this lock also keeps two toolkit runs
        from rendering over each other's inputs and plan file. It is held until
        the block ends, which is after Terraform has exited even on Ctrl-C or
        SIGTERM (see ``mlops_toolkit.infra.runner``).
        """

        def busy(holder: str) -> ConflictError:
            return ConflictError(
                f"another provision of {self.config.environment!r} is running "
                f"(pid {holder}, lock {self.lock_file})",
                hint="Wait for it to finish; the lock is released when that process exits.",
            )

        with exclusive_lock(self.lock_file, self.state_root, busy=busy):
            yield

    def render(self, inputs: RenderedInputs | None = None) -> None:
        """Write tfvars, backend settings and a fresh copy of the module. Idempotent.

        Every file is written atomically and privately; the module copy is
        built beside the old one and swapped in, keeping Terraform's
        ``.terraform`` directory (provider plugins) across runs.
        """
        inputs = inputs or self.prepare()
        private_dir(self.workdir, self.state_root)
        write_json(self.var_file, dict(inputs.tfvars), self.state_root)
        write_private(
            self.backend_file, backend_config_hcl(dict(inputs.backend_settings)), self.state_root
        )
        self._sync_module(inputs.backend)
        write_json(
            self.render_file,
            {"backend": inputs.backend, "module_dir": os.path.abspath(self.module_dir)},
            self.state_root,
        )
        # Tighten files left by earlier versions; refuse links where Terraform writes.
        for name in (
            "terraform.tfstate",
            "terraform.tfstate.backup",
            ".terraform.tfstate.lock.info",
            "plan.tfplan",
        ):
            make_private(self.workdir / name, self.state_root)

    def init(self, on_event: EventCallback | None = None) -> None:
        """``terraform init`` with the rendered backend settings. Blocks; idempotent."""
        refuse_symlinks(self.backend_file, self.state_root)
        self.terraform.init(
            self.module_copy, backend_config=_absolute(self.backend_file), on_event=on_event
        )

    def plan(self, *, destroy: bool = False, on_event: EventCallback | None = None) -> PlanSummary:
        """A saved plan of the rendered inputs (the old plan file is removed first). Blocks."""
        remove_file(self.plan_file, self.state_root)
        refuse_symlinks(self.var_file, self.state_root)
        return self.terraform.plan(
            self.module_copy,
            var_file=_absolute(self.var_file),
            plan_file=_absolute(self.plan_file),
            destroy=destroy,
            on_event=on_event,
        )

    def apply(self, plan: PlanSummary, on_event: EventCallback | None = None) -> dict[str, Any]:
        """Apply the saved plan; save (apply) or remove (destroy) the outputs file. Blocks.

        A plan that leaves no resource behind counts as a destroy: its
        outputs file is removed, never overwritten with nothing.
        """
        refuse_symlinks(plan.plan_file, self.state_root)
        self.terraform.apply(self.module_copy, plan_file=plan.plan_file, on_event=on_event)
        if plan.destroy or plan.destroys_everything:
            remove_file(self.outputs_file, self.state_root)
            return {}
        return self.save_outputs(source="apply")

    def save_outputs(self, *, source: Literal["apply", "refresh"] = "refresh") -> dict[str, Any]:
        """Read outputs with ``terraform output -json`` and save the public ones. Blocks.

        Idempotent: the file reflects Terraform's state each time. Sensitive
        values are replaced by ``None`` and never written.
        """
        outputs = self.terraform.output(self.module_copy)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        record: dict[str, Any] = {
            "environment": self.config.environment,
            "backend": self.backend,
            "source": source,
            "saved_at": now,
            "outputs": public_outputs(outputs),
        }
        if source == "apply":
            record["applied_at"] = now
        write_json(self.outputs_file, record, self.state_root)
        return record

    def remove_outputs(self) -> None:
        """Delete the saved outputs (the environment is gone). Idempotent."""
        remove_file(self.outputs_file, self.state_root)

    def _sync_module(self, backend: Backend) -> None:
        """Replace the module copy by a fresh one, built beside it and swapped in."""
        refuse_symlinks(self.module_copy, self.state_root)
        for leftover in self.workdir.glob(".module-*"):  # from a run that died mid-swap
            remove_tree(leftover, self.state_root)
        staging = Path(tempfile.mkdtemp(dir=self.workdir, prefix=".module-new-"))
        retired: Path | None = None
        try:
            _copy_module(self.module_dir, staging, Path(os.path.realpath(self.state_root)))
            (staging / _BACKEND_OVERRIDE).write_text(
                f'terraform {{\n  backend "{backend}" {{}}\n}}\n', encoding="utf-8"
            )
            for name in (".terraform", ".terraform.lock.hcl"):
                previous = self.module_copy / name
                if os.path.lexists(previous) and not os.path.lexists(staging / name):
                    refuse_symlinks(previous, self.state_root)
                    os.replace(previous, staging / name)
            if os.path.lexists(self.module_copy):
                retired = Path(tempfile.mkdtemp(dir=self.workdir, prefix=".module-old-"))
                os.replace(self.module_copy, retired / "module")
            os.replace(staging, self.module_copy)
        except OSError as exc:
            raise ConfigError(
                f"{self.module_copy}: cannot replace the module copy: {exc}"
            ) from None
        finally:
            if os.path.lexists(staging):
                remove_tree(staging, self.state_root)
        if retired is not None:
            remove_tree(retired, self.state_root)


def load_render_record(project_dir: Path, environment: str) -> dict[str, str] | None:
    """What the last ``render`` used (``module_dir``, ``backend``), or None if nothing was.

    Never follows a link; raises ``ConfigError`` naming the file when it is damaged.
    """
    root = project_dir / STATE_DIRNAME
    path = state_dir(project_dir, environment) / "terraform" / "render.json"
    try:
        record = read_json(path, root, what=f"render record of {environment!r}")
    except FileNotFoundError:
        return None
    if (
        not isinstance(record, dict)
        or record.get("backend") not in BACKENDS
        or not isinstance(record.get("module_dir"), str)
    ):
        raise ConfigError(
            f"{path} is not a render record the toolkit wrote",
            hint="Delete it and pass module_dir and backend explicitly.",
        )
    return {"backend": record["backend"], "module_dir": record["module_dir"]}


def _absolute(path: Path) -> Path:
    """Terraform runs inside the module copy: every path it is given must be absolute."""
    return Path(os.path.abspath(path))


def public_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Keep output values, replacing sensitive ones by ``None`` (they are never saved)."""
    return {
        name: (None if item.get("sensitive") else item.get("value"))
        for name, item in sorted(outputs.items())
    }


def _copy_module(source: Path, dest: Path, state_root: Path) -> None:
    """Copy a module tree, skipping VCS/Terraform/toolkit directories; bounded in size.

    Symlinks in the user's tree are followed (their targets are copied);
    the toolkit's state directory is never copied, wherever it appears.
    """
    budget = {"files": MAX_MODULE_FILES, "bytes": MAX_MODULE_BYTES}

    def walk(src: Path, dst: Path, depth: int) -> None:
        if depth > _MAX_MODULE_DEPTH:
            raise ConfigError(
                f"module_dir: {src} is nested more than {_MAX_MODULE_DEPTH} levels deep "
                "(a symlink loop?)"
            )
        try:
            entries = sorted(os.scandir(src), key=lambda e: e.name)
        except OSError as exc:
            raise ConfigError(f"module_dir: cannot read {src}: {exc.strerror}") from None
        for entry in entries:
            name = entry.name
            if name in _SKIPPED or name.endswith(_SKIPPED_SUFFIXES) or ".tfstate." in name:
                continue
            path = Path(entry.path)
            real = Path(os.path.realpath(path))
            if real == state_root or state_root in real.parents:
                continue
            try:
                info = os.stat(path)
            except OSError as exc:
                raise ConfigError(f"module_dir: cannot read {path}: {exc.strerror}") from None
            if stat.S_ISDIR(info.st_mode):
                (dst / name).mkdir(mode=0o700)
                walk(path, dst / name, depth + 1)
            elif stat.S_ISREG(info.st_mode):
                budget["files"] -= 1
                budget["bytes"] -= info.st_size
                if budget["files"] < 0 or budget["bytes"] < 0:
                    raise ConfigError(
                        f"module_dir: {source} holds more than {MAX_MODULE_FILES} files or "
                        f"{MAX_MODULE_BYTES // (1024 * 1024)} MiB; is it a Terraform root module?",
                        hint="Point module_dir at the directory with the module's *.tf files.",
                    )
                _copy_file(path, dst / name, info.st_mode)

    walk(source, dest, 0)


def _copy_file(src: Path, dst: Path, mode: int) -> None:
    try:
        data = src.read_bytes()
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700 if mode & 0o111 else 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise ConfigError(f"module_dir: cannot copy {src}: {exc.strerror}") from None
