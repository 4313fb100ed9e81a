"""Resource naming: the scheme, its uniqueness and Azure's rules."""

from __future__ import annotations

import pytest

from mlops_toolkit.naming import NAME_RULES, derive_names, unique_suffix, validate_names

SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def test_names_follow_the_documented_scheme() -> None:
    names = derive_names("mlopstk", "0001", "dev")
    assert names.resource_group == "rg-mlopstk-0001dev"
    assert names.storage_account == "stmlopstk0001dev"
    assert names.key_vault == "kv-mlopstk-0001dev"
    assert names.container_registry == "crmlopstk0001dev"
    assert names.workspace == "mlw-mlopstk-0001dev"
    assert names.online_endpoint == "ep-mlopstk-0001dev"


def test_suffix_is_deterministic_and_differs_per_environment() -> None:
    assert unique_suffix(SUB, "dev") == unique_suffix(SUB, "dev")
    assert unique_suffix(SUB, "dev") != unique_suffix(SUB, "prod")
    assert unique_suffix(SUB, "dev") != unique_suffix("another", "dev")
    names = derive_names("mlopstk", "0001", "dev", SUB, use_unique_suffix=True)
    suffix = unique_suffix(SUB, "dev")
    assert names.key_vault == f"kv-mlopstk-0001dev{suffix}"
    assert names.workspace == f"mlw-mlopstk-0001dev-{suffix}"


def test_dev_and_prod_never_share_a_name() -> None:
    for suffix in (False, True):
        dev = derive_names("mlopstk", "0001", "dev", SUB, suffix).as_dict()
        prod = derive_names("mlopstk", "0001", "prod", SUB, suffix).as_dict()
        assert not set(dev.values()) & set(prod.values())


@pytest.mark.parametrize("namespace", ["ab", "mlopstk", "abcdefgh"])
@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_longest_inputs_still_give_valid_names(namespace: str, env: str) -> None:
    names = derive_names(namespace, "9999", env, SUB, use_unique_suffix=True)
    assert validate_names(names) == []


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("storage_account", "st-has-hyphens"),
        ("storage_account", "s"),
        ("storage_account", "stUPPERCASE"),
        ("key_vault", "kv-" + "a" * 22),
        ("key_vault", "kv--double"),
        ("key_vault", "1kv"),
        ("container_registry", "cr-x"),
        ("online_endpoint", "ep"),
        ("online_endpoint", "e" * 33),
        ("compute", "c" * 17),
        ("compute", "9cluster"),
    ],
)
def test_rules_reject_names_azure_rejects(kind: str, name: str) -> None:
    assert NAME_RULES[kind].violation(name) is not None


def test_validate_names_reports_the_broken_name() -> None:
    names = derive_names("averyverylongnamespace", "0001", "prod", SUB, True)
    broken = dict(validate_names(names))
    assert "key_vault" in broken and "storage_account" in broken
    assert "must be 3-24 characters" in broken["key_vault"]
