"""What an operator needs: logs, metrics, liveness and readiness checks."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Logging (request ids, redaction, Sentry when configured) and request metrics."""
    from wallet.ops import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
