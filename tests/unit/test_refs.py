"""Model references: NAME:VERSION, NAME@ALIAS, NAME."""

from __future__ import annotations

import pytest

from mlops_toolkit.errors import UsageError
from mlops_toolkit.refs import ModelRef, parse_model_ref


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("compliance-nlp:3", ModelRef("compliance-nlp", "3")),
        ("compliance-nlp@champion", ModelRef("compliance-nlp", alias="champion")),
        ("compliance-nlp", ModelRef("compliance-nlp")),
        (" m.v_2:10 ", ModelRef("m.v_2", "10")),
    ],
)
def test_parse(text: str, ref: ModelRef) -> None:
    assert parse_model_ref(text) == ref
    assert parse_model_ref(str(ref)) == ref


@pytest.mark.parametrize("text", ["", ":3", "m:v3", "m:3:4", "m@", "m@1x", "-m:1", "m 1"])
def test_malformed_references_name_the_parameter(text: str) -> None:
    with pytest.raises(UsageError, match=r"^champion: .* is not a model reference"):
        parse_model_ref(text, "champion")


def test_a_registry_version_is_written_as_azure_writes_it() -> None:
    uri = "azureml://registries/mlr-shared/models/compliance-nlp/versions/3"
    ref = parse_model_ref(uri)
    assert ref == ModelRef("compliance-nlp", "3", registry="mlr-shared")
    assert str(ref) == uri


@pytest.mark.parametrize(
    "text",
    [
        "azureml://registries/mlr-shared/models/compliance-nlp/versions/latest",
        "azureml://registries/ab/models/m/versions/1",  # registry names have 3-33 characters
        "azureml://registries/mlr-shared/models/m",
    ],
)
def test_malformed_registry_references_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="azureml://registries/REGISTRY/models/NAME"):
        parse_model_ref(text)
