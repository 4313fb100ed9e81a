"""SDK exceptions become toolkit errors that name the resource."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)

from mlops_toolkit import (
    AuthenticationError,
    BackendError,
    ConflictError,
    NotFoundError,
    OperationTimeout,
)
from mlops_toolkit.targets.azure.sdk_errors import calling, translate, wait


def http_error(cls: type[HttpResponseError], status: int | None, code: str, message: str
               ) -> HttpResponseError:  # fmt: skip
    error = cls(message=f"({code}) {message}")
    error.status_code = status
    error.error = SimpleNamespace(code=code, message=message)  # type: ignore[assignment]
    return error


CASES = [
    (ResourceNotFoundError, 404, "NotFound", NotFoundError, "does not exist"),
    (ResourceExistsError, 409, "Conflict", ConflictError, "(Conflict) boom"),
    (HttpResponseError, 409, "Conflict", ConflictError, "conflict"),
    (ClientAuthenticationError, 401, "Expired", AuthenticationError, "credentials"),
    (HttpResponseError, 403, "AuthorizationFailed", BackendError, "access denied"),
    (HttpResponseError, 400, "BadArgument", BackendError, "answered 400"),
    (HttpResponseError, None, "DeploymentFailed", BackendError, "operation failed"),
]


@pytest.mark.parametrize(("cls", "status", "code", "expected", "words"), CASES)
def test_each_kind_of_answer_maps_to_its_error(
    cls: type[HttpResponseError], status: int | None, code: str, expected: type, words: str
) -> None:
    translated = translate(http_error(cls, status, code, "boom"), "endpoint 'ep'")
    assert type(translated) is expected
    assert translated.message.startswith("endpoint 'ep'")
    assert words in translated.message and code in translated.message


def test_no_answer_at_all_is_a_backend_error() -> None:
    translated = translate(ServiceRequestError("connection refused"), "endpoint 'ep'")
    assert type(translated) is BackendError and "cannot reach Azure" in translated.message


def test_calling_chains_the_sdk_error() -> None:
    original = http_error(ResourceExistsError, 409, "Conflict", "busy")
    with pytest.raises(ConflictError) as info, calling("deployment 'blue'"):
        raise original
    assert info.value.__cause__ is original and info.value.exit_code == 4


class StuckPoller:
    def result(self, timeout: float | None = None) -> None:
        return None

    def done(self) -> bool:
        return False

    def status(self) -> str:
        return "InProgress"


def test_waiting_past_the_timeout_is_an_operation_timeout() -> None:
    with pytest.raises(OperationTimeout, match="endpoint 'ep'.*1.5s.*InProgress"):
        wait(StuckPoller(), "endpoint 'ep'", timeout=1.5)
