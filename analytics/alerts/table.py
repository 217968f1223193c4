"""The ``alerts`` table: open and resolve by a rule's condition, list, acknowledge.

Opening is ``INSERT ... ON CONFLICT DO NOTHING`` against the unique partial
index of open alerts (``uq_alerts_open``), never a read-then-write: two
evaluators that see the same condition at once open one alert, and only the
one whose row went in writes the ``alert_opened`` event. Resolving is an
``UPDATE ... WHERE resolved_at IS NULL``: of two racing evaluators the second
finds the row already resolved and writes nothing. Each change writes its
outbox event in the same transaction (the caller's).
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from analytics import periods
from analytics.alerts.rules import Rule

_COLUMNS = "id, kind, severity, subject_type, subject_id, station_id, detail, opened_at, acknowledged_at, resolved_at"


def _apply_sql(rule: Rule) -> str:
    return f"""
WITH cur AS ({rule.condition}),
opened AS (
  INSERT INTO alerts (kind, severity, subject_type, subject_id, station_id, detail, opened_at)
  SELECT :kind, :severity, :subject_type, subject_id, station_id, detail, :now FROM cur
  ON CONFLICT (kind, subject_type, subject_id) WHERE resolved_at IS NULL DO NOTHING
  RETURNING {_COLUMNS}),
resolved AS (
  UPDATE alerts a SET resolved_at = :now
  WHERE a.kind = :kind AND a.resolved_at IS NULL
    AND (CAST(:subjects AS text[]) IS NULL OR a.subject_id = ANY(CAST(:subjects AS text[])))
    AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.subject_id = a.subject_id)
  RETURNING {", ".join("a." + c for c in _COLUMNS.split(", "))}),
refreshed AS (  -- the skus concerned change while it stays open: no event, the list shows the latest
  UPDATE alerts a SET detail = cur.detail FROM cur
  WHERE a.kind = :kind AND a.resolved_at IS NULL AND a.subject_id = cur.subject_id AND a.detail <> cur.detail)
SELECT 'alert_opened' AS event, {_COLUMNS} FROM opened
UNION ALL SELECT 'alert_resolved', {_COLUMNS} FROM resolved
ORDER BY id"""


_NOTHING_HOLDS = "SELECT NULL::text AS subject_id, NULL::int AS station_id, NULL::jsonb AS detail WHERE false"
_STATEMENTS: dict[tuple[str, bool], object] = {}


def apply_rules(session: Session, rules, settings, now, subjects: dict | None = None) -> list[tuple[str, dict]]:
    """``apply_rule`` for each of ``rules`` (``subjects``: rule kind -> its subject ids, else all),
    with the business zone set once for the transaction."""
    session.execute(text(periods.SESSION_ZONE), {"tz": settings.timezone})  # detail times in the business zone
    changes = []
    for rule in rules:
        changes += apply_rule(session, rule, settings, now, (subjects or {}).get(rule.kind))
    return changes


def apply_rule(session: Session, rule: Rule, settings, now, subjects: list | None = None) -> list[tuple[str, dict]]:
    """Open what holds and is not open, resolve what is open and no longer holds (within ``subjects``
    when given); returns ``[(event kind, alert), ...]`` for the caller to write to the outbox. The
    transaction's zone is the business zone (``apply_rules``)."""
    params = rule.params(settings, now)
    holds = params is not None
    key = (rule.kind, holds)
    if key not in _STATEMENTS:
        sql = _apply_sql(rule if holds else Rule(rule.kind, rule.severity, rule.subject, _NOTHING_HOLDS, rule.clears))
        _STATEMENTS[key] = text(sql)
    rows = session.execute(_STATEMENTS[key], {
        **(params or {}), "kind": rule.kind, "severity": rule.severity, "subject_type": rule.subject, "now": now,
        "subjects": [str(s) for s in subjects] if subjects is not None else None}).mappings().all()
    return [(row["event"], shape(row, settings.tz)) for row in rows]


def shape(row, tz) -> dict:
    """An alert as API.md shows it (subject ids of devices and stations are integers)."""
    subject_id = row["subject_id"]
    if row["subject_type"] in ("device", "station"):
        subject_id = int(subject_id)
    return {"id": row["id"], "kind": row["kind"], "severity": row["severity"],
            "subject": {"type": row["subject_type"], "id": subject_id}, "station_id": row["station_id"],
            "opened_at": _iso(row["opened_at"], tz), "acknowledged_at": _iso(row["acknowledged_at"], tz),
            "resolved_at": _iso(row["resolved_at"], tz), "detail": row["detail"]}


