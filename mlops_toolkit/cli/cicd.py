"""``mlops-toolkit cicd init``: write a project's CI/CD pipelines from its configs."""

from __future__ import annotations

from pathlib import Path

import click

from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_table


@click.group("cicd")
def cicd() -> None:
    """CI/CD pipelines (GitHub Actions, Azure Pipelines) generated from the configs."""


@cicd.command("init")
@click.option("--system", type=click.Choice(["github", "azure-devops"]), required=True,
              help="CI system to write pipelines for.")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the files (default: .github/workflows or .azure-pipelines "
              "under --project-dir).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace files you changed since they were generated.")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Repository root holding config-infra-<env>.yml.")  # fmt: skip
@output_option
def init(
    system: str, out_dir: Path | None, force: bool, project_dir: Path, output_format: str
) -> None:
    """Write three pipelines from the environment configs: infra (plan on pull requests,
    apply on main), training (on model changes, weekly, by hand) and release (swap in
    the first environment, then promote the same version and swap it into each next
    one; approval-needing environments wait for the CI system's approval).

    Keyless: GitHub OIDC / Azure DevOps workload identity federation; no secret is
    written or needed. Running it again changes nothing unless the configs changed;
    a file you edited is kept (and listed) unless --force.

    \b
    Examples:
      mlops-toolkit cicd init --system github
      mlops-toolkit cicd init --system azure-devops --out ci/pipelines
    """
    from mlops_toolkit.cicd import generate_pipelines

    result = generate_pipelines(system, project_dir=project_dir, out_dir=out_dir, force=force)
    if output_format != "table":
        emit(result.as_dict(), output_format, lambda _d: None)
    else:
        print_table(
            f"{system} pipelines in {result.directory}",
            ("file", "action"),
            [(f.path.name, f.action) for f in result.files],
        )
    for kept in result.kept:
        info(f"kept {kept.path}: it was changed after generation (--force replaces it)")
