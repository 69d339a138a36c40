"""Languages: Dutch by default, English and German; the choice is remembered per user."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user

from wallet.reference import LANGUAGES

babel = Babel()


def select_locale() -> str:
    """The user's saved language, else the session's, else the browser's, else Dutch."""
    if not has_request_context():
        return "nl"  # CLI commands and scheduled jobs speak Dutch
    if current_user and current_user.is_authenticated:
        return current_user.preferred_language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or "nl"
    return "nl"


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the catalogues in wallet/translations."""
    translations = Path(__file__).parent / "translations"
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(translations),
        default_timezone="Europe/Amsterdam",
    )
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
