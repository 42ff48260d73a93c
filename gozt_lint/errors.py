"""User-facing failures. The CLI turns each into a message and exit status 2."""

from __future__ import annotations


class GoztError(Exception):
    """A problem the user must fix before gozt-lint can run (exit status 2)."""


class UsageError(GoztError):
    """Bad command line or configuration."""


class InputError(GoztError):
    """An input that cannot be read at all (not a finding about its content)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
