"""The outbox's NOTIFY (migration 0009): a commit that writes events wakes a listener; a transaction
still open does not."""
from __future__ import annotations

from sqlalchemy import text

from store import outbox


def test_a_commit_that_writes_events_wakes_the_listener(store):
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        outbox.listen(conn)
        assert outbox.wait_for_rows(conn, 0.05) is False  # nothing written yet
        with store.engine.connect() as writer:
            outbox.write(writer, "driver_active", [{"driver_id": 1, "date": "2026-12-02"}])
            assert outbox.wait_for_rows(conn, 0.2) is False  # not committed: nobody may see it yet
            writer.commit()
        assert outbox.wait_for_rows(conn, 30) is True
        with store.engine.begin() as writer:  # the purchases' path: the INSERT inside a statement of theirs
            rows = text(f"WITH e AS ({outbox.insert_sql('CAST(:events AS jsonb)')}) SELECT count(*) FROM e")
            writer.execute(rows, {"events": outbox.dumps(outbox.rows("driver_active", [{"driver_id": 1}]))})
        assert outbox.wait_for_rows(conn, 30) is True
