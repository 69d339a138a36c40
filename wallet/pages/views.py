"""The pages a Dutch public service publishes, and what the page shell needs on every page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_login import current_user

from wallet.pages.navigation import ACCOUNT_LINKS, menu_for
from wallet.verification.views import DEVICE_COOKIE

bp = Blueprint("pages", __name__)

# The day the accessibility statement was last reviewed against the pages as they are.
ACCESSIBILITY_REVIEWED_ON = dt.date(2026, 12, 2)


@bp.app_context_processor
def _shell_context() -> dict:
    role = current_user.role if current_user and current_user.is_authenticated else None
    return {
        "nav_items": menu_for(role),
        "account_links": ACCOUNT_LINKS if role else (),
        "current_endpoint": request.endpoint if request else None,
        "contact": {
            "email": current_app.config["FUND_CONTACT_EMAIL"],
            "phone": current_app.config.get("FUND_CONTACT_PHONE") or "",
        },
    }


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before they read the page's icon links."""
    return send_from_directory(Path(current_app.static_folder) / "img", "favicon.ico")


@bp.get("/privacy")
def privacy():
    """The privacy statement: what is kept about whom, why, how long, and a person's rights."""
    return render_template("pages/privacy.html")


@bp.get("/cookies")
def cookies():
    """The cookie statement: the cookies Leerwallet really sets, and nothing that tracks."""
    return render_template(
        "pages/cookies.html",
        session_cookie=current_app.config.get("SESSION_COOKIE_NAME", "session"),
        device_cookie=DEVICE_COOKIE,
    )


@bp.get("/toegankelijkheid")
def accessibility():
    """The accessibility statement in the shape of the Dutch model statement."""
    return render_template("pages/accessibility.html", statement_date=ACCESSIBILITY_REVIEWED_ON)


@bp.get("/hoe-het-werkt")
def how_it_works():
    """How budgets work: entitlement, first come, lottery, expiry, claims, who decides."""
    return render_template("pages/how_it_works.html")
