"""``mlops-toolkit init``: write starter environment configs into a project."""

from __future__ import annotations

from pathlib import Path

import click

from mlops_toolkit.cli.tables import info


@click.command("init")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory to write config-infra-dev.yml and config-infra-prod.yml into.",
)
@click.option("--force", is_flag=True, help="Overwrite config files that already exist.")
def init(project_dir: Path, force: bool) -> None:
    """Write starter config-infra-dev.yml (target local) and config-infra-prod.yml (target
    azure) into a project. Existing files are kept unless --force.

    \b
    Then:
      mlops-toolkit env show --env dev        check the config and derived names
      mlops-toolkit provision --env dev       create the local workspace
      mlops-toolkit train --env dev           train the reference model
    """
    from mlops_toolkit.starter import write_starter_configs

    for path, written in write_starter_configs(project_dir, force=force):
        info(f"{'wrote' if written else 'kept '}  {path}")
