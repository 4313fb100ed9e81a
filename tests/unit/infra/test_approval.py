"""The approval policy for applies and destroys."""

from __future__ import annotations

import pytest

from mlops_toolkit.errors import UsageError
from mlops_toolkit.infra.provision import approval_needed


@pytest.mark.parametrize(
    ("env", "destroy", "auto", "confirm", "expected"),
    [
        ("dev", False, False, None, "confirm"),
        ("dev", False, True, None, "none"),
        ("dev", True, True, None, "type-name"),
        ("dev", True, False, "dev", "none"),
        ("test", False, True, None, "none"),
        ("prod", False, True, None, "type-name"),
        ("prod", False, False, None, "type-name"),
        ("prod", False, False, "prod", "none"),
        ("prod", True, True, None, "type-name"),
        ("prod", True, False, "prod", "none"),
    ],
)
def test_policy(env: str, destroy: bool, auto: bool, confirm: str | None, expected: str) -> None:
    assert approval_needed(env, destroy=destroy, auto_approve=auto, confirm_env=confirm) == expected


def test_confirm_env_must_name_the_environment() -> None:
    with pytest.raises(UsageError, match="confirm_env='dev' does not match"):
        approval_needed("prod", destroy=False, auto_approve=False, confirm_env="dev")
