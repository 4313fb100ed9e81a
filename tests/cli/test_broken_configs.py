"""A corpus of broken configs: each exits 2, names the key, and never reaches Terraform."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from mlops_toolkit.cli.main import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((REPO_ROOT / "config-infra-dev.yml").read_text())
PROD = yaml.safe_load((REPO_ROOT / "config-infra-prod.yml").read_text())

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value

    return apply


def _drop(path: str) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]

    return apply


# (case id, base config, mutation, text that must appear in the error)
MUTATED: list[tuple[str, dict[str, Any], Mutation, str]] = [
    ("postfix-too-long", DEV, _set("postfix", "00001"), "postfix: must be 1-4 digits, got '00001'"),
    ("postfix-not-quoted", DEV, _set("postfix", 1), "postfix: must be a string"),
    ("namespace-uppercase", DEV, _set("namespace", "MLOps"), "namespace: must be 2-8 lowercase"),
    ("namespace-too-long", DEV, _set("namespace", "averylongns"), "namespace: must be 2-8"),
    ("unknown-top-level-key", DEV, _set("namepsace", "x"), "namepsace: unknown key"),
    ("unknown-nested-key", DEV, _set("compute.cpu.vmsize", "x"), "compute.cpu.vmsize: unknown key"),
    ("missing-location", DEV, _drop("location"), "location: required key is missing"),
    ("missing-compute", DEV, _drop("compute"), "compute: required key is missing"),
    ("missing-gpu-cluster", DEV, _drop("compute.gpu"), "compute.gpu: required key is missing"),
    ("unknown-environment", DEV, _set("environment", "staging"), "environment: must be one of"),
    ("unknown-target", DEV, _set("target", "aws"), "target: must be one of"),
    ("region-with-space", DEV, _set("location", "West Europe"), "did you mean 'westeurope'"),
    ("subscription-not-guid", DEV, _set("subscription_id", "my-sub"), "subscription_id: must be"),
    ("negative-min-nodes", DEV, _set("compute.cpu.min_nodes", -1), "compute.cpu.min_nodes"),
    ("max-nodes-as-text", DEV, _set("compute.gpu.max_nodes", "two"), "compute.gpu.max_nodes"),
    ("min-above-max", DEV, _set("compute.cpu.min_nodes", 9), "compute.cpu: min_nodes (9)"),
    ("compute-name-digit", DEV, _set("compute.cpu.name", "9cluster"), "compute.cpu.name: must be"),
    ("compute-name-long", DEV, _set("compute.gpu.name", "gpu-cluster-xl-01"), "compute.gpu.name"),
    ("cluster-names-equal", DEV, _set("compute.gpu.name", "cpu-cluster"), "compute: cpu.name"),
    ("priority-spot", DEV, _set("compute.gpu.priority", "spot"), "compute.gpu.priority"),
    ("vm-size-short", DEV, _set("compute.cpu.vm_size", "DS3_v2"), "compute.cpu.vm_size"),
    ("idle-too-short", DEV, _set("compute.cpu.idle_seconds_before_scaledown", 10), "idle_seconds"),
    ("bool-as-text", DEV, _set("network.public_network_access", "yes please"), "network.public"),
    ("cidr-invalid", DEV, _set("network.vnet_address_space", "10.0.0.0/33"), "vnet_address_space"),
    ("cidr-public", DEV, _set("network.vnet_address_space", "8.8.0.0/16"), "private address"),
    ("managed-network", DEV, _set("network.managed_network", "open"), "network.managed_network"),
    ("email-invalid", DEV, _set("alerts.action_group_email", "nobody"), "action_group_email"),
    ("quota-over-100", DEV, _set("alerts.quota_utilization_threshold", 150), "quota_utilization"),
    ("retention-too-short", DEV, _set("monitoring.log_retention_days", 7), "log_retention_days"),
    ("tags-not-mapping", DEV, _set("tags", ["a", "b"]), "tags:"),
    ("tag-value-number", DEV, _set("tags.owner", 42), "tags.owner"),
    (
        "state-account-upper",
        PROD,
        _set("terraform.state.storage_account", "St-State"),
        "terraform.state.storage_account",
    ),
    ("state-key-suffix", PROD, _set("terraform.state.key", "state.json"), "terraform.state.key"),
    ("prod-without-state", PROD, _drop("terraform.state"), "terraform.state: required for prod"),
    ("suffix-flag-text", DEV, _set("naming.unique_suffix", "true"), "naming.unique_suffix"),
]


def _with(key: str, line: str, base: dict[str, Any] = DEV) -> str:
    """The config without top-level ``key``, plus a hand-written YAML ``line``."""
    rest = {k: v for k, v in base.items() if k != key}
    return yaml.safe_dump(rest) + line + "\n"


_BOMB = "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 10) + "]\n" for i in range(9)
)

# (case id, env, raw file text, text that must appear in the error)
RAW: list[tuple[str, str, str, str]] = [
    # YAML that parses but is not plain data, and resource bombs: refused by the loader.
    ("date-stays-text", "dev", _with("postfix", "postfix: 2023-02-30"), "postfix: must be 1-4"),
    ("timestamp-tag", "dev", _with("postfix", "postfix: !!timestamp 2023-02-30"), "!!timestamp"),
    ("int-tag-on-text", "dev", _with("postfix", "postfix: !!int abc"), "postfix: 'abc' is not"),
    ("huge-integer", "dev", _with("postfix", "postfix: " + "7" * 5000), "postfix: refused"),
    ("list-as-key", "dev", _with("tags", "tags:\n  ? [a, b]\n  : x"), "tags: a list cannot"),
    ("map-as-key", "dev", _with("tags", "tags:\n  ? {a: 1}\n  : x"), "tags: a mapping cannot"),
    ("python-tag", "dev", _with("target", "target: !!python/name:os.system"), "target: tag"),
    ("alias-bomb", "dev", _with("tags", _BOMB.rstrip()), "refused: more than 100000 values"),
    ("recursive-alias", "dev", _with("tags", "tags: &t {a: *t}"), "tags.a: refused: an alias"),
    ("not-utf8", "dev", "namespace: caf\udce9\n", "not UTF-8 text"),
    ("bad-yaml", "dev", "namespace: [unclosed\npostfix: '1'\n", "not valid YAML at line"),
    ("empty-file", "dev", "", "the file is empty"),
    ("comments-only", "dev", "# nothing here\n", "the file is empty"),
    ("top-level-list", "dev", "- namespace\n- postfix\n", "top level must be a mapping"),
    ("tab-indentation", "dev", "compute:\n\tcpu: 1\n", "not valid YAML"),
    ("duplicate-key", "dev", yaml.safe_dump(DEV) + "postfix: '0002'\n", "duplicate key 'postfix'"),
    (
        "wrong-environment",
        "dev",
        yaml.safe_dump({**DEV, "environment": "prod"}),
        "environment: must be 'dev'",
    ),
]


def _mutated(base: dict[str, Any], mutation: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(base)
    mutation(data)
    return data


def env_of(base: dict[str, Any]) -> str:
    return str(base["environment"])


CASES = [
    (case, env_of(base), yaml.safe_dump(_mutated(base, mutation)), expected)
    for case, base, mutation, expected in MUTATED
] + RAW


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25
    assert len({case for case, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(("case", "env", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_config_exits_2_names_the_key_and_never_reaches_terraform(
    case: str,
    env: str,
    text: str,
    expected: str,
    tmp_path: Path,
    sentinel_terraform: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary, marker = sentinel_terraform
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "0b1f6471-1bf0-4dda-aec3-cb9272f09590")
    monkeypatch.setenv("ARM_USE_MSI", "true")
    project = tmp_path / "project"
    project.mkdir()
    (project / f"config-infra-{env}.yml").write_bytes(text.encode("utf-8", "surrogateescape"))
    result = CliRunner().invoke(
        cli,
        [
            "provision",
            "--env",
            env,
            "--project-dir",
            str(project),
            "--plan-only",
            "--module-dir",
            str(REPO_ROOT / "examples" / "provider_less_env"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert f"config-infra-{env}.yml" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists(), "a broken config reached terraform"
    assert not (project / ".mlops").exists(), "a broken config left rendered files behind"


def test_every_broken_config_is_reported_at_once(tmp_path: Path) -> None:
    data = _mutated(DEV, _set("postfix", "00001"))
    data["compute"]["cpu"]["min_nodes"] = -1
    (tmp_path / "config-infra-dev.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["env", "show", "--env", "dev", "--project-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "2 problems" in result.output
    assert "postfix:" in result.output and "compute.cpu.min_nodes" in result.output


def test_a_megabyte_value_is_never_echoed_in_full(tmp_path: Path) -> None:
    text = _with("namespace", "namespace: " + "n" * 1_000_000)
    (tmp_path / "config-infra-dev.yml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["env", "show", "--env", "dev", "--project-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "namespace: must be 2-8 lowercase" in result.output
    assert len(result.output) < 1000


@pytest.mark.parametrize("path", ["/dev/zero", "fifo"])
def test_a_config_path_that_is_not_a_file_never_hangs(
    path: str,
    tmp_path: Path,
    sentinel_terraform: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary, marker = sentinel_terraform
    monkeypatch.setenv("MLOPS_TERRAFORM_BIN", str(binary))
    if path == "fifo":
        path = str(tmp_path / "config.yml")
        os.mkfifo(path)
    result = CliRunner().invoke(
        cli, ["provision", "--env", "dev", "--project-dir", str(tmp_path), "--config", path]
    )
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in result.output and Path(path).name in result.output
    assert not marker.exists() and not (tmp_path / ".mlops").exists()
