"""One error hierarchy for the whole platform.

Every error the domain raises on purpose is an :class:`AthsysError`. The web layer maps
each one to the JSON envelope ``{"success": false, "error": {...}}`` under ``/api/`` and to
an error page in the UI, using :attr:`AthsysError.status_code`.
"""

from __future__ import annotations

from typing import Any


class AthsysError(Exception):
    """Base of all expected errors: a message for people, a code for machines."""

    status_code: int = 500
    error_type: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.error_type
        self.details = details if details is not None else {}

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` member of the API envelope."""
        return {
            "type": self.error_type,
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }


class ValidationError(AthsysError):
    """Input from outside is malformed; ``details`` names each bad field or line."""

    status_code = 400
    error_type = "validation_error"


class AuthenticationError(AthsysError):
    status_code = 401
    error_type = "authentication_error"


class AuthorizationError(AthsysError):
    status_code = 403
    error_type = "authorization_error"


class NotFoundError(AthsysError):
    status_code = 404
    error_type = "not_found"


class ConflictError(AthsysError):
    """The change contradicts stored data (a duplicate bib, a second result for an entry)."""

    status_code = 409
    error_type = "conflict"


class PayloadTooLargeError(AthsysError):
    status_code = 413
    error_type = "payload_too_large"


class RateLimitError(AthsysError):
    status_code = 429
    error_type = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class DatabaseError(AthsysError):
    status_code = 500
    error_type = "database_error"


class ConfigurationError(AthsysError):
    """A setting is missing or unsafe; raised at start-up, before serving anything."""

    status_code = 500
    error_type = "configuration_error"


class ExternalServiceError(AthsysError):
    """A server we depend on (Redis, SMTP, a webhook) did not answer as it should."""

    status_code = 503
    error_type = "external_service_error"
