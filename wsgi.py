"""gunicorn entry point: `gunicorn wsgi:app` (settings from the environment, WALLET_ENV)."""

from wallet import create_app

app = create_app()
