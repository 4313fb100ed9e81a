"""Library errors name parameters; the CLI shows them as flags."""

from __future__ import annotations

import pytest

from mlops_toolkit.cli.main import flagify


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Pass confirm_env='prod' to approve.", "Pass --confirm-env prod to approve."),
        ("Pass auto_approve=True to approve.", "Pass --auto-approve to approve."),
        ("module_dir: x holds no files", "--module-dir: x holds no files"),
        ("must be 'dev' for environment='dev', got", "must be 'dev' for --env dev, got"),
        ("use backend='local' for a trial", "use --backend local for a trial"),
        (
            "the target is azure; the environment is dev",
            "the target is azure; the environment is dev",
        ),
        ("target_rps: must be positive", "--target-rps: must be positive"),
        ("pass allow_live=True to do it", "pass --allow-live to do it"),
    ],
)
def test_flagify(text: str, shown: str) -> None:
    assert flagify(text) == shown
