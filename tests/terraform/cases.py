"""The configs the plan tests use: the shipped dev and prod configs and edge configs
derived from them, each described by ``mlops-toolkit env show`` and rendered to tfvars."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli
from mlops_toolkit.config import load_config
from mlops_toolkit.infra.tfvars import render_tfvars
from tests.terraform.hcl_model import REPO_ROOT
from tests.terraform.plan_checks import Environment

SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


@dataclass(frozen=True)
class Case:
    """A shipped config, optionally changed: config keys by dotted path, or the tfvars."""

    base: str
    config: dict[str, Any] = field(default_factory=dict)
    tfvars: Callable[[dict[str, Any]], None] | None = None


def _drop_gpu(tfvars: dict[str, Any]) -> None:
    # The config always has a GPU cluster; the root module also takes a CPU-only map.
    del tfvars["compute_clusters"]["gpu"]


CASES = {
    "dev": Case("dev"),
    "prod": Case("prod"),
    "dev-allowed-ips": Case(
        "dev", {"network.allowed_ip_ranges": ["203.0.113.7", "198.51.100.0/28"]}
    ),
    "dev-private-networking": Case("dev", {"network.private_networking": True}),
    "dev-approved-outbound-only": Case(
        "dev", {"network.managed_network": "allow_only_approved_outbound"}
    ),
    "prod-managed-network-disabled": Case("prod", {"network.managed_network": "disabled"}),
    "dev-alerts-off": Case("dev", {"alerts.enabled": False}),
    "dev-no-gpu-cluster": Case("dev", tfvars=_drop_gpu),
}
BOTH_VERSIONS = ("dev", "prod")


def render_case(case: Case, directory: Path) -> tuple[Environment, Path]:
    """Write the case's config, describe it with ``env show``, render its tfvars file."""
    data = yaml.safe_load((REPO_ROOT / f"config-infra-{case.base}.yml").read_text())
    data = copy.deepcopy(data)
    for dotted, value in case.config.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"config-infra-{case.base}.yml").write_text(yaml.safe_dump(data))
    shown = CliRunner().invoke(
        cli,
        ["env", "show", "--env", case.base, "--project-dir", str(directory), "-o", "json"],
        env={"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION},
    )
    assert shown.exit_code == 0, shown.output
    config = load_config(
        directory / f"config-infra-{case.base}.yml",
        environ={"AZURE_SUBSCRIPTION_ID": SUBSCRIPTION},
    )
    tfvars = render_tfvars(config)
    if case.tfvars:
        case.tfvars(tfvars)
    var_file = directory / "terraform.tfvars.json"
    var_file.write_text(json.dumps(tfvars, indent=2))
    return Environment(show=json.loads(shown.output), tfvars=tfvars), var_file
