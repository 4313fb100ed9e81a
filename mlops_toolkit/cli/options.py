"""Options shared by several commands, and config loading for commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mlops_toolkit.config import ENVIRONMENTS, EnvironmentConfig, config_path, load_config

F = TypeVar("F", bound=Callable[..., Any])


def env_options(func: F) -> F:
    """Add ``--env``, ``--config`` and ``--project-dir`` to a command."""
    func = click.option(
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Directory holding config-infra-<env>.yml and .mlops/ state.",
    )(func)
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file to use instead of <project-dir>/config-infra-<env>.yml.",
    )(func)
    func = click.option(
        "--env",
        "env_name",
        type=click.Choice(ENVIRONMENTS),
        required=True,
        help="Environment to act on.",
    )(func)
    return func


def load_env_config(
    env_name: str, config_file: Path | None, project_dir: Path
) -> EnvironmentConfig:
    """Load and validate the config of ``env_name`` (raises ``ConfigError``/``NotFoundError``)."""
    path = config_file or config_path(env_name, project_dir)
    return load_config(path, expected_env=env_name)
