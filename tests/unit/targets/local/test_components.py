"""Command component YAML: the supported subset, value coercion, and errors that name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlops_toolkit.errors import ConfigError, NotFoundError
from mlops_toolkit.targets.local.components import load_component
from mlops_toolkit.targets.local.input_values import (
    InputSpec,
    InvalidValue,
    coerce_value,
    format_value,
)
from tests.pipeline_files import EXAMPLE_COMPONENTS, component


def test_reference_components_load() -> None:
    loaded = {p.stem: load_component(p) for p in sorted(EXAMPLE_COMPONENTS.glob("*.yml"))}
    assert set(loaded) == {"prep", "train", "evaluate", "export", "register"}
    train = loaded["train"]
    assert train.name == "compliance_nlp_train"
    assert train.distribution_type == "pytorch"
    assert (train.instance_count, train.process_count_per_instance) == (1, 1)
    assert train.code == (EXAMPLE_COMPONENTS.parent / "src").resolve()
    assert train.inputs["max_length"].max == 512
    assert train.inputs["learning_rate"].default == pytest.approx(1e-4)
    assert loaded["prep"].inputs["n_train"].min == 100
    assert loaded["evaluate"].inputs["champion_model"].optional
    assert loaded["export"].outputs["onnx"].type == "uri_folder"


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", 5, 5),
        ("integer", " 120 ", 120),
        ("number", "1e-5", 1e-5),
        ("number", 2, 2),
        ("number", "0.25", 0.25),
        ("boolean", "TRUE", True),
        ("boolean", False, False),
        ("string", 12, "12"),
        ("string", "a b", "a b"),
        ("uri_folder", Path("/x y"), "/x y"),
    ],
)
def test_coerce_converts_to_the_declared_type(kind: str, value: Any, expected: Any) -> None:
    result = coerce_value(InputSpec("x", kind), value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (InputSpec("x", "integer"), "12.5", "expected an integer, got '12.5'"),
        (InputSpec("x", "integer"), True, "expected an integer"),
        (InputSpec("x", "integer"), 3.0, "expected an integer"),
        (InputSpec("x", "number"), "fast", "expected a number"),
        (InputSpec("x", "number"), "nan", "finite"),
        (InputSpec("x", "boolean"), "yes", "expected a boolean"),
        (InputSpec("x", "string"), True, "expected a string"),
        (InputSpec("x", "integer", min=100), 99, "must be >= 100, got 99"),
        (InputSpec("x", "number", max=0.5), "0.75", "must be <= 0.5, got 0.75"),
        (InputSpec("x", "string", enum=("a", "b")), "c", "must be one of a, b"),
        (InputSpec("x", "uri_folder"), "", "expected a path"),
    ],
)
def test_coerce_rejects_with_a_reason(spec: InputSpec, value: Any, message: str) -> None:
    with pytest.raises(InvalidValue, match=message.replace("(", r"\(").replace(")", r"\)")):
        coerce_value(spec, value)


def test_format_value_renders_as_azure_does() -> None:
    assert [format_value(v) for v in (True, False, 5e-05, 0.01, 7, "s")] == [
        "True",
        "False",
        "5e-05",
        "0.01",
        "7",
        "s",
    ]


def test_every_problem_is_reported_with_its_key(tmp_path: Path) -> None:
    path = component(
        tmp_path,
        "broken",
        command="run ${{inputs.nope}} ${{outputs.o}} ${{search_space.lr}} ${{inputs.opt}} $[[x",
        inputs={
            "n": {"type": "integer", "default": 5, "min": 10},
            "kind": {"type": "text"},
            "opt": {"type": "string", "optional": True},
            "flag": {"type": "boolean", "colour": "red"},
        },
        outputs={"o": {"type": "table"}},
        code="../missing_src",
        resources={"instance_count": 0, "gpus": 2},
        distribution={"type": "horovod"},
        additional_includes=["../shared"],
    )
    with pytest.raises(ConfigError) as caught:
        load_component(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: invalid command component")
    for expected in (
        "inputs.n.default: must be >= 10, got 5",
        "inputs.kind.type: must be one of integer, number, string",
        "inputs.flag.colour: unknown key",
        "outputs.o.type: must be one of",
        "code: '../missing_src' does not exist",
        "resources.instance_count: must be an integer >= 1, got 0",
        "resources.gpus: unknown key",
        "distribution.type: must be one of pytorch",
        "additional_includes: not supported by the local runner",
        "${{inputs.nope}} names no declared input",
        "${{search_space.lr}} is not supported locally",
        "optional input 'opt' is used outside a $[[ ... ]] segment",
        "a $[[ optional segment is not closed",
    ):
        assert expected in text, expected


def test_nested_optional_segments_are_refused(tmp_path: Path) -> None:
    path = component(
        tmp_path,
        "nested",
        command="echo $[[a $[[b ${{inputs.x}}]] ]]",
        inputs={"x": {"type": "string", "optional": True}},
    )
    with pytest.raises(ConfigError, match="cannot be nested"):
        load_component(path)


def test_code_outside_the_component_folder_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = component(tmp_path, "c", command="python x.py", code="../src")
    assert load_component(path).code == (tmp_path / "src").resolve()


def test_missing_component_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="component file not found"):
        load_component(tmp_path / "nope.yml")


def test_other_job_types_are_refused(tmp_path: Path) -> None:
    path = component(tmp_path, "p", command="x", type="parallel")
    with pytest.raises(ConfigError, match="only command components run locally"):
        load_component(path)
