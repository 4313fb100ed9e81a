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
