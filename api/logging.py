"""Structured logs: one JSON line per API request, and traces of errors, with a request id.

The query string is not logged: ``q`` is free text typed during an interview with a person and
may say something about them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

LOGGER_NAME = "relais.api"
REQUEST_ID_HEADER = "X-Request-Id"
# A caller's (or proxy's) request id is kept when it is short and harmless in a log line.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

logger = logging.getLogger(LOGGER_NAME)


def request_id() -> str | None:
    """This request's id: the caller's ``X-Request-Id`` when sane, else a new one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's ``extra`` fields
    and, for errors, the trace."""

    RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in self.RESERVED})
        if record.exc_info:
            entry["trace"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (which test runners and gunicorn may swap)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure(level: str = "INFO") -> None:
    """Send the API's log to stderr as JSON lines (the handler is added once per process)."""
    logger.setLevel(level.upper())
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)


def start_request() -> None:
    g.started = time.perf_counter()
    request_id()


def log_request(response):
    """One line per request under /api/: id, method, path, status, duration, key name."""
    started = g.get("started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    logger.info(
        "requete",
        extra={
            "request_id": request_id(),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration, 2) if duration is not None else None,
            "cle": g.get("key_name"),
        },
    )
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def log_exception(exc_info) -> None:
    """The trace of an unexpected error, with the request id that the 500 response shows."""
    logger.error(
        "erreur_interne",
        exc_info=exc_info,
        extra={
            "request_id": request_id(),
            "method": request.method if has_request_context() else None,
            "path": request.path if has_request_context() else None,
        },
    )
