"""Resource naming: the scheme, its uniqueness and Azure's rules."""

from __future__ import annotations

import re

import pytest

from mlops_toolkit.naming import (
    ALLOWED_IP_RANGE_RULE,
    FORMAT_RULES,
    LOG_RETENTION_DAYS,
    NAME_RULES,
    derive_names,
    rules_document,
    unique_suffix,
    validate_names,
)

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
        ("compute", "c" * 33),
        ("compute", "c1"),
        ("compute", "9cluster"),
        ("compute", "cluster-"),
        ("storage_container", "tf--state"),
        ("resource_group", "rg-ends-with-dot."),
        ("application_insights", "appi/slash"),
    ],
)
def test_rules_reject_names_azure_rejects(kind: str, name: str) -> None:
    assert NAME_RULES[kind].violation(name) is not None


def test_validate_names_reports_the_broken_name() -> None:
    names = derive_names("averyverylongnamespace", "0001", "prod", SUB, True)
    broken = dict(validate_names(names))
    assert "key_vault" in broken and "storage_account" in broken
    assert "must be 3-24 characters" in broken["key_vault"]


@pytest.mark.parametrize(
    ("kind", "name"),
    [("compute", "cpu"), ("compute", "c" * 32), ("compute", "gpu-cluster-a100-dedicated")],
)
def test_rules_accept_names_the_provider_accepts(kind: str, name: str) -> None:
    assert NAME_RULES[kind].violation(name) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("203.0.113.7", None),
        ("203.0.113.0/24", None),
        ("198.51.100.0/30", None),
        ("203.0.113.7/32", "no /32"),
        ("203.0.113.6/31", "no /32"),
        ("203.0.113.7/24", "host bits set"),
        ("10.1.2.3", "public range"),
        ("172.20.0.0/16", "public range"),
        ("192.168.1.0/24", "public range"),
        ("100.64.0.1", "public range"),
        ("0.0.0.0/0", "public range"),
        ("8.0.0.0/5", "public range"),
        ("300.1.1.1", "IPv4"),
        ("2001:db8::/32", "IPv4"),
    ],
)
def test_allowed_ip_range_rule(value: str, problem: str | None) -> None:
    reason = ALLOWED_IP_RANGE_RULE.violation(value)
    assert (reason is None) if problem is None else (reason is not None and problem in reason)


def test_rules_document_carries_every_rule() -> None:
    document = rules_document()
    assert set(document["names"]) == set(NAME_RULES)
    assert set(document["formats"]) == set(FORMAT_RULES)
    assert document["log_retention_days"] == list(LOG_RETENTION_DAYS)
    assert document["allowed_ip_range"]["reserved_ranges"] == list(ALLOWED_IP_RANGE_RULE.reserved)
    for rule in (*NAME_RULES.values(), *FORMAT_RULES.values()):
        # anchored, and free of constructs RE2 (Terraform) reads differently or not at all
        assert rule.pattern.startswith("^") and rule.pattern.endswith("$"), rule
        assert not re.search(r"\(\?[=!<]|\\[wWsSdDbB]", rule.pattern), rule
