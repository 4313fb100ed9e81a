"""The tfvars that ``mlops-toolkit provision`` renders are accepted by the root
module, and dev and prod differ only where their configs say so."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit.config import load_config
from mlops_toolkit.infra.tfvars import render_tfvars
from tests.terraform.conftest import TerraformRunner
from tests.terraform.hcl_model import REPO_ROOT, TERRAFORM_DIR, load_module

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ENVIRONMENTS = ("dev", "prod")
_PY_KIND = {
    "string": (str,),
    "bool": (bool,),
    "number": (int, float),
    "map": (dict,),
    "object": (dict,),
    "list": (list,),
}


def _render(env: str, subscription: str | None = None) -> dict[str, Any]:
    environ = {"AZURE_SUBSCRIPTION_ID": subscription} if subscription else {}
    config = load_config(REPO_ROOT / f"config-infra-{env}.yml", environ=environ)
    return render_tfvars(config)


def _kind_ok(kind: str, value: Any) -> bool:
    if value is None:
        return True
    if kind in ("number", "string") and isinstance(value, bool):
        return False
    return isinstance(value, _PY_KIND.get(kind, (object,)))


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("subscription", [None, SUBSCRIPTION])
def test_rendered_tfvars_match_root_variables(env: str, subscription: str | None) -> None:
    tfvars = _render(env, subscription)
    declared = load_module(TERRAFORM_DIR).variables
    assert set(tfvars) <= set(declared), f"undeclared keys {set(tfvars) - set(declared)}"
    required = {name for name, var in declared.items() if not var.has_default}
    assert required <= set(tfvars), f"required variables missing {required - set(tfvars)}"
    for key, value in tfvars.items():
        assert _kind_ok(declared[key].type, value), f"{key}: {declared[key].type} != {value!r}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_nested_shapes_match(env: str) -> None:
    tfvars = _render(env)
    assert set(tfvars["compute_clusters"]) == {"cpu", "gpu"}
    for cluster in tfvars["compute_clusters"].values():
        assert set(cluster) == {
            "name",
            "vm_size",
            "min_nodes",
            "max_nodes",
            "idle_seconds_before_scaledown",
            "priority",
        }
        assert cluster["priority"] in ("Dedicated", "LowPriority")
    assert set(tfvars["alerts"]) == {
        "enabled",
        "action_group_email",
        "webhook_url",
        "quota_utilization_threshold",
        "failed_runs_threshold",
        "endpoint_latency_ms_threshold",
        "endpoint_error_rate_threshold",
    }
    assert tfvars["managed_network_isolation"] in (
        "Disabled",
        "AllowInternetOutbound",
        "AllowOnlyApprovedOutbound",
    )
    assert set(tfvars["names"]) == {
        "resource_group",
        "storage_account",
        "key_vault",
        "container_registry",
        "log_analytics",
        "application_insights",
        "workspace",
        "action_group",
        "virtual_network",
        "online_endpoint",
    }


def test_dev_and_prod_differ_only_where_intended() -> None:
    dev, prod = _render("dev", SUBSCRIPTION), _render("prod", SUBSCRIPTION)
    for same in ("subscription_id", "location", "namespace", "postfix", "use_unique_suffix"):
        assert dev[same] == prod[same], same
    assert {k: v for k, v in dev["tags"].items() if k != "environment"} == {
        k: v for k, v in prod["tags"].items() if k != "environment"
    }
    # dev: open, cheap, small low-priority GPU; prod: private, isolated, longer retention
    assert dev["public_network_access_enabled"] and not prod["public_network_access_enabled"]
    assert not dev["private_networking_enabled"] and prod["private_networking_enabled"]
    assert prod["managed_network_isolation"] == "AllowOnlyApprovedOutbound"
    assert prod["log_retention_days"] > dev["log_retention_days"]
    assert dev["compute_clusters"]["gpu"]["priority"] == "LowPriority"
    assert prod["compute_clusters"]["gpu"]["priority"] == "Dedicated"
    assert (
        dev["compute_clusters"]["gpu"]["max_nodes"] < prod["compute_clusters"]["gpu"]["max_nodes"]
    )
    for role in ("cpu", "gpu"):
        assert dev["compute_clusters"][role]["min_nodes"] == 0
        assert prod["compute_clusters"][role]["min_nodes"] == 0
    assert set(dev["names"].values()).isdisjoint(prod["names"].values())


def test_variables_file_is_provider_free() -> None:
    """variables.tf references nothing but variables and the shared rules (local.rules,
    read from modules/naming/rules.json), so it can be checked on its own."""
    text = (TERRAFORM_DIR / "variables.tf").read_text()
    assert not re.search(r"\b(module|data)\.[a-z_]|\blocal\.(?!rules\b)|\bazurerm_[a-z]", text)


def _variables_only(tmp_path: Path) -> Path:
    """A copy of the root's variables.tf and the rules it reads: plans offline."""
    work = tmp_path / "root-variables"
    (work / "modules" / "naming").mkdir(parents=True)
    (work / "variables.tf").write_text((TERRAFORM_DIR / "variables.tf").read_text())
    rules = TERRAFORM_DIR / "modules" / "naming" / "rules.json"
    (work / "modules" / "naming" / "rules.json").write_text(rules.read_text())
    return work


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_terraform_accepts_rendered_tfvars(
    env: str, terraform: TerraformRunner, tmp_path: Path
) -> None:
    """Terraform itself type-checks and validates the tfvars against the root variables.

    The root's variables.tf is provider-free, so a copy of it alone plans offline.
    """
    work = _variables_only(tmp_path)
    var_file = tmp_path / f"{env}.tfvars.json"
    var_file.write_text(json.dumps(_render(env, SUBSCRIPTION)))
    terraform("init", "-input=false", "-backend=false", cwd=work)
    terraform("plan", "-input=false", "-lock=false", f"-var-file={var_file}", cwd=work)


def test_terraform_rejects_names_that_break_azure_rules(
    terraform: TerraformRunner, tmp_path: Path
) -> None:
    work = _variables_only(tmp_path)
    tfvars = _render("dev", SUBSCRIPTION)
    tfvars["names"] = {**tfvars["names"], "storage_account": "st-Not-Valid", "key_vault": "kv--x"}
    var_file = tmp_path / "bad.tfvars.json"
    var_file.write_text(json.dumps(tfvars))
    terraform("init", "-input=false", "-backend=false", cwd=work)
    result = terraform(
        "plan", "-input=false", "-lock=false", f"-var-file={var_file}", cwd=work, check=False
    )
    assert result.returncode != 0
    assert "names.storage_account" in result.stderr and "names.key_vault" in result.stderr
