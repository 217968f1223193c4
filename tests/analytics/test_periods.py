"""The business calendar: days, ISO weeks, months and years in Asia/Shanghai."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from analytics import periods

SH = ZoneInfo("Asia/Shanghai")


def keys_at(moment: str) -> dict:
    day = periods.business_date(moment, SH)
    return {p: periods.period_key(p, day) for p in periods.PERIODS}


def test_new_year_is_a_new_day_month_and_year_but_the_same_iso_week():
    before = keys_at("2026-12-31T23:59:59+08:00")
    after = keys_at("2027-01-01T00:00:00+08:00")
    assert before == {"day": "2026-12-31", "week": "2026-W53", "month": "2026-12", "year": "2026", "total": "total"}
    assert after == {"day": "2027-01-01", "week": "2026-W53", "month": "2027-01", "year": "2027", "total": "total"}


def test_week_53_of_2026_runs_monday_28_december_to_sunday_3_january():
    assert periods.key_start("week", "2026-W53") == date(2026, 12, 28)
    days = periods.days_of("week", date(2027, 1, 1))
    assert days[0] == date(2026, 12, 28) and days[-1] == date(2027, 1, 3) and len(days) == 7
    assert periods.period_key("week", date(2027, 1, 4)) == "2027-W01"


def test_29_december_2025_is_in_week_1_of_2026():
    assert periods.period_key("week", date(2025, 12, 29)) == "2026-W01"
    assert periods.period_key("year", date(2025, 12, 29)) == "2025"


def test_late_evening_utc_is_the_next_day_in_shanghai():
    assert periods.business_date("2026-11-28T23:30:00Z", SH) == date(2026, 11, 29)
    assert periods.business_date("2026-11-28T15:59:59Z", SH) == date(2026, 11, 28)
    assert periods.business_date("2026-11-28T16:00:00Z", SH) == date(2026, 11, 29)


def test_starts_of_periods_are_local_midnights():
    moment = datetime(2026, 11, 28, 18, 5, tzinfo=SH)  # a Saturday
    assert periods.start_of("day", moment, SH) == datetime(2026, 11, 28, tzinfo=SH)
    assert periods.start_of("week", moment, SH) == datetime(2026, 11, 23, tzinfo=SH)
    assert periods.start_of("month", moment, SH) == datetime(2026, 11, 1, tzinfo=SH)
    assert periods.start_of("year", moment, SH) == datetime(2026, 1, 1, tzinfo=SH)
    # just after midnight in Shanghai is still the previous evening in UTC
    utc = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 December in Shanghai
    assert periods.start_of("month", utc, SH) == datetime(2026, 12, 1, tzinfo=SH)


def test_period_ends_and_bucket_names():
    assert periods.period_end("month", date(2026, 12, 15)) == date(2027, 1, 1)
    assert periods.period_end("month", date(2028, 2, 10)) == date(2028, 3, 1)
    assert periods.period_end("year", date(2026, 5, 5)) == date(2027, 1, 1)
    assert periods.bucket("week", date(2026, 11, 28)) == "week:2026-W48"
    assert periods.bucket("total", date(2026, 11, 28)) == "total"
    with pytest.raises(ValueError):
        periods.period_key("fortnight", date(2026, 11, 28))


def test_keys_expire_after_their_period_plus_retention_and_totals_never():
    at = periods.expire_at("day", "2026-11-28", SH)
    assert at == int(datetime(2026, 11, 29, tzinfo=SH).timestamp()) + 400 * 86400
    assert periods.expire_at("total", "total", SH) is None
    assert periods.expire_at("year", "2026", SH) > periods.expire_at("month", "2026-12", SH)


def test_sql_keys_match_python_keys_across_boundaries(database_url):
    """The rebuild groups by the SQL twins: they must name the same periods."""
    days = [date(2025, 12, 28) + timedelta(days=i) for i in range(10)]
    days += [date(2026, 12, 27) + timedelta(days=i) for i in range(10)] + [date(2028, 2, 29)]
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            for period in periods.PERIODS:
                got = conn.execute(text(f"SELECT {periods.sql_key(period, 'd')} FROM unnest(CAST(:d AS date[])) AS t(d)"),
                                   {"d": days}).scalars().all()
                assert got == [periods.period_key(period, d) for d in days], period
            moment = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)
            day = conn.execute(text(f"SELECT {periods.sql_day(':m')}"), {"m": moment, "tz": "Asia/Shanghai"}).scalar()
            assert day == date(2026, 11, 29)
            # the rebuild's form: the session's zone, set to the business zone for the transaction
            conn.execute(text(periods.SESSION_ZONE), {"tz": "Asia/Shanghai"})
            assert conn.execute(text(f"SELECT {periods.sql_day(':m', None)}"), {"m": moment}).scalar() == date(2026, 11, 29)
    finally:
        engine.dispose()
