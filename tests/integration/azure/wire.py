"""Helpers to read what the fake received, in the workspace's terms."""

from __future__ import annotations

import re

from tests.fake_arm import FakeArm, RecordedRequest


def relative(arm: FakeArm, request: RecordedRequest) -> str:
    """``METHOD path`` with the workspace id shortened to ``WS`` and operation ids to ``*``."""
    path = request.path.replace(arm.workspace_id, "WS")
    path = re.sub(r"/subscriptions/[^/]+/providers/Microsoft\.MachineLearningServices/locations/"
                  r"[^/]+/(mfeOperations\w+)/[^/]+", r"\1/*", path)  # fmt: skip
    return f"{request.method} {path}"


def sequence(arm: FakeArm, mark: int) -> list[str]:
    return [relative(arm, r) for r in arm.since(mark)]
