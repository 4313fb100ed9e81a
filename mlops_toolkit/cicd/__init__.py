"""CI/CD pipelines for a project, generated from its environment configs.

``generate_pipelines`` writes three pipelines for GitHub Actions or Azure
Pipelines (infra, training, release; see ``github`` and ``azure_devops``)
from the project's ``config-infra-<env>.yml`` files: which environments
exist, in which order a model is promoted through them, which need
approval. Generation is pure (``render``); writing keeps files a person
changed (``writer``), so running it again is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlops_toolkit.cicd.context import PipelineContext, load_context
from mlops_toolkit.cicd.writer import WrittenFile, write_files
from mlops_toolkit.errors import UsageError

System = Literal["github", "azure-devops"]
SYSTEMS: tuple[System, ...] = ("github", "azure-devops")
DEFAULT_DIRS: dict[str, str] = {"github": ".github/workflows", "azure-devops": ".azure-pipelines"}


@dataclass(frozen=True)
class GenerateResult:
    """The files ``generate_pipelines`` considered and what it did with each."""

    system: System
    directory: Path
    files: tuple[WrittenFile, ...]
    context: PipelineContext

    @property
    def kept(self) -> tuple[WrittenFile, ...]:
        """Files left as a person changed them (regenerate with ``force`` to replace)."""
        return tuple(f for f in self.files if f.action == "kept")

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.system,
            "directory": str(self.directory),
            "files": [{"path": str(f.path), "action": f.action} for f in self.files],
            "environments": [
                {"name": e.name, "target": e.target, "needs_approval": e.needs_approval}
                for e in self.context.environments
            ],
        }


def render(system: str, context: PipelineContext, directory: str) -> dict[str, str]:
    """File name -> content for ``system``. Pure; ``UsageError`` naming ``system``."""
    if system == "github":
        from mlops_toolkit.cicd import github

        return github.render(context, directory)
    if system == "azure-devops":
        from mlops_toolkit.cicd import azure_devops

        return azure_devops.render(context, directory)
    raise UsageError(f"system: unknown CI system {system!r}; valid systems: {', '.join(SYSTEMS)}")


def generate_pipelines(
    system: str,
    *,
    project_dir: str | Path = ".",
    out_dir: str | Path | None = None,
    force: bool = False,
) -> GenerateResult:
    """Write the three pipelines of ``system`` for the project in ``project_dir``.

    ``out_dir`` (default ``.github/workflows`` or ``.azure-pipelines`` under
    the project, which is taken to be the repository root) receives the
    files. Blocks on the disk; idempotent: unchanged configs change no file,
    and a file a person edited is kept unless ``force``. Raises
    ``UsageError`` for an unknown system or an unwritable ``out_dir``,
    ``ConfigError`` for a bad or missing config (nothing is written then).
    """
    if system not in SYSTEMS:
        raise UsageError(
            f"system: unknown CI system {system!r}; valid systems: {', '.join(SYSTEMS)}"
        )
    project = Path(project_dir)
    context = load_context(project)
    directory = Path(out_dir) if out_dir is not None else project / DEFAULT_DIRS[system]
    try:
        relative = directory.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        relative = DEFAULT_DIRS[system]  # outside the project: name the conventional place
    files = render(system, context, relative)
    origin = f"mlops-toolkit cicd init --system {system}"
    written = write_files(directory, files, origin=origin, force=force)
    return GenerateResult(system, directory, written, context)
