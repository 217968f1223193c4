"""The ingest exception family; ``api.errors`` turns each into problem+json."""
from __future__ import annotations


class IngestError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(IngestError):
    status, title = 404, "Not found"


class Forbidden(IngestError):
    status, title = 403, "Forbidden"


class Conflict(IngestError):
    status, title = 409, "Conflict"


class Invalid(IngestError):
    """A well-formed request that breaks a rule (unknown sku, time out of window)."""
    status, title = 422, "Unprocessable request"
