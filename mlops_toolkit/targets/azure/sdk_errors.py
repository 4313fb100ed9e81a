"""Turn Azure SDK exceptions into ``ToolkitError``s that name the resource.

``calling(what)`` wraps one SDK call (and silences the SDK's console output,
see ``sdk_output``): whatever the SDK raises leaves it as

* ``AuthenticationError`` (6): no token, or a token Azure refused (401);
* ``NotFoundError`` (3): 404;
* ``ConflictError`` (4): 409, e.g. another operation is running on it;
* ``BackendError`` (5): any other answer, an operation that ended Failed,
  or Azure out of reach;
* ``OperationTimeout`` (8): ``wait`` gave up on a long-running operation.

Each message starts with ``what`` (e.g. ``endpoint 'ct-slots'``), carries
Azure's error code and message, and says what to do next. The SDK error is
chained (``raise ... from``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mlops_toolkit.auth import LOGIN_HELP
from mlops_toolkit.errors import (
    AuthenticationError,
    BackendError,
    ConflictError,
    NotFoundError,
    OperationTimeout,
    ToolkitError,
)
from mlops_toolkit.targets.azure.sdk_output import quiet

T = TypeVar("T")


def _azure_detail(exc: BaseException) -> str:
    """``(Code) message`` from an ``HttpResponseError``; the text of anything else."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    if code or message:
        return f"({code}) {message}" if code else str(message)
    text = getattr(exc, "message", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__


def translate(exc: BaseException, what: str) -> ToolkitError:
    """The ``ToolkitError`` for ``exc`` raised while working on ``what``. Pure."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(exc, ToolkitError):
        return exc
    detail = _azure_detail(exc)
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ClientAuthenticationError) or status == 401:
        return AuthenticationError(
            f"{what}: Azure did not accept the credentials: {detail}", hint=LOGIN_HELP
        )
    if status == 403:
        return BackendError(
            f"{what}: access denied: {detail}",
            hint="The identity needs a role on the workspace, e.g. AzureML Data Scientist "
            "(and Monitoring Contributor for alerts).",
        )
    if isinstance(exc, ResourceNotFoundError) or status == 404:
        return NotFoundError(f"{what} does not exist: {detail}")
    if isinstance(exc, ResourceExistsError) or status == 409:
        return ConflictError(
            f"{what}: Azure refused the change because of a conflict: {detail}",
            hint="Another operation is probably running on it; wait for it to finish "
            "and run the command again.",
        )
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return BackendError(
            f"{what}: cannot reach Azure: {detail}",
            hint="Check the network connection and proxy settings, then try again.",
        )
    if isinstance(exc, HttpResponseError):
        if status is None or (isinstance(status, int) and status < 300):
            return BackendError(
                f"{what}: the operation failed: {detail}",
                hint="See the resource in Azure ML studio for the full error.",
            )
        return BackendError(f"{what}: Azure answered {status}: {detail}")
    return BackendError(f"{what}: {type(exc).__name__}: {detail}")


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Run SDK calls quietly; re-raise their exceptions as ``ToolkitError``s."""
    from azure.core.exceptions import AzureError

    try:
        with quiet():
            yield
    except ToolkitError:
        raise
    except AzureError as exc:
        raise translate(exc, what) from exc


def wait(poller: Any, what: str, timeout: float | None = None) -> Any:
    """Block until an SDK poller ends; its result. ``OperationTimeout`` after ``timeout``
    seconds (the operation keeps running in Azure); other failures as ``calling``."""
    with calling(what):
        result = poller.result(timeout=timeout)
        if not poller.done():
            raise OperationTimeout(
                f"{what}: the operation did not finish within {timeout:g}s "
                f"(status {poller.status()}); it goes on in Azure",
                hint="Check it later (e.g. `mlops-toolkit endpoint show`) or raise the timeout.",
            )
    return result
