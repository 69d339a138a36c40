"""Logging for the web app, the CLI and the scheduler: one set-up, JSON lines on stderr.

`configure_logging` is called by `create_app`, which the web app (wsgi.py), every `flask`
command and the scheduler process all go through. Each line carries the request id, and
the user id and role when someone is signed in (or the job name in the scheduler);
`RedactionFilter` keeps secrets, full IBANs and documents out.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import Flask, Response, g, has_request_context, request

from wallet.ops.redaction import STANDARD_ATTRIBUTES, RedactionFilter, redact_value

# Fields bound to everything logged in the current request or job.
_context: contextvars.ContextVar[Mapping[str, object] | None] = contextvars.ContextVar(
    "log_context", default=None
)
REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or client's id is kept when it is plainly an id, never when it could smuggle
# text into the logs (newlines, quotes, markup) or is absurdly long.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
access_log = logging.getLogger("wallet.access")
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.prometheus_metrics", "static"})


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class ContextFilter(logging.Filter):
    """Adds the request id, user id and role, or the job, to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_context.get() or {}).items():
            record.__dict__.setdefault(name, value)
        if has_request_context():
            record.__dict__.setdefault("request_id", g.get("request_id"))
            # Only a user flask-login has already loaded: logging never queries the database.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                record.__dict__.setdefault("user_id", user.id)
                record.__dict__.setdefault("role", str(user.role))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in STANDARD_ATTRIBUTES and not name.startswith("_") and value is not None:
                line[name] = value
        if record.exc_text:
            line["traceback"] = record.exc_text
        elif record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a laptop: time, level, logger, message, then the context as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{name}={value}"
            for name, value in record.__dict__.items()
            if name not in STANDARD_ATTRIBUTES and not name.startswith("_") and value is not None
        )
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%H:%M:%S")
        text = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        text = f"{text}  {extras}" if extras else text
        if record.exc_text:
            text = f"{text}\n{record.exc_text}"
        return text


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    """Send every logger's records to stderr, redacted, as JSON lines or text."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    handler = _StderrHandler()
    handler.set_name("leerwallet")
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "leerwallet"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The app's own logger (current_app.logger) propagates here instead of Flask's handler.
    logging.getLogger("wallet").setLevel(logging.NOTSET)
    # Seven lines at every command about Alembic's plugins tell an operator nothing.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Add `fields` to every line logged inside the block (a job's name, say)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def request_id_from(header: str | None) -> str:
    """The caller's request id when it looks like one; a fresh one otherwise."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    started = g.get("request_started")
    # The route's pattern, never the path: paths can carry reset and verification tokens.
    rule = request.url_rule.rule if request.url_rule else None
    # Load balancers and scrapers ask every few seconds: their answers only at DEBUG.
    quiet = request.endpoint in QUIET_ENDPOINTS and response.status_code < 500
    access_log.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %s",
        request.method,
        rule or "(no route)",
        response.status_code,
        extra={
            "method": request.method,
            "route": rule,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response


def _init_sentry(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    try:
        import sentry_sdk
    except ImportError:
        logging.getLogger(__name__).warning(
            "SENTRY_DSN is set but sentry-sdk is not installed (the `sentry` extra)"
        )
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("ENVIRONMENT"),
        send_default_pii=False,  # no cookies, headers or bodies: they carry secrets
        include_local_variables=False,  # a frame's locals may hold a password or a document
        before_send=scrub_event,
        before_breadcrumb=lambda crumb, _hint: scrub_event(crumb, None),
        traces_sample_rate=0.0,
    )


def scrub_event(event: dict, _hint: object) -> dict:
    """A Sentry event or breadcrumb redacted like a log line: Sentry reads the records
    before our handler's filters do, so they are cleaned again on their way out."""
    return redact_value("event", event)  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Configure logging from the app's settings; give each request an id and a log line."""
    configure_logging(app.config.get("LOG_LEVEL", "INFO"), app.config.get("LOG_FORMAT", "json"))
    app.before_request(_start_request)
    app.after_request(_finish_request)
    _init_sentry(app)
