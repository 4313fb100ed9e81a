"""Approval of a change to an environment that needs it (prod), outside provisioning.

Releases, profiles of live deployments and promotions ask the same way
``provision`` does: ``confirm_env`` equal to the environment's name approves
non-interactively; otherwise ``approve`` (a callable the CLI gives when a
person sits at a terminal) is asked, and without one the change is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlops_toolkit.errors import ApprovalRequired
from mlops_toolkit.infra.provision import approval_needed


def require_approval(
    environment: str,
    action: str,
    confirm_env: str | None,
    approve: Callable[[Any], object] | None,
) -> None:
    """Return when ``action`` in ``environment`` is approved; raise ``ApprovalRequired``."""
    from mlops_toolkit.operations.environments import ApprovalRequest

    needed = approval_needed(environment, destroy=False, auto_approve=True, confirm_env=confirm_env)
    if needed == "none":
        return
    if approve is None:
        raise ApprovalRequired(
            f"refusing to {action} in environment {environment!r} without approval (nobody to ask)",
            hint=f"Pass confirm_env={environment!r} to approve non-interactively.",
        )
    answer = str(approve(ApprovalRequest(environment, "apply", needed, action))).strip()
    if answer != environment:
        raise ApprovalRequired(f"{action} in {environment!r} was not approved; nothing changed")
