"""Starter environment configs for a new project (``mlops-toolkit init``)."""

from __future__ import annotations

from pathlib import Path

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.resources import bundled_path

STARTERS = ("config-infra-dev.yml", "config-infra-prod.yml")


def write_starter_configs(project_dir: Path, *, force: bool = False) -> list[tuple[Path, bool]]:
    """Copy the shipped dev and prod configs into ``project_dir``.

    Returns ``(path, written)`` per file; an existing file is kept (written
    False) unless ``force``. Idempotent. Raises ``ConfigError`` when the
    directory cannot be created or a target path is not a regular file.
    """
    try:
        project_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"project_dir: cannot create {project_dir}: {exc}") from None
    results = []
    for name in STARTERS:
        path = project_dir / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise ConfigError(f"{path} exists and is not a regular file; move it away")
        if path.exists() and not force:
            results.append((path, False))
            continue
        text = bundled_path(name).read_text(encoding="utf-8")
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        results.append((path, True))
    return results
