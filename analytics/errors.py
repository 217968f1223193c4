"""The live analytics' exception family; ``api.errors`` maps it to problem+json naming the field."""
from __future__ import annotations


class AnalyticsError(Exception):
    status = 422
    title = "Unprocessable request"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class Invalid(AnalyticsError):
    """A parameter breaks a rule (unknown period, bad scope, limit out of range)."""
    status, title = 422, "Unprocessable request"


class NotFound(AnalyticsError):
    status, title = 404, "Not found"


class Forbidden(AnalyticsError):
    """A valid reader that may not act on this (another station's alert)."""
    status, title = 403, "Forbidden"


class Unavailable(AnalyticsError):
    """Redis cannot be reached: the live figures cannot be read now."""
    status, title = 503, "Live figures unavailable"
