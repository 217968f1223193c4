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


class TooLarge(IngestError):
    """An upload over its size limit (counted as the bytes arrive)."""
    status, title = 413, "Payload too large"


class Unsupported(IngestError):
    """An upload whose bytes are not one of the accepted types."""
    status, title = 415, "Unsupported media type"


class PaymentGatewayError(IngestError):
    """Alipay could not be reached in time, refused, or answered something that fails verification."""
    status, title = 502, "Payment provider error"


class PaymentsNotConfigured(IngestError):
    status, title = 503, "Payments not configured"
