"""Log lines: JSON objects when asked, each carrying the request id of the request that logged it."""
import json
import logging
import subprocess
import sys
from pathlib import Path

from config.logging import JsonFormatter, RequestIdFilter, StderrHandler, logging_dict, request_id_var

ROOT = Path(__file__).resolve().parents[2]


def _record(message="hello %s", args=("world",), **extra):
    record = logging.LogRecord("buyfree.test", logging.WARNING, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    RequestIdFilter().filter(record)
    return record


def test_json_line_has_the_fields_an_operator_greps_for():
    token = request_id_var.set("req-42")
    try:
        line = JsonFormatter().format(_record(order_id="o1"))
    finally:
        request_id_var.reset(token)
    body = json.loads(line)
    assert body["message"] == "hello world" and body["level"] == "WARNING" and body["logger"] == "buyfree.test"
    assert body["request_id"] == "req-42" and body["order_id"] == "o1"
    assert body["ts"].endswith("+00:00") and "\n" not in line


def test_outside_a_request_the_id_is_null_and_text_lines_stay_plain():
    body = json.loads(JsonFormatter().format(_record()))
    assert body["request_id"] is None
    assert logging_dict("info", False)["handlers"]["stderr"]["formatter"] == "text"
    assert logging_dict("info", True)["root"]["level"] == "INFO"


def test_exceptions_stay_on_one_json_line():
    try:
        raise ValueError("bad thing")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    body = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad thing" in body["exc_info"]


def test_commands_log_json_when_asked(database_url, redis_url):
    env = {"PATH": "/usr/bin:/bin", "BUYFREE_DATABASE_URL": database_url, "BUYFREE_REDIS_URL": redis_url,
           "BUYFREE_LOG_JSON": "true"}
    done = subprocess.run([sys.executable, "app.py", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert any(line["message"] == "database is at the latest migration" for line in lines)


def test_lines_go_to_the_stderr_of_the_moment(monkeypatch):
    """Configured once, logging keeps writing when stderr is replaced and the old one closed."""
    import io

    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler = StderrHandler()
    handler.emit(_record("one", ()))
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    handler.emit(_record("two", ()))
    assert second.getvalue() == "two\n"
    assert logging_dict("info")["handlers"]["stderr"]["()"] is StderrHandler