def _iso(value, tz):
    return value.astimezone(tz).isoformat() if value is not None else None


STATUSES = {
    "open": "resolved_at IS NULL AND acknowledged_at IS NULL",
    "acknowledged": "resolved_at IS NULL AND acknowledged_at IS NOT NULL",
    "resolved": "resolved_at IS NOT NULL",
}


def page(session: Session, tz, *, status: str | None, kind: str | None, station_id: int | None,
         page: int, per_page: int, unresolved: bool = False) -> dict:
    where, params = ["true"], {"limit": per_page, "offset": (page - 1) * per_page}
    if status:
        where.append(STATUSES[status])
    if unresolved:  # open or acknowledged: what still needs doing
        where.append("resolved_at IS NULL")
    if kind:
        where.append("kind = :kind")
        params["kind"] = kind
    if station_id is not None:
        where.append("station_id = :station")
        params["station"] = station_id
    cond = " AND ".join(where)
    total = session.execute(text(f"SELECT count(*) FROM alerts WHERE {cond}"), params).scalar()
    rows = session.execute(text(f"SELECT {_COLUMNS} FROM alerts WHERE {cond} ORDER BY id DESC "
                                "LIMIT :limit OFFSET :offset"), params).mappings().all()
    return {"page": page, "per_page": per_page, "total": total, "items": [shape(r, tz) for r in rows]}


def counts(session: Session, station_id: int | None = None) -> dict:
    """Alerts not resolved yet, by severity (the console's badge, the wall's strip)."""
    rows = session.execute(text(
        "SELECT severity, count(*) FROM alerts WHERE resolved_at IS NULL "
        "AND (CAST(:station AS int) IS NULL OR station_id = :station) GROUP BY severity"),
        {"station": station_id}).all()
    return {severity: n for severity, n in rows}


SETTLE_IDS = 10_000  # more ids than are drawn while any use case's transaction is open (a 500-entry batch: 500)
_WATERMARK = text("SELECT greatest(coalesce(max(id), 0) - :ids, 0) FROM outbox")  # the primary key's last entry


def unresolved(session: Session, tz, station_id: int | None = None, limit: int = 500) -> dict:
    """The newest ``limit`` unresolved alerts, briefly, and the newest event id before they were read:
    the screens apply the stream's ``alert`` messages of later events to this list (strip and badge)."""
    watermark = session.execute(_WATERMARK, {"ids": SETTLE_IDS}).scalar()  # first: see below
    rows = session.execute(text(
        "SELECT id, kind, severity, subject_type, subject_id, opened_at FROM alerts WHERE resolved_at IS NULL "
        "AND (CAST(:station AS int) IS NULL OR station_id = :station) ORDER BY id DESC LIMIT :limit"),
        {"station": station_id, "limit": limit}).mappings().all()
    # An event committed between the two reads has a higher id: applied again, harmlessly (opening
    # and resolving are idempotent on a list keyed by alert id). An event still being committed when
    # the watermark is read may hold a lower id than the newest committed one (ids are drawn at insert,
    # commits land in any order): hence the watermark stays SETTLE_IDS below the newest id, and a
    # message of those last ids that arrives after the list is applied over it (again, or for the
    # first time when its commit was in flight). One index probe, however busy the outbox.
    items = [{"alert_id": r["id"], "alert_kind": r["kind"], "severity": r["severity"],
              "subject": shape({**r, "acknowledged_at": None, "resolved_at": None, "station_id": None,
                                "detail": None}, tz)["subject"],
              "opened_at": _iso(r["opened_at"], tz)} for r in rows]
    return {"watermark": watermark, "items": items}


def get(session: Session, alert_id: int, tz, lock: bool = False) -> dict | None:
    row = session.execute(text(f"SELECT {_COLUMNS} FROM alerts WHERE id = :id" + (" FOR UPDATE" if lock else "")),
                          {"id": alert_id}).mappings().first()
    return shape(row, tz) if row else None


def acknowledge(session: Session, alert_id: int, tz) -> dict | None:
    """Acknowledged once (a repeat keeps the first time); it stays open until its condition clears."""
    row = session.execute(text(
        f"UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, now()) WHERE id = :id RETURNING {_COLUMNS}"),
        {"id": alert_id}).mappings().first()
    return shape(row, tz) if row else None
