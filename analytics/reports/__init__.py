"""CSV reports (API.md "CSV reports"): sales per group and order lines, streamed from Postgres."""
from analytics.reports.errors import ReportError
from analytics.reports.spec import GROUPS_BY_KIND, KINDS, MAX_SPAN_DAYS, ReportSpec, build_spec
from analytics.reports.stream import CsvExport, head, orders_csv, sales_csv

__all__ = ["CsvExport", "GROUPS_BY_KIND", "KINDS", "MAX_SPAN_DAYS", "ReportError", "ReportSpec", "build_spec",
           "head", "orders_csv", "sales_csv"]
