"""The reports' exception family; ``api.errors`` maps it to problem+json naming the field."""
from __future__ import annotations


class ReportError(Exception):
    status = 422
    title = "Unprocessable request"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
