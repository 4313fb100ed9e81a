"""Router config validation, updates and the weighted choice (pure functions)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit.errors import ConfigError
from mlops_toolkit.targets.local.router_config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REQUEST_TIMEOUT_S,
    RouterConfig,
    apply_update,
    choose,
    load_config_file,
    parse_config,
)

KEY, SECONDARY, ADMIN = "k" * 32, "s" * 32, "a" * 32


def raw(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "endpoint": "compliance",
        "keys": [KEY, SECONDARY],
        "admin_token": ADMIN,
        "deployments": {
            "blue": {"url": "http://127.0.0.1:41001"},
            "green": {"url": "http://127.0.0.1:41002/"},
        },
        "traffic": {"blue": 100, "green": 0},
        "mirror_traffic": {"green": 10},
        "request_timeout_s": 5.0,
        "max_body_bytes": 1048576,
    }
    data.update(overrides)
    return data


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, "router.json")
    assert "router.json" in str(info.value)
    return info.value.problems


def test_the_documented_example_parses() -> None:
    config = parse_config(raw())
    assert config.endpoint == "compliance"
    assert config.keys == (KEY, SECONDARY)
    assert config.deployments == {
        "blue": "http://127.0.0.1:41001",
        "green": "http://127.0.0.1:41002",
    }
    assert config.mirror == ("green", 10)
    assert config.cumulative_weights() == ((100, "blue"),)
    assert config.public_dict()["traffic"] == {"blue": 100, "green": 0}
    assert KEY not in json.dumps(config.public_dict()) and ADMIN not in repr(config)


def test_defaults_for_optional_keys() -> None:
    minimal = {k: v for k, v in raw().items() if k in ("endpoint", "keys", "admin_token")}
    config = parse_config(minimal)
    assert config.deployments == {} and config.traffic == {} and config.mirror is None
    assert config.request_timeout_s == DEFAULT_REQUEST_TIMEOUT_S
    assert config.max_body_bytes == DEFAULT_MAX_BODY_BYTES
    assert config.cumulative_weights() == ()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"traffic": {"blue": 60, "green": 30}}, "add up to 0 or 100, got 90 (blue=60, green=30)"),
        ({"traffic": {"blue": 100, "red": 0}}, "traffic: 'red' is not a deployment"),
        ({"traffic": {"blue": 100.0}}, "traffic.blue: must be a whole percent 0..100"),
        ({"traffic": {"blue": True}}, "traffic.blue: must be a whole percent"),
        ({"traffic": {"blue": 101, "green": -1}}, "traffic.blue: must be a whole percent"),
        ({"traffic": [100]}, "traffic: must be an object"),
        ({"mirror_traffic": {"green": 51}}, "mirror_traffic.green: must be a whole percent 0..50"),
        ({"mirror_traffic": {"blue": 10}}, "'blue' has 100 % live traffic"),
        (
            {"traffic": {"blue": 50, "green": 50}, "mirror_traffic": {"green": 5}},
            "cannot receive live and mirrored traffic",
        ),
        (
            {
                "deployments": {
                    "a": {"url": "http://127.0.0.1:1"},
                    "b": {"url": "http://127.0.0.1:2"},
                    "c": {"url": "http://127.0.0.1:3"},
                },
                "traffic": {"a": 100},
                "mirror_traffic": {"b": 10, "c": 10},
            },
            "at most one deployment can receive mirrored traffic, got b, c",
        ),
        (
            {
                "deployments": {"blue": {"url": "https://127.0.0.1:1"}},
                "traffic": {},
                "mirror_traffic": {},
            },
            "must be http://<loopback host>:<port>",
        ),
        (
            {
                "deployments": {"blue": {"url": "http://example.com:80"}},
                "traffic": {},
                "mirror_traffic": {},
            },
            "loopback",
        ),
        (
            {
                "deployments": {"blue": {"url": "http://127.0.0.1"}},
                "traffic": {},
                "mirror_traffic": {},
            },
            "loopback host>:<port>",
        ),
        (
            {
                "deployments": {"blue": {"url": "http://127.0.0.1:1/score"}},
                "traffic": {},
                "mirror_traffic": {},
            },
            "without a path",
        ),
        (
            {"deployments": {"blue": "http://127.0.0.1:1"}, "traffic": {}, "mirror_traffic": {}},
            "deployments.blue: must be {'url'",
        ),
        (
            {
                "deployments": {"-x": {"url": "http://127.0.0.1:1"}},
                "traffic": {},
                "mirror_traffic": {},
            },
            "invalid name '-x'",
        ),
        ({"keys": []}, "keys: must be a list of 1 or 2"),
        ({"keys": ["short"]}, "at least 16 characters"),
        ({"keys": [KEY, SECONDARY, "t" * 32]}, "keys: must be a list of 1 or 2"),
        ({"admin_token": KEY}, "admin_token: must differ from every endpoint key"),
        ({"admin_token": None}, "admin_token: must be a string"),
        ({"request_timeout_s": 0}, "request_timeout_s: must be a number of seconds in (0, 600]"),
        ({"request_timeout_s": "5"}, "request_timeout_s"),
        ({"request_timeout_s": float("inf")}, "request_timeout_s"),
        ({"max_body_bytes": 0}, "max_body_bytes: must be a whole number"),
        ({"max_mirror_in_flight": 0}, "max_mirror_in_flight"),
        ({"endpoint": ""}, "endpoint: must be 1-64"),
        ({"colour": "blue"}, "unknown keys: colour (allowed: endpoint, keys, admin_token"),
    ],
)
def test_invalid_configs_name_the_problem(overrides: dict[str, Any], expected: str) -> None:
    problems = problems_of(raw(**overrides))
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(raw(traffic={"blue": 50}, request_timeout_s=-1, keys=[]))
    assert len(problems) == 3


def test_not_an_object() -> None:
    with pytest.raises(ConfigError, match="must be a JSON object"):
        parse_config([1, 2])


def test_update_replaces_only_the_keys_given() -> None:
    current = parse_config(raw())
    new = apply_update(current, {"traffic": {"blue": 90, "green": 10}, "mirror_traffic": {}})
    assert new.traffic == {"blue": 90, "green": 10} and new.mirror is None
    assert new.keys == current.keys and new.admin_token == current.admin_token
    assert new.request_timeout_s == current.request_timeout_s
    assert current.traffic == {"blue": 100, "green": 0}  # never changed in place
    same = apply_update(current, {"endpoint": "compliance", "request_timeout_s": 2})
    assert same.request_timeout_s == 2.0 and same.traffic == current.traffic


def test_update_is_validated_as_a_whole() -> None:
    current = parse_config(raw())
    # Live traffic on the mirror target, without clearing the mirror in the same update.
    with pytest.raises(ConfigError) as info:
        apply_update(current, {"traffic": {"blue": 50, "green": 50}})
    assert any("live and mirrored" in p for p in info.value.problems)
    # Removing a deployment that still has traffic.
    with pytest.raises(ConfigError) as info:
        apply_update(current, {"deployments": {"green": {"url": "http://127.0.0.1:41002"}}})
    assert any("'blue' is not a deployment" in p for p in info.value.problems)


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"keys": [KEY]}, "keys: cannot be changed while the router runs"),
        ({"admin_token": "b" * 32}, "admin_token: cannot be changed"),
        ({"endpoint": "other"}, "endpoint: cannot be renamed"),
        ({"weights": {}}, "unknown key 'weights'"),
    ],
)
def test_update_refuses_what_cannot_change(update: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        apply_update(parse_config(raw()), update)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_update_must_be_an_object() -> None:
    with pytest.raises(ConfigError, match="must be a JSON object"):
        apply_update(parse_config(raw()), "traffic")


def test_choose_follows_the_weights() -> None:
    config = RouterConfig(
        endpoint="e", keys=(KEY,), admin_token=ADMIN,
        deployments={"a": "http://127.0.0.1:1", "b": "http://127.0.0.1:2", "c": "http://127.0.0.1:3"},
        traffic={"a": 20, "b": 0, "c": 80},
    )  # fmt: skip
    cumulative = config.cumulative_weights()
    assert cumulative == ((20, "a"), (100, "c"))
    assert choose(cumulative, 0.0) == "a"
    assert choose(cumulative, 0.1999) == "a"
    assert choose(cumulative, 0.2) == "c"
    assert choose(cumulative, 0.999999) == "c"
    assert choose((), 0.5) is None
    rng = random.Random(1)
    counts = Counter(choose(cumulative, rng.random()) for _ in range(20_000))
    assert counts["b"] == 0
    assert abs(counts["a"] / 20_000 - 0.2) < 0.015


def test_load_config_file(tmp_path: Path) -> None:
    path = tmp_path / "router.json"
    path.write_text(json.dumps(raw()), encoding="utf-8")
    assert load_config_file(path).endpoint == "compliance"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not JSON"):
        load_config_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_file(tmp_path / "missing.json")
