"""Azure's long-running-operation protocol, as Azure Machine Learning speaks it.

A slow write answers 201 (PUT) or 202 (DELETE, POST) with
``Azure-AsyncOperation`` (a status URL: ``{"status": "InProgress"}`` until it
ends ``Succeeded`` or ``Failed`` with an ``error``) and ``Location`` (a
result URL: 202 while running). The change itself is applied when the
operation ends, after ``FakeArm.lro_polls`` status polls. While it runs,
another write to the same resource gets 409, as ARM answers during an
operation in progress. ``FakeArm.fail_operations(path, code, message)`` makes
the next matching operation end ``Failed``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fake_arm.server import Context, Response, Router, error

if TYPE_CHECKING:
    from tests.fake_arm.server import FakeArm

#: ARM sends ``Retry-After`` in seconds; the fake sends ``retry-after-ms`` (which the
#: SDK's pollers honour too) so tests poll every few milliseconds.
POLL_DELAY_MS = "20"


@dataclass
class Operation:
    id: str
    resource_id: str
    polls_left: int
    on_success: Callable[[], None]
    on_failure: Callable[[], None] | None
    failure: tuple[str, str] | None
    status: str = "InProgress"

    def advance(self) -> None:
        if self.status != "InProgress":
            return
        if self.polls_left > 0:
            self.polls_left -= 1
            return
        if self.failure is not None:
            self.status = "Failed"
            if self.on_failure is not None:
                self.on_failure()
        else:
            self.status = "Succeeded"
            self.on_success()


def fail_operations(arm: FakeArm, path: str, code: str, message: str) -> None:
    """The next operation on a resource whose id matches ``path`` ends Failed."""
    arm.state.failing_operations.append((re.compile(path, re.IGNORECASE), code, message))


def in_progress(arm: FakeArm, resource_id: str) -> Operation | None:
    lowered = resource_id.rstrip("/").lower()
    for operation in arm.state.operations.values():
        if operation.status == "InProgress" and operation.resource_id.lower() == lowered:
            return operation
    return None


def conflict_if_busy(ctx: Context, resource_id: str, what: str) -> Response | None:
    """409 while an operation on ``resource_id`` runs (as ARM answers)."""
    busy = in_progress(ctx.arm, resource_id)
    if busy is None:
        return None
    return error(
        409,
        "Conflict",
        f"There is an operation in progress on {what}; wait for it to complete.",
    )


def begin(
    ctx: Context,
    resource_id: str,
    on_success: Callable[[], None],
    *,
    on_failure: Callable[[], None] | None = None,
    status: int = 201,
    body: object = None,
) -> Response:
    """Start an operation on ``resource_id``; answer with the LRO headers."""
    arm = ctx.arm
    failure = None
    for index, (pattern, code, message) in enumerate(arm.state.failing_operations):
        if pattern.search(resource_id):
            failure = (code, message)
            del arm.state.failing_operations[index]
            break
    op_id = f"op-{arm.state.next_id()}"
    arm.state.operations[op_id] = Operation(
        op_id, resource_id, arm.lro_polls, on_success, on_failure, failure
    )
    base = (
        f"https://management.azure.com/subscriptions/{arm.subscription_id}/providers/"
        f"Microsoft.MachineLearningServices/locations/{arm.location}"
    )
    version = ctx.request.api_version or "2024-01-01-preview"
    headers = {
        "Azure-AsyncOperation": f"{base}/mfeOperationsStatus/{op_id}?api-version={version}",
        "Location": f"{base}/mfeOperationResults/{op_id}?api-version={version}",
        "retry-after-ms": POLL_DELAY_MS,
    }
    return Response(status, body, headers)


def _status(ctx: Context) -> Response:
    operation = ctx.arm.state.operations.get(ctx.params["op"])
    if operation is None:
        return error(404, "NotFound", f"operation {ctx.params['op']} does not exist")
    operation.advance()
    body: dict[str, object] = {"name": operation.id, "status": operation.status}
    if operation.status == "Failed" and operation.failure is not None:
        code, message = operation.failure
        body["error"] = {"code": code, "message": message}
    headers = {"retry-after-ms": POLL_DELAY_MS}
    return Response(200, body, headers if operation.status == "InProgress" else {})


def _result(ctx: Context) -> Response:
    operation = ctx.arm.state.operations.get(ctx.params["op"])
    if operation is None:
        return error(404, "NotFound", f"operation {ctx.params['op']} does not exist")
    operation.advance()
    if operation.status == "InProgress":
        return Response(202, None, {"retry-after-ms": POLL_DELAY_MS})
    if operation.status == "Failed" and operation.failure is not None:
        code, message = operation.failure
        return error(400, code, message)
    return Response(200, None)


def register(router: Router) -> None:
    ops = r"/subscriptions/[^/]+/providers/Microsoft\.MachineLearningServices/locations/[^/]+"
    router.add("arm", "GET", ops + r"/mfeOperationsStatus/(?P<op>[^/]+)", _status)
    router.add("arm", "GET", ops + r"/mfeOperationResults/(?P<op>[^/]+)", _result)
