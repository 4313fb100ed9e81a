"""In-memory fakes of the toolkit's outside-world seams, for tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import BackendError
from mlops_toolkit.infra.terraform import EventCallback, PlanSummary, ResourceChange


def _as_terraform_sees_it(workdir: Path, path: Path) -> Path:
    """Terraform runs inside ``workdir``: a relative path is relative to it."""
    return path if path.is_absolute() else workdir / path


@dataclass
class FakeTerraform:
    """A ``Terraform`` that keeps state in memory: resources are the tfvars' names.

    A module whose ``*.tf`` files declare no ``resource`` block wants no
    resources (its plan deletes everything). Paths are checked the way
    Terraform would see them from the module directory, so a relative path
    that only works from the caller's directory fails here as it would there.
    ``fail_apply`` makes the next apply raise ``BackendError`` after "creating"
    nothing, as a failed Terraform apply would.
    """

    resources: set[str] = field(default_factory=set)
    fail_apply: bool = False
    inits: int = 0
    _planned: dict[Path, tuple[set[str], bool]] = field(default_factory=dict)

    def version(self) -> tuple[int, int, int]:
        return (1, 11, 0)

    def init(
        self,
        workdir: Path,
        *,
        backend_config: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        if (
            backend_config is not None
            and not _as_terraform_sees_it(workdir, backend_config).is_file()
        ):
            raise BackendError(
                f"terraform init failed (exit code 1):\nError: Failed to read file\n"
                f'  The file "{backend_config}" could not be read.'
            )
        self.inits += 1

    def plan(
        self,
        workdir: Path,
        *,
        var_file: Path,
        plan_file: Path,
        destroy: bool = False,
        on_event: EventCallback | None = None,
    ) -> PlanSummary:
        names = json.loads(_as_terraform_sees_it(workdir, var_file).read_text())["names"]
        declares = any("resource" in tf.read_text() for tf in workdir.glob("*.tf"))
        wanted = {f"resource.{key}" for key in names} if declares else set()
        desired = set() if destroy else wanted
        changes = [ResourceChange(a, ("create",)) for a in sorted(desired - self.resources)]
        changes += [ResourceChange(a, ("delete",)) for a in sorted(self.resources - desired)]
        out = _as_terraform_sees_it(workdir, plan_file)
        out.write_text("fake plan")
        self._planned[out.resolve()] = (desired, destroy)
        return PlanSummary(
            plan_file=plan_file,
            changes=tuple(changes),
            destroy=destroy,
            remaining=len(desired),
        )

    def apply(
        self, workdir: Path, *, plan_file: Path, on_event: EventCallback | None = None
    ) -> None:
        if self.fail_apply:
            raise BackendError("terraform apply failed (exit code 1):\nquota exceeded")
        saved = _as_terraform_sees_it(workdir, plan_file).resolve()
        self.resources = set(self._planned.pop(saved)[0])

    def output(self, workdir: Path) -> dict[str, Any]:
        if not self.resources:
            return {}
        return {
            "resources": {"value": sorted(self.resources), "sensitive": False},
            "secret": {"value": "s3cr3t", "sensitive": True},
        }
