"""What a report asks for, checked once: kind, business-day range, grouping, station, status.

The rules live here rather than in the HTTP layer so that the console's
reports page and the API refuse the same requests with the same field names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.reports.errors import ReportError

KINDS = ("wholesale", "retail")
MAX_SPAN_DAYS = 366
STATUSES = ("awaiting_pickup", "picked_up", "cancelled")

# group name → the CSV columns it adds, in API.md's order.
GROUP_COLUMNS = {
    "day": ("day",),
    "station": ("station_id", "station_name"),
    "product": ("product_id", "sku", "product_name"),
    "driver": ("driver_id", "driver_name"),
    "device": ("device_id",),
}
GROUP_ORDER = tuple(GROUP_COLUMNS)
# Retail sales belong to a driver's device, not to a station; wholesale orders are
# bought at a station and have a device only once picked up.
GROUPS_BY_KIND = {"wholesale": ("day", "station", "product", "driver"),
                  "retail": ("day", "product", "driver", "device")}
# Column names are accepted as group names too: ``group_by=day,station_id`` means day,station.
ALIASES = {column: group for group, columns in GROUP_COLUMNS.items() for column in columns}


@dataclass(frozen=True)
class ReportSpec:
    kind: str
    start: date
    end: date  # inclusive
    groups: tuple[str, ...] = ("day",)
    station_id: int | None = None
    status: str | None = None

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start 00:00, end+1 00:00) in the business time zone: whole business days."""
        return (datetime.combine(self.start, time.min, tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tz))

    def filename(self, report: str) -> str:
        return f"{report}-{self.kind}-{self.start.isoformat()}_{self.end.isoformat()}.csv"


def parse_groups(value: str | None, kind: str) -> tuple[str, ...]:
    """``"day,station"`` → ``("day", "station")`` in API.md's column order; unknown → 422."""
    if value is None:
        return ("day",)
    chosen = set()
    for raw in value.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        group = ALIASES.get(name, name)
        if group not in GROUP_COLUMNS:
            raise ReportError(f"unknown grouping {raw.strip()!r}; use {', '.join(GROUP_ORDER)}", field="group_by")
        if group not in GROUPS_BY_KIND[kind]:
            raise ReportError(f"{kind} sales cannot be grouped by {group}; use "
                              f"{', '.join(GROUPS_BY_KIND[kind])}", field="group_by")
        chosen.add(group)
    return tuple(g for g in GROUP_ORDER if g in chosen)


def build_spec(*, kind: str, start: date, end: date, group_by: str | None = None,
               station_id: int | None = None, status: str | None = None) -> ReportSpec:
    if kind not in KINDS:
        raise ReportError(f"must be one of {', '.join(KINDS)}", field="kind")
    if end < start:
        raise ReportError("must not be before from", field="to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise ReportError(f"from and to may be at most {MAX_SPAN_DAYS} days apart", field="to")
    if kind == "retail" and station_id is not None:
        raise ReportError("retail sales have no station; leave it out or use kind=wholesale", field="station_id")
    if status is not None and (kind != "wholesale" or status not in STATUSES):
        raise ReportError(f"only wholesale orders have a status: {', '.join(STATUSES)}", field="status")
    return ReportSpec(kind=kind, start=start, end=end, groups=parse_groups(group_by, kind),
                      station_id=station_id, status=status)
