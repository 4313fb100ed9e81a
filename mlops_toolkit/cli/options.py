"""Options shared by several commands, and how a command gets its client.

Commands never build library objects themselves: ``get_client`` asks the
factory stored on the click context (``ctx.obj["client_factory"]``), which
tests replace with one that returns a fake client.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mlops_toolkit.config import ENVIRONMENTS, TARGETS, EnvironmentConfig, config_path, load_config

if TYPE_CHECKING:
    from mlops_toolkit.client import MLOpsClient

F = TypeVar("F", bound=Callable[..., Any])
ClientFactory = Callable[..., "MLOpsClient"]


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


def target_option(func: F) -> F:
    """Add ``--target local|azure`` (default: the config's ``target``)."""
    return click.option(
        "--target",
        "target",
        type=click.Choice(TARGETS),
        default=None,
        help="Where to run: local or azure (default: the config's target).",
    )(func)


def client_options(func: F) -> F:
    """``--env``, ``--config``, ``--project-dir`` and ``--target``."""
    return env_options(target_option(func))


def default_client_factory(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None = None
) -> MLOpsClient:
    from mlops_toolkit.client import MLOpsClient

    return MLOpsClient.from_config(
        env_name, project_dir=project_dir, config_file=config_file, target=target
    )


def get_client(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None = None
) -> MLOpsClient:
    """The client of the current command, from the context's factory."""
    ctx = click.get_current_context()
    obj = ctx.find_root().obj or {}
    factory: ClientFactory = obj.get("client_factory", default_client_factory)
    return factory(env_name, config_file, project_dir, target)


def load_env_config(
    env_name: str, config_file: Path | None, project_dir: Path
) -> EnvironmentConfig:
    """Load and validate the config of ``env_name`` (raises ``ConfigError``/``NotFoundError``)."""
    path = config_file or config_path(env_name, project_dir)
    return load_config(path, expected_env=env_name)


def terminal_approver() -> Callable[[Any], str] | None:
    """Ask a person at a terminal to type the environment's name; None without one
    (the library then refuses a change that needs approval)."""
    import sys

    if not sys.stdin.isatty():
        return None

    def prompt(request: Any) -> str:
        return str(click.prompt(
            f"Type the environment name ({request.environment}) to {request.summary}",
            err=True, default="", show_default=False,
        ))  # fmt: skip

    return prompt
