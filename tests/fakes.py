"""In-memory fakes of the toolkit's outside-world seams, for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_toolkit.errors import BackendError
from mlops_toolkit.infra.terraform import EventCallback, PlanSummary, ResourceChange


@dataclass
class FakeTerraform:
    """A ``Terraform`` that keeps state in memory: resources are the tfvars' names.

    ``fail_apply`` makes the next apply raise ``BackendError`` after "creating"
    nothing, as a failed Terraform apply would.
    """

    resources: set[str] = field(default_factory=set)
    fail_apply: bool = False
    inits: int = 0
    _planned: dict[Path, tuple[set[str], bool]] = field(default_factory=dict)
    _desired: set[str] = field(default_factory=set)

    def version(self) -> tuple[int, int, int]:
        return (1, 11, 0)

    def init(
        self,
        workdir: Path,
        *,
        backend_config: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
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
        import json

        names = json.loads(var_file.read_text())["names"]
        desired = set() if destroy else {f"resource.{key}" for key in names}
        changes = [ResourceChange(a, ("create",)) for a in sorted(desired - self.resources)]
        changes += [ResourceChange(a, ("delete",)) for a in sorted(self.resources - desired)]
        plan_file.write_text("fake plan")
        self._planned[plan_file] = (desired, destroy)
        return PlanSummary(plan_file=plan_file, changes=tuple(changes), destroy=destroy)

    def apply(
        self, workdir: Path, *, plan_file: Path, on_event: EventCallback | None = None
    ) -> None:
        if self.fail_apply:
            raise BackendError("terraform apply failed (exit code 1):\nquota exceeded")
        self.resources = set(self._planned.pop(plan_file)[0])

    def output(self, workdir: Path) -> dict[str, Any]:
        return {
            "resources": {"value": sorted(self.resources), "sensitive": False},
            "secret": {"value": "s3cr3t", "sensitive": True},
        }
