"""``mlops-toolkit models``: registered model versions, where they serve, and promotion
from one environment to the next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mlops_toolkit.cli.options import client_options, get_client
from mlops_toolkit.cli.render import emit, output_option
from mlops_toolkit.cli.tables import info, print_pairs, print_table
from mlops_toolkit.config import ENVIRONMENTS
from mlops_toolkit.targets.base import ModelVersion


def model_dict(model: ModelVersion, serving: list[str]) -> dict[str, Any]:
    return {
        "ref": model.ref,
        "name": model.name,
        "version": model.version,
        "registry": model.registry,
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
    """One version (NAME:VERSION, NAME@ALIAS or NAME for the latest, or a version in the
    shared registry, azureml://registries/REGISTRY/models/NAME/versions/VERSION): tags,
    metrics, lineage."""
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


@models.command("promote")
@click.argument("model")
@click.option("--from", "source_env", type=click.Choice(ENVIRONMENTS), required=True,
              help="Environment whose registry holds the version (e.g. dev).")  # fmt: skip
@click.option("--to", "dest_env", type=click.Choice(ENVIRONMENTS), required=True,
              help="Environment to copy it into (e.g. prod).")  # fmt: skip
@click.option("--confirm-env", metavar="ENV",
              help="Approve a promotion into prod in CI: must equal --to.")  # fmt: skip
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Directory holding both environments' config-infra-<env>.yml.")  # fmt: skip
@output_option
def promote_model(
    model: str, source_env: str, dest_env: str, confirm_env: str | None, project_dir: Path,
    output_format: str,
) -> None:  # fmt: skip
    """Copy one model version (NAME:VERSION, or NAME@ALIAS resolved now) from one
    environment's registry into another's: the same files, checked by sha256, with
    its lineage (source run, data hash, metrics, tags). Train once, release the
    same artefact everywhere.

    Promoting into prod needs approval, as provisioning does: type 'prod' at the
    prompt, or pass --confirm-env prod in CI; without a terminal a missing approval
    is an error (exit 2). A version promoted before is verified and reported, not
    copied again.

    \b
    Examples:
      mlops-toolkit models promote compliance-nlp:3 --from dev --to prod
      mlops-toolkit models promote compliance-nlp:3 --from dev --to prod --confirm-env prod -o json
    """
    from mlops_toolkit.cli.provision import stdin_is_interactive

    if source_env == dest_env:
        raise click.BadParameter(f"--to {dest_env} is the --from environment", param_hint="--to")
    source = get_client(source_env, None, project_dir, None)
    destination = get_client(dest_env, None, project_dir, None)
    with source, destination:
        result = source.models.promote(
            model, to=destination, confirm_env=confirm_env,
            approve=_prompt_name if stdin_is_interactive() else None, on_progress=info,
        )  # fmt: skip
    data = result.as_dict()
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Promoted {result.source.ref} from {source_env} to {dest_env}",
        [("copy", result.destination.ref), ("new version", "yes" if result.created else
          "no (promoted before; files verified)"), ("files", result.file_count),
         ("bytes", result.total_bytes), ("sha256", result.files_sha256)]
        + [(f"tag {k}", v) for k, v in sorted(result.destination.tags.items())],
    )  # fmt: skip


@models.command("create-registry")
@client_options
@output_option
def create_registry(
    env_name: str, config_file: Path | None, project_dir: Path, target: str | None,
    output_format: str,
) -> None:  # fmt: skip
    """Create the Azure ML registry the environments share (model_registry in the
    config) unless it exists. On the azure target `models promote` copies versions
    into it and every environment deploys them from there. Created through the
    Azure ML SDK (Terraform's azurerm provider has no registry resource); takes a
    few minutes on Azure. Idempotent; run it once, from any environment.

    \b
    Examples:
      mlops-toolkit models create-registry --env dev
    """
    with get_client(env_name, config_file, project_dir, target) as client:
        info(f"Looking for the model registry of {client.environment}")
        data = client.models.create_registry().as_dict()
    if output_format != "table":
        emit(data, output_format, lambda _d: None)
        return
    print_pairs(
        f"Registry {data['name']} {'created' if data['created'] else 'already exists'}",
        [("id", data["id"]), ("location", data["location"])],
    )


def _prompt_name(request: Any) -> str:
    return str(click.prompt(
        f"Type the environment name ({request.environment}) to {request.summary}",
        err=True, default="", show_default=False,
    ))  # fmt: skip
