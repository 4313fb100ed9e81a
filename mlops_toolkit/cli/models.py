"""``mlops-toolkit models``: registered model versions and where they serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import print_pairs, print_table
from mlops_toolkit.targets.base import ModelVersion


def model_dict(model: ModelVersion, serving: list[str]) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "created_at": model.created_at,
        "aliases": list(model.aliases),
        "tags": dict(model.tags),
        "run_id": model.run_id,
        "source": model.source,
        "serving": serving,
    }


def _serving_map(client: Any) -> dict[str, list[str]]:
    served: dict[str, list[str]] = {}
    for slot in client.models.serving():
        share = f"{slot.traffic}%" + (
            f" +{slot.mirror_traffic}% mirror" if slot.mirror_traffic else ""
        )
        served.setdefault(slot.model, []).append(f"{slot.endpoint}/{slot.deployment} ({share})")
    return served


@click.group("models")
def models() -> None:
    """Registered models: versions, metrics, aliases and the slots serving them."""


@models.command("list")
@client_options
@click.option("--name", help="Only this model.")
@output_option
def list_models(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    name: str | None, output_format: str,
) -> None:  # fmt: skip
    """Every registered version, newest first, with aliases and serving slots."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.models.list(name)
        served = _serving_map(client)
    if output_format != "table":
        emit([model_dict(m, served.get(m.ref, [])) for m in found], output_format, lambda _d: None)
        return
    print_table(
        f"Models of {env_name}",
        ("model", "version", "aliases", "test macro-F1", "created", "serving"),
        [
            (m.name, m.version, ", ".join(m.aliases), m.tags.get("test_macro_f1"), m.created_at,
             "; ".join(served.get(m.ref, [])))
            for m in found
        ],
    )  # fmt: skip


@models.command("show")
@click.argument("model")
@client_options
@output_option
def show_model(
    model: str, env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """One version (NAME:VERSION, NAME@ALIAS or NAME for the latest): tags, metrics, lineage."""
    with get_client(env_name, config_file, project_dir, target) as client:
        found = client.models.get(model)
        served = _serving_map(client).get(found.ref, [])
    data = model_dict(found, served)
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Model {found.ref}",
        [("aliases", ", ".join(found.aliases) or None), ("created", found.created_at),
         ("run", found.run_id), ("source", found.source), ("serving", "; ".join(served) or None)]
        + [(f"tag {k}", v) for k, v in sorted(found.tags.items())],
    )  # fmt: skip
