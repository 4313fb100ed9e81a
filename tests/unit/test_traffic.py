"""Azure's endpoint name and traffic rules, checked before any request."""

from __future__ import annotations

import pytest

from mlops_toolkit.errors import UsageError
from mlops_toolkit.traffic import (
    check_deletable,
    check_deployment_name,
    check_endpoint_name,
    check_traffic,
    parse_assignments,
)

DEPLOYMENTS = ("blue", "green")


@pytest.mark.parametrize("name", ["abc", "compliance", "ep-1", "A" + "b" * 31])
def test_valid_endpoint_names(name: str) -> None:
    assert check_endpoint_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ab", "3-32 characters"),
        ("a" * 33, "3-32 characters"),
        ("1abc", "starting with a letter"),
        ("ab_c", "letters, digits and hyphens"),
        ("abc-", "letters, digits and hyphens"),
        ("ab c", "letters, digits and hyphens"),
        ("../x", "letters, digits and hyphens"),
    ],
)
def test_invalid_endpoint_names_name_the_rule(name: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason) as info:
        check_endpoint_name(name)
    assert info.value.exit_code == 2 and info.value.message.startswith("endpoint:")


def test_deployment_names_follow_the_same_rule() -> None:
    assert check_deployment_name("green") == "green"
    with pytest.raises(UsageError, match="deployment:"):
        check_deployment_name("g")


def test_parse_assignments_accepts_both_cli_forms() -> None:
    assert parse_assignments(["blue=90", "green=10"], "traffic") == {"blue": 90, "green": 10}
    assert parse_assignments(["blue=90 green=10"], "traffic") == {"blue": 90, "green": 10}
    assert parse_assignments(["blue=90,green=10"], "traffic") == {"blue": 90, "green": 10}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["blue"], "expected NAME=PERCENT"),
        (["=5"], "expected NAME=PERCENT"),
        (["blue=ten"], "not a whole percentage"),
        (["blue=9.5"], "not a whole percentage"),
        (["blue=50", "blue=50"], "given twice"),
    ],
)
def test_parse_assignments_rejects(items: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_assignments(items, "traffic")


def test_traffic_is_normalised_over_every_deployment() -> None:
    live, mirror = check_traffic({"blue": 100}, {"green": 0}, DEPLOYMENTS)
    assert live == {"blue": 100, "green": 0} and mirror == {}
    assert check_traffic({}, {}, DEPLOYMENTS) == ({"blue": 0, "green": 0}, {})
    assert check_traffic({"blue": 90, "green": 10}, {}, DEPLOYMENTS)[0] == {"blue": 90, "green": 10}
    assert check_traffic({"blue": 100}, {"green": 50}, DEPLOYMENTS)[1] == {"green": 50}


@pytest.mark.parametrize(
    ("traffic", "mirror", "message"),
    [
        ({"blue": 90}, {}, "must sum to 100"),
        ({"blue": 60, "green": 60}, {}, "must sum to 100"),
        ({"purple": 100}, {}, "'purple' is not a deployment"),
        ({"blue": 101, "green": -1}, {}, "between 0 and 100"),
        ({"blue": 100}, {"purple": 10}, "'purple' is not a deployment"),
        ({"blue": 100}, {"green": 51}, "exceeds the 50 %"),
        ({"blue": 90, "green": 10}, {"green": 10}, "live or mirrored traffic, never both"),
        ({"blue": 100}, {"green": 10, "blue": 5}, "at most one deployment"),
        ({"blue": True}, {}, "whole number"),
    ],
)
def test_traffic_rules(traffic: dict, mirror: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_traffic(traffic, mirror, DEPLOYMENTS)


def test_a_deployment_with_traffic_cannot_be_deleted() -> None:
    check_deletable("green", {"blue": 100, "green": 0}, {})
    with pytest.raises(UsageError, match="100 % live traffic"):
        check_deletable("blue", {"blue": 100}, {})
    with pytest.raises(UsageError, match="mirrored traffic"):
        check_deletable("green", {"blue": 100}, {"green": 20})
