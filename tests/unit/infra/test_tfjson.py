"""The one parser of Terraform's machine output: anything unexpected is a BackendError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit.errors import BackendError
from mlops_toolkit.infra.tfjson import (
    DiagnosticCollector,
    TerraformEvent,
    clean,
    parse_event,
    parse_outputs,
    parse_plan,
    parse_version,
)

PLAN = Path("/work/plan.tfplan")
SHOW = "terraform show -json plan.tfplan"


def _shown(**overrides: Any) -> bytes:
    data: dict[str, Any] = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "terraform_data.a", "mode": "managed", "change": {"actions": ["create"]}},
            {"address": "terraform_data.b", "change": {"actions": ["delete", "create"]}},
            {"address": "terraform_data.c", "change": {"actions": ["no-op"]}},
        ],
        "output_changes": {"x": {"actions": ["update"]}, "y": {"actions": ["no-op"]}},
        "planned_values": {
            "root_module": {
                "resources": [{"address": "terraform_data.a", "mode": "managed"}],
                "child_modules": [{"resources": [{"address": "module.m.x", "mode": "managed"}]}],
            }
        },
    }
    data.update(overrides)
    return json.dumps(data).encode()


def test_plan_summary_counts_and_what_remains() -> None:
    plan = parse_plan(_shown(), SHOW, plan_file=PLAN)
    assert (plan.to_add, plan.to_change, plan.to_destroy) == (2, 0, 1)
    assert plan.output_changes == ("x",) and plan.remaining == 2
    assert not plan.destroys_everything


def test_a_plan_that_leaves_nothing_destroys_everything() -> None:
    shown = _shown(
        resource_changes=[
            {"address": "terraform_data.a", "change": {"actions": ["delete"]}},
            {"address": "data.x.y", "mode": "data", "change": {"actions": ["read"]}},
        ],
        planned_values={"root_module": {"resources": [{"address": "data.x.y", "mode": "data"}]}},
    )
    plan = parse_plan(shown, SHOW, plan_file=PLAN)
    assert plan.destroys_everything and plan.remaining == 0
    assert parse_plan(_shown(resource_changes=[]), SHOW, plan_file=PLAN).has_changes  # output x


# (case id, stdout of `terraform show -json`, text that must appear in the error)
BAD_PLANS: list[tuple[str, bytes, str]] = [
    ("not-json", b"Error: something\n", "not JSON"),
    ("empty", b"", "not JSON"),
    ("not-utf8", b'{"format_version": "1.0\xff"}', "byte 23 is not UTF-8"),
    ("a-list", b"[]", "(top level)"),
    ("no-format-version", b"{}", "format_version"),
    ("format-2", _shown(format_version="2.0"), "unsupported format_version '2.0'"),
    ("changes-not-a-list", _shown(resource_changes={"a": 1}), "resource_changes"),
    ("change-not-an-object", _shown(resource_changes=["x"]), "resource_changes.0"),
    ("no-actions", _shown(resource_changes=[{"address": "a", "change": {}}]), "actions"),
    (
        "unknown-action",
        _shown(resource_changes=[{"address": "a", "change": {"actions": ["explode"]}}]),
        "resource_changes.0.change.actions.0",
    ),
    (
        "address-number",
        _shown(resource_changes=[{"address": 7, "change": {"actions": []}}]),
        "address",
    ),
    ("planned-wrong", _shown(planned_values={"root_module": []}), "planned_values.root_module"),
    ("outputs-list", _shown(output_changes=[]), "output_changes"),
    ("deep", b"[" * 100000 + b"]" * 100000, "not JSON"),
]


@pytest.mark.parametrize(("case", "stdout", "expected"), BAD_PLANS, ids=[c[0] for c in BAD_PLANS])
def test_unexpected_plan_json_is_a_backend_error_naming_the_command(
    case: str, stdout: bytes, expected: str
) -> None:
    with pytest.raises(BackendError) as err:
        parse_plan(stdout, SHOW, plan_file=PLAN)
    assert str(err.value).startswith(f"{SHOW} printed output the toolkit cannot read")
    assert expected in str(err.value)


def test_a_plan_file_from_a_failed_plan_is_refused() -> None:
    with pytest.raises(BackendError, match="plan that failed"):
        parse_plan(_shown(errored=True), SHOW, plan_file=PLAN)


def test_outputs_keep_values_and_sensitivity() -> None:
    outputs = parse_outputs(
        b'{"a": {"sensitive": false, "type": "string", "value": "x"},'
        b' "b": {"sensitive": true, "value": null}}'
    )
    assert outputs == {
        "a": {"value": "x", "sensitive": False},
        "b": {"value": None, "sensitive": True},
    }
    assert parse_outputs(b"") == {} and parse_outputs(b"{}\n") == {}


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"a": 1}', "output 'a' has no value"),
        (b'{"a": {"sensitive": "no", "value": 1}}', "output 'a': sensitive"),
        (b'{"a": {"value": 1}}', "output 'a': sensitive"),
        (b"\xff\xfe", "not UTF-8"),
        (b"Warning: no outputs", "not JSON"),
    ],
)
def test_unexpected_outputs_are_a_backend_error(stdout: bytes, expected: str) -> None:
    with pytest.raises(BackendError, match="terraform output -json printed output") as err:
        parse_outputs(stdout)
    assert expected in str(err.value)


def test_versions() -> None:
    assert parse_version(b'{"terraform_version": "1.11.4", "platform": "linux_amd64"}') == (
        1,
        11,
        4,
    )
    assert parse_version(b"Terraform v0.14.11\non linux_amd64\n") == (0, 14, 11)
    for garbage in (b"", b"\xff", b'{"terraform_version": 1}', b"no version here"):
        with pytest.raises(BackendError, match="terraform version printed output"):
            parse_version(garbage)


def test_events_are_tolerant_and_clean() -> None:
    event = parse_event(
        json.dumps(
            {
                "@level": "info",
                "@message": "terraform_data.a: Creating...\x1b[31m[/x]",
                "type": "apply_start",
                "hook": {"resource": {"addr": "terraform_data.a"}, "action": "create"},
            }
        )
    )
    assert event is not None and event.address == "terraform_data.a"
    assert event.message == "terraform_data.a: Creating...[/x]"  # escapes gone, brackets kept
    odd = [
        '{"@message": "x", "hook": "not a dict", "@level": 7, "type": 3}',
        '{"@message": 5}',
        "[1, 2",
        "\ufffd\ufffd binary noise",
        '{"@message": "m", "diagnostic": {"summary": ["s"], "detail": null}}',
        '{"@message": "m", "hook": {"elapsed_seconds": true, "resource": []}}',
    ]
    for line in odd:
        parsed = parse_event(line)
        assert isinstance(parsed, TerraformEvent) and isinstance(parsed.message, str)
        assert parsed.level in ("info", "warn", "error", "debug", "trace")
    assert parse_event("   \n") is None


def test_diagnostics_keep_the_whole_plain_text_error_block() -> None:
    collector = DiagnosticCollector()
    text = (
        "Initializing the backend...\n╷\n│ Error: Failed to read file\n│ \n"
        '│ The file "backend.hcl" could not be read.\n╵\nmore text\n'
    )
    for line in text.splitlines():
        event = parse_event(line)
        if event is not None:
            collector.feed(event)
    assert (
        collector.text()
        == 'Error: Failed to read file\n  The file "backend.hcl" could not be read.'
    )


def test_clean_drops_control_characters_and_bounds_length() -> None:
    assert clean("a\x07b\x1b]0;title\x07c\td\ne") == "abc\td\ne"
    assert clean("x" * 10_000, 100).endswith("(10000 characters)")
