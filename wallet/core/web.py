"""What the app factory and the features share without importing the factory: the project's
root folder and the CSRF protection (a blueprint may exempt itself from it)."""

from __future__ import annotations

from pathlib import Path

from flask_wtf.csrf import CSRFProtect

ROOT = Path(__file__).resolve().parent.parent.parent
csrf = CSRFProtect()
