"""Model versions (aliases kept as tags) and environment references. Pure."""

from __future__ import annotations

from pathlib import Path

from mlops_toolkit.targets.azure.environments import EnvironmentRef, find_specs, parse_reference
from mlops_toolkit.targets.azure.models import alias_tag, to_model_version

REPO = Path(__file__).resolve().parents[4]


def test_aliases_are_tags_that_the_version_does_not_show() -> None:
    from azure.ai.ml.entities import Model

    model = Model(
        name="m",
        version="3",
        path="azureml://datastores/d/paths/p/",
        tags={alias_tag("champion"): "true", alias_tag("old"): "false", "test_macro_f1": "0.98"},
        description="best",
    )
    version = to_model_version(model)
    assert version.ref == "m:3" and version.aliases == ("champion",)
    assert version.tags == {"test_macro_f1": "0.98"}
    assert version.source == "azureml://datastores/d/paths/p/" and version.description == "best"


def test_environment_references() -> None:
    assert parse_reference("azureml:env@latest") == EnvironmentRef("env", None, "latest")
    assert parse_reference("azureml:env:4") == EnvironmentRef("env", "4", None)
    assert str(EnvironmentRef("env")) == "azureml:env@latest"
    assert parse_reference("mcr.microsoft.com/some/image:1") is None


def test_the_reference_workload_ships_its_environment_spec() -> None:
    example = REPO / "examples" / "compliance_nlp"
    specs = find_specs([example, example / "src"])
    assert specs == {"compliance-nlp-env": example / "environment" / "environment.yml"}
