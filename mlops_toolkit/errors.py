"""The toolkit's error tree. Every error a user can act on is a ``ToolkitError``.

Each class carries the process exit code the CLI uses for it::

    ToolkitError                  1  anything the toolkit reports without a traceback
    ├── ConfigError               2  a config file or setting is invalid (names file, key, rule)
    │   └── EnvironmentSetupError 2  a required tool (terraform) is missing or too old
    ├── UsageError                2  a command was called wrongly
    │   └── ApprovalRequired      2  a guarded action (prod apply, destroy) was not approved
    ├── NotFoundError             3  a resource, file or saved state does not exist
    ├── ConflictError             4  the resource is busy or already exists (e.g. a lock is held)
    ├── BackendError              5  an outside system (Terraform, Azure) failed
    │   └── AuthenticationError   6  no usable Azure credentials
    ├── GateFailed                7  a rollout gate failed (the rollout was rolled back)
    └── OperationTimeout          8  a long-running operation did not finish in time

    KeyboardInterrupt (Python)  130  Ctrl-C / SIGINT
    └── Terminated              143  SIGTERM (e.g. CI cancelling a job), where the CLI asks for it

Library code raises these (wrapping third-party errors with ``raise ... from``);
only the CLI turns them into ``Error: ...`` lines and exit codes.
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Root of every error the toolkit reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigError(ToolkitError):
    """A configuration file or setting is invalid. Carries every problem found."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        problems: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.source = source
        self.problems = list(problems or [])
        if self.problems:
            body = "\n".join(f"  {p}" for p in self.problems)
            message = f"{message}\n{body}"
        super().__init__(message, hint=hint)


class EnvironmentSetupError(ConfigError):
    """A tool the toolkit drives (e.g. ``terraform``) is missing or too old."""


class UsageError(ToolkitError):
    """A command or function was called with arguments that cannot work together."""

    exit_code = 2


class ApprovalRequired(UsageError):
    """A guarded action (prod apply, any destroy) was not explicitly approved."""


class NotFoundError(ToolkitError):
    """A resource, file or saved state does not exist."""

    exit_code = 3


class ConflictError(ToolkitError):
    """The target is busy or in a conflicting state (a lock is held, it already exists)."""

    exit_code = 4


class BackendError(ToolkitError):
    """An outside system (Terraform, an Azure API) failed."""

    exit_code = 5


class AuthenticationError(BackendError):
    """No usable Azure credentials were found."""

    exit_code = 6


class GateFailed(ToolkitError):
    """A rollout gate failed; the rollout was rolled back. ``result`` holds its report."""

    exit_code = 7

    def __init__(self, message: str, *, hint: str | None = None, result: object = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


class OperationTimeout(ToolkitError):
    """A long-running operation did not finish within its time limit."""

    exit_code = 8


class Terminated(KeyboardInterrupt):
    """The process was asked to stop with SIGTERM (CI cancelling a job, ``kill PID``).

    Not a ``ToolkitError``: like its base ``KeyboardInterrupt`` it is a
    ``BaseException``, so ``except Exception`` blocks never swallow it and
    clean-up written for Ctrl-C runs for SIGTERM too. The CLI's entry point
    installs a SIGTERM handler that raises it (exit code 143); the library never
    leaves such a handler installed.
    """

    exit_code = 143
