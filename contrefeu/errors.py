"""The exceptions callers of the library must be ready to handle.

Bad *evidence* never raises: it becomes a finding on the item. These exceptions are for
unusable arguments and environments (a case that cannot be opened, a missing optional extra).

    ContrefeuError
    ├── UsageError          unusable arguments (the CLI exits with status 2)
    ├── CaseError           the case database cannot be opened or is not a contrefeu case
    └── MissingExtra        an optional dependency is not installed
"""

from __future__ import annotations


class ContrefeuError(Exception):
    """Base class of every error contrefeu raises on purpose."""


class UsageError(ContrefeuError):
    """The arguments cannot be used (missing file, bad format name...)."""


class CaseError(ContrefeuError):
    """The case file cannot be opened, or was written by an incompatible version."""


class MissingExtra(ContrefeuError):
    """An optional dependency is needed for this input."""

    def __init__(self, extra: str, what: str) -> None:
        super().__init__(f"{what} needs an optional dependency: pip install 'contrefeu[{extra}]'")
        self.extra = extra
