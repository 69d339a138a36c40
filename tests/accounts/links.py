"""Reading the set-your-password link out of the outbox, as its recipient would."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from wallet.notifications.models import OutboxMessage

LINK = re.compile(r"https?://\S+?/password/reset/[\w-]+")


def link_path(db, email: str, topic: str = "invitation") -> str:
    """The path of the newest link of `topic` sent to `email`."""
    body = db.scalar(
        sa.select(OutboxMessage.body)
        .where(OutboxMessage.to_address == email, OutboxMessage.topic == topic)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body is not None, f"no {topic} message to {email}"
    return urlsplit(LINK.search(body).group(0)).path


def accept_invitation(client, db, email: str, password: str):
    """Open the invitation link and choose `password`, as the invited colleague does."""
    path = link_path(db, email)
    answer = client.post(path, data={"password": password, "password_confirm": password})
    assert answer.status_code == 302, answer.text
    return answer
