"""The one family of domain errors every app raises.

Views, the admin and the API turn an ``ApplicationError`` into a message for the user; its
``message`` is already translated and its ``extra`` carries machine-readable details.
"""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request; nothing was saved."""

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDeniedError(ApplicationError):
    """The actor's role does not allow this action on this record."""
