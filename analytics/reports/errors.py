"""The reports' errors: part of the analytics family, so ``api.errors`` maps them with it."""
from __future__ import annotations

from analytics.errors import AnalyticsError


class ReportError(AnalyticsError):
    """A report request breaks a rule (range, grouping, kind); ``field`` names the parameter."""
    status, title = 422, "Unprocessable request"
