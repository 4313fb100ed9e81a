"""The third-party GitHub Actions generated workflows use, pinned by commit SHA.

A tag can be moved to other code; a commit SHA cannot, so every ``uses:``
names the full SHA of the release commit with the tag as a comment (the
form zizmor's ``unpinned-uses`` audit and Dependabot understand). Each SHA
was read from the action's own repository: the commit the release tag
points to (``git rev-parse <tag>^{commit}``), never typed by hand. To move
to a newer release, read the new tag's commit the same way and update
both the SHA and the comment here; ``tests/unit/cicd`` checks the form.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedAction:
    """An action at one commit; ``uses`` is what a workflow step writes."""

    repository: str
    sha: str
    tag: str

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.sha} # {self.tag}"


CHECKOUT = PinnedAction("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1")
SETUP_PYTHON = PinnedAction(
    "actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"
)
UPLOAD_ARTIFACT = PinnedAction(
    "actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"
)
SETUP_TERRAFORM = PinnedAction(
    "hashicorp/setup-terraform", "dfe3c3f87815947d99a8997f908cb6525fc44e9e", "v4.0.1"
)
AZURE_LOGIN = PinnedAction("azure/login", "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", "v3.0.1")

ALL = (CHECKOUT, SETUP_PYTHON, UPLOAD_ARTIFACT, SETUP_TERRAFORM, AZURE_LOGIN)
