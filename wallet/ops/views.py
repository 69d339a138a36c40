"""Operator endpoints: liveness, readiness and Prometheus metrics."""

import hmac

from flask import Blueprint, current_app, jsonify, request

from wallet.core.errors import problem
from wallet.ops import metrics
from wallet.ops.readiness import OK, readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process answers; touches nothing else (liveness)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database answers, its migrations are at head and storage is writable."""
    checks = readiness()
    ready = all(value == OK for value in checks.values())
    return jsonify(status="ready" if ready else "unavailable", **checks), 200 if ready else 503


def _bearer_token() -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus text format, only for a scraper that sends the metrics token."""
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        return problem(
            404, "Not Found", "Metrics are off: METRICS_TOKEN is not set.", code="not-found"
        )
    if not hmac.compare_digest(_bearer_token().encode(), expected.encode()):
        return problem(
            401,
            "Unauthorized",
            "Send the metrics token as Authorization: Bearer <token>.",
            code="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return metrics.metrics_response()
