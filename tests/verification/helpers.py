"""Reading the verification link out of the outbox, and the worker's sign-up form."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from tests.conftest import PASSWORD
from wallet.notifications.models import OutboxMessage

LINK = re.compile(r"https?://\S+?/verify/[\w-]+")


def verification_path(db, email: str) -> str:
    """The path of the newest verification link sent to `email`."""
    body = db.scalar(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.to_address == email, OutboxMessage.topic == "email_verification")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body is not None, f"no verification message to {email}"
    return urlsplit(LINK.search(body).group(0)).path


def worker_form(**fields) -> dict:
    """A complete sign-up form of a worker; `fields` replace its values."""
    data = {
        "name": "Fatma Yilmaz",
        "email": "fatma@example.nl",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "preferred_language": "nl",
        "date_of_birth": "1990-04-02",
        "municipality_code": "hengelo",
        "employment_status": "job_seeker",
        "sector": "zorg",
        "occupation": "Helpende",
        "education_level": "2",
        "target_occupation": "Verzorgende IG",
    }
    data.update(fields)
    return data
