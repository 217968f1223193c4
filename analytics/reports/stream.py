"""CSV bytes straight from Postgres: ``COPY (SELECT ...) TO STDOUT`` read chunk by chunk.

Postgres formats the CSV (quoting, numbers, the yuan amounts) and sends it as
a stream; we only batch its rows into ~64 KiB chunks, so the process's memory
does not grow with the number of rows and no Python object is made per field.
The connection is held until the body is sent or the client goes away; an
abandoned COPY is cancelled and the connection goes back to the pool clean.
"""
from __future__ import annotations

from typing import Iterator

from analytics.reports.spec import ReportSpec
from analytics.reports.sql import lines_sql, params, sales_sql

BOM = b"\xef\xbb\xbf"  # Excel opens UTF-8 CSV as UTF-8 only with it
CHUNK = 64 * 1024


class CsvExport:
    """An iterable of CSV byte chunks with ``close()`` (WSGI calls it when the response ends)."""

    def __init__(self, store, sql: str, values: dict, *, bom: bool = False, filename: str = "report.csv"):
        self.filename = filename
        self._bom = bom
        self._conn = store.engine.connect()
        self._copy_cm = self._copy = None
        self._done = False
        try:
            driver = self._conn.connection.driver_connection
            cursor = driver.cursor()
            # Times in orders.csv are written in the business zone's offset (API.md "Time").
            cursor.execute("SELECT set_config('TimeZone', %s, true)", (values["tz"],))
            copy_cm = cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", values)
            self._copy = copy_cm.__enter__()  # the query starts now: its errors surface before any byte is sent
            self._copy_cm = copy_cm
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[bytes]:
        buffer = bytearray(BOM if self._bom else b"")
        try:
            for data in self._copy:
                buffer += data
                if len(buffer) >= CHUNK:
                    yield bytes(buffer)
                    buffer.clear()
            self._done = True
        finally:
            # Give the connection back as soon as the last row is read (or the client left):
            # psycopg holds the connection's lock for as long as the COPY is open.
            self.close()
        if buffer:
            yield bytes(buffer)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self._copy_cm is not None:
                if self._done:
                    self._copy_cm.__exit__(None, None, None)
                else:  # the client left mid-way: psycopg cancels the COPY
                    self._copy_cm.__exit__(GeneratorExit, GeneratorExit(), None)
        except Exception:
            conn.invalidate()  # whatever state it is in, never hand it to the next request
        finally:
            conn.close()

    def __del__(self):
        # A safety net: a server that never calls close() must not leave the pool's
        # connection locked (its reset on garbage collection would wait forever).
        self.close()


def sales_csv(store, spec: ReportSpec, *, bom: bool = False) -> CsvExport:
    """sales.csv: one row per group with units, orders, amount_cents, amount."""
    sql, _header = sales_sql(spec)
    return CsvExport(store, sql, params(spec, store.settings.tz), bom=bom, filename=spec.filename("sales"))


def orders_csv(store, spec: ReportSpec, *, bom: bool = False) -> CsvExport:
    """orders.csv: one row per order (or purchase) line."""
    sql, _header = lines_sql(spec)
    return CsvExport(store, sql, params(spec, store.settings.tz), bom=bom, filename=spec.filename("orders"))


def head(export: CsvExport, rows: int = 10) -> tuple[list[str], list[list[str]], bool]:
    """The header and first ``rows`` rows of an export, and whether more follow (the console's preview):
    the same bytes the download sends, read until enough lines have come, then the COPY is closed."""
    import csv
    import io

    text = ""
    try:
        for chunk in export:
            text += chunk.decode("utf-8-sig")
            if text.count("\n") > rows + 1:
                break
    finally:
        export.close()
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        return [], [], False
    return lines[0], lines[1:rows + 1], len(lines) > rows + 1
