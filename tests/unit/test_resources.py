"""What the wheel ships matches what the toolkit looks up."""

from __future__ import annotations

import ast
from pathlib import Path

from mlops_toolkit import resources

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_setup_bundles_exactly_the_paths_the_toolkit_uses() -> None:
    tree = ast.parse((REPO_ROOT / "setup.py").read_text())
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "BUNDLED_PATHS"
    }  # fmt: skip
    assert assigned["BUNDLED_PATHS"] == resources.BUNDLED_PATHS
    for relative in resources.BUNDLED_PATHS:
        assert (REPO_ROOT / relative).exists(), relative


def test_reference_workload_files_exist_in_the_checkout() -> None:
    for relative in (
        resources.REFERENCE_PIPELINE,
        resources.REFERENCE_SCORING_SCRIPT,
        resources.REFERENCE_SAMPLE,
    ):
        assert resources.bundled_path(relative).is_file(), relative
